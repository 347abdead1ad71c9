package dev.dazai.adapters.nativ;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.IntConsumer;
import jnr.posix.CmsgHdr;
import jnr.posix.MsgHdr;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

/**
 * File descriptors across a UNIX socket ({@code SCM_RIGHTS}), over jnr-posix's
 * {@code sendmsg}/{@code recvmsg}, which lay out {@code msghdr} and {@code cmsghdr} for the platform.
 * Only protocol lines and fd numbers pass through here, never a secret's bytes: the secret moves
 * through the pipe whose end is passed.
 *
 * <p>Both calls work on blocking and non-blocking sockets alike: -1 means "would block". A
 * received fd is close-on-exec from the first instant ({@code MSG_CMSG_CLOEXEC}); fds beyond
 * {@link #MAX_FDS} in one message are closed by the kernel, not leaked.
 */
public final class FdPassing {

    /** Ancillary room for this many fds per message: the protocol passes one, the rest is margin. */
    public static final int MAX_FDS = 4;

    private static final int SOL_SOCKET = Native.isLinux() ? 1 : 0xffff;
    private static final int SCM_RIGHTS = 1;
    /** Linux's MSG_CMSG_CLOEXEC; elsewhere the received fd is marked with fcntl right after. */
    private static final int MSG_CMSG_CLOEXEC = Native.isLinux() ? 0x40000000 : 0;
    private static final int MSG_NOSIGNAL = Native.isLinux() ? 0x4000 : 0;

    private final POSIX posix;

    public FdPassing() {
        this.posix = POSIXFactory.getNativePOSIX();
    }

    /**
     * Sends {@code bytes} (at least one) on {@code socket}, with {@code fd} attached unless it is
     * negative. Returns the bytes sent (the fd, if any, went with the first of them), or -1 if a
     * non-blocking socket would block. Throws {@link NativeException} on any other failure
     * ({@code EPIPE} when the peer has gone: no SIGPIPE is raised).
     */
    public long send(int socket, byte[] bytes, int fd) {
        if (bytes.length == 0) {
            throw new IllegalArgumentException("SCM_RIGHTS needs at least one byte of data");
        }
        MsgHdr msg = posix.allocateMsgHdr();
        ByteBuffer data = ByteBuffer.allocateDirect(bytes.length);
        data.put(bytes).flip();
        msg.setIov(new ByteBuffer[] {data});
        if (fd >= 0) {
            CmsgHdr control = msg.allocateControl(Integer.BYTES);
            control.setLevel(SOL_SOCKET);
            control.setType(SCM_RIGHTS);
            ByteBuffer number = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.nativeOrder());
            number.putInt(fd).flip();
            control.setData(number);
        }
        while (true) {
            int n = posix.sendmsg(socket, msg, MSG_NOSIGNAL);
            if (n >= 0) {
                return n;
            }
            int err = posix.errno();
            if (err == Errnos.EAGAIN) {
                return -1;
            }
            if (err != Errnos.EINTR) {
                throw new NativeException("sendmsg", err);
            }
        }
    }

    /**
     * Receives into {@code into} (from its position, at most its remaining bytes; the position
     * advances). Each fd that came with the data goes to {@code fds}, which owns it from then on.
     * Returns the bytes received, 0 at end of input, or -1 if a non-blocking socket has nothing.
     */
    public long receive(int socket, ByteBuffer into, IntConsumer fds) {
        if (!into.hasRemaining()) {
            throw new IllegalArgumentException("no room to receive into");
        }
        MsgHdr msg = posix.allocateMsgHdr();
        ByteBuffer data = ByteBuffer.allocateDirect(into.remaining());
        msg.setIov(new ByteBuffer[] {data});
        msg.allocateControl(MAX_FDS * Integer.BYTES);
        int n;
        while (true) {
            n = posix.recvmsg(socket, msg, MSG_CMSG_CLOEXEC);
            if (n >= 0) {
                break;
            }
            int err = posix.errno();
            if (err == Errnos.EAGAIN) {
                return -1;
            }
            if (err != Errnos.EINTR) {
                throw new NativeException("recvmsg", err);
            }
        }
        for (CmsgHdr control : msg.getControls()) {
            if (control.getLevel() != SOL_SOCKET || control.getType() != SCM_RIGHTS) {
                continue;
            }
            ByteBuffer numbers = control.getData().order(ByteOrder.nativeOrder());
            while (numbers.remaining() >= Integer.BYTES) {
                int fd = numbers.getInt();
                if (MSG_CMSG_CLOEXEC == 0) {
                    Native.libc().fcntl(fd, Sys.F_SETFD, Sys.FD_CLOEXEC);
                }
                fds.accept(fd);
            }
        }
        if (n > 0) {
            byte[] got = new byte[n];
            msg.getIov()[0].get(got);
            into.put(got);
        }
        return n;
    }
}
