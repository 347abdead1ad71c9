package dev.dazai.app.hostile;

import dev.dazai.adapters.nativ.Fds;
import dev.dazai.adapters.nativ.Sys;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import jnr.posix.CmsgHdr;
import jnr.posix.MsgHdr;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.unixsocket.UnixSocketAddress;
import jnr.unixsocket.UnixSocketChannel;

/**
 * A raw control.sock client that attaches any number of fds (SCM_RIGHTS) to any bytes, which the
 * daemon's own client never does: the JDK's sockets cannot pass fds, so this is jnr's, with the
 * {@code msghdr} laid out by jnr-posix. Every fd that comes back is counted and closed at once.
 */
final class FdLine implements AutoCloseable {

    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;

    private final UnixSocketChannel channel;
    private final POSIX posix;

    private FdLine(UnixSocketChannel channel, POSIX posix) {
        this.channel = channel;
        this.posix = posix;
    }

    static FdLine connect(Path socket, POSIX posix) throws IOException {
        return new FdLine(UnixSocketChannel.open(new UnixSocketAddress(socket.toString())), posix);
    }

    static POSIX posix() {
        return POSIXFactory.getNativePOSIX();
    }

    int fd() {
        return channel.getFD();
    }

    /**
     * One sendmsg of {@code bytes} (at least one) with {@code fds} attached, then the rest of the
     * bytes without; false if the daemon had hung up already (EPIPE, ECONNRESET).
     */
    boolean send(byte[] bytes, int... fds) {
        int sent = 0;
        boolean first = true;
        while (sent < bytes.length) {
            MsgHdr msg = posix.allocateMsgHdr();
            ByteBuffer data = ByteBuffer.allocateDirect(bytes.length - sent);
            data.put(bytes, sent, bytes.length - sent).flip();
            msg.setIov(new ByteBuffer[] {data});
            if (first && fds.length > 0) {
                CmsgHdr control = msg.allocateControl(fds.length * Integer.BYTES);
                control.setLevel(SOL_SOCKET);
                control.setType(SCM_RIGHTS);
                ByteBuffer numbers = ByteBuffer.allocate(fds.length * Integer.BYTES).order(ByteOrder.nativeOrder());
                for (int fd : fds) {
                    numbers.putInt(fd);
                }
                control.setData(numbers.flip());
            }
            int n = posix.sendmsg(channel.getFD(), msg, MSG_NOSIGNAL);
            if (n < 0) {
                return false;
            }
            sent += n;
            first = false;
        }
        return true;
    }

    /** Ends our writing half: a line without its newline is then end of input for the daemon. */
    void shutdownOutput() {
        try {
            channel.shutdownOutput();
        } catch (IOException alreadyGone) {
            // The daemon closed first: nothing left to end.
        }
    }

    /** What came back until the daemon closed (or {@code timeout} passed: closed is false). */
    record Received(String text, int fds, boolean closed) {
    }

    Received readToEnd(Duration timeout) {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        int fds = 0;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0 || !Fds.await(channel.getFD(), Sys.POLLIN, (int) left)) {
                return new Received(text.toString(StandardCharsets.ISO_8859_1), fds, false);
            }
            MsgHdr msg = posix.allocateMsgHdr();
            ByteBuffer data = ByteBuffer.allocateDirect(4096);
            msg.setIov(new ByteBuffer[] {data});
            msg.allocateControl(8 * Integer.BYTES);
            int n = posix.recvmsg(channel.getFD(), msg, MSG_CMSG_CLOEXEC);
            for (CmsgHdr c : msg.getControls()) {
                if (c.getLevel() == SOL_SOCKET && c.getType() == SCM_RIGHTS) {
                    ByteBuffer numbers = c.getData().order(ByteOrder.nativeOrder());
                    while (numbers.remaining() >= Integer.BYTES) {
                        Fds.closeQuietly(numbers.getInt());
                        fds++;
                    }
                }
            }
            if (n <= 0) {
                // End of stream, or a reset: either way the daemon is done with us.
                return new Received(text.toString(StandardCharsets.ISO_8859_1), fds, true);
            }
            byte[] got = new byte[n];
            msg.getIov()[0].get(got);
            text.writeBytes(got);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
