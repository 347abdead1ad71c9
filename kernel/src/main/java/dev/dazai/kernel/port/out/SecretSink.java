package dev.dazai.kernel.port.out;

/**
 * Where one consumer reads its copy of a secret: an adapter's pipe, opaque to the kernel, which
 * only decides whether a secret may go there and hands it to {@link Secret#deliverTo}. The adapter
 * that made it closes it if the kernel refuses.
 */
public interface SecretSink {
}
