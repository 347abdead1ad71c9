package dev.dazai.kernel.port.out;

/** Removes what announces the daemon: the pidfile and the sockets. */
public interface Unlinker {

    void unlink();
}
