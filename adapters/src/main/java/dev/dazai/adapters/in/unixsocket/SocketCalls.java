package dev.dazai.adapters.in.unixsocket;

import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Platform;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/**
 * The few C calls the sockets need and jnr-unixsocket does not offer: the real uid,
 * {@code SO_PEERPIDFD}, close-on-exec on accepted descriptors. Loaded once per server (a jnr
 * binding is a generated class; the servers are few), never held in a static field.
 */
final class SocketCalls {

    /** Linux ≥ 6.5: a pidfd of the process that connected ({@code asm-generic/socket.h}). */
    static final int SO_PEERPIDFD = 77;
    static final int SOL_SOCKET_LINUX = 1;
    static final int F_GETFD = 1;
    static final int F_SETFD = 2;
    static final int FD_CLOEXEC = 1;

    /** The binding itself; public only because jnr-ffi generates its implementation elsewhere. */
    public interface LibC {
        int getuid();

        int getsockopt(int fd, int level, int option, @Out int[] value, @In @Out int[] length);

        int fcntl(int fd, int cmd, int arg);

        int close(int fd);

        /** BSD and macOS only; Linux uses SO_PEERCRED. */
        int getpeereid(int fd, @Out int[] uid, @Out int[] gid);
    }

    private final LibC libc;
    private final Runtime runtime;
    private final boolean linux;

    SocketCalls() {
        this.libc = LibraryLoader.create(LibC.class)
                .option(LibraryOption.SaveError, Boolean.TRUE)
                .load(Platform.getNativePlatform().getStandardCLibraryName());
        this.runtime = Runtime.getRuntime(libc);
        this.linux = Platform.getNativePlatform().getOS() == Platform.OS.LINUX;
    }

    /** The real uid: the one a peer must share. */
    int uid() {
        return libc.getuid();
    }

    boolean linux() {
        return linux;
    }

    int errno() {
        return runtime.getLastError();
    }

    /** Marks a descriptor close-on-exec, so an --exec child never inherits a socket. */
    void closeOnExec(int fd) {
        int flags = libc.fcntl(fd, F_GETFD, 0);
        if (flags >= 0) {
            libc.fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
        }
    }

    /** The peer's pidfd, or -1 where the kernel has no SO_PEERPIDFD (before 6.5, not Linux). */
    int peerPidfd(int fd) {
        if (!linux) {
            return -1;
        }
        int[] value = {-1};
        int[] length = {Integer.BYTES};
        if (libc.getsockopt(fd, SOL_SOCKET_LINUX, SO_PEERPIDFD, value, length) != 0 || value[0] < 0) {
            return -1;
        }
        closeOnExec(value[0]);
        return value[0];
    }

    /** Peer uid where SO_PEERCRED is missing (macOS): -1 if unknown. */
    int peerUidBsd(int fd) {
        int[] uid = {-1};
        int[] gid = {-1};
        return libc.getpeereid(fd, uid, gid) == 0 ? uid[0] : -1;
    }

    void close(int fd) {
        if (fd >= 0) {
            libc.close(fd);
        }
    }
}
