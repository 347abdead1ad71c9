package dev.dazai.adapters.nativ;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/**
 * The slice of the C library the adapters call, bound through jnr-ffi.
 *
 * <p>Addresses of secret memory are passed as {@code long}, not as jnr {@link Pointer}s, so that
 * no Java object ever wraps the plaintext's address longer than one call (LP64 only: Linux and
 * macOS on 64-bit CPUs, where a pointer and a {@code long} are passed alike). Small structs the
 * calls fill in (rlimit, timespec, pollfd, spawn attributes) are passed as scratch {@link Pointer}s.
 */
public interface LibC {

    // ---- memory ----------------------------------------------------------------------------

    /**
     * {@code addr} is a Pointer ({@link Native#at}) because jnr-ffi 2.2.17's all-numeric six-argument
     * call path passes a {@code long} first argument wrongly here (mmap then fails with EINVAL).
     */
    long mmap(Pointer addr, long length, int prot, int flags, int fd, long offset);

    int munmap(long addr, long length);

    int mprotect(long addr, long length, int prot);

    int mlock(long addr, long length);

    int munlock(long addr, long length);

    int madvise(long addr, long length, int advice);

    /** glibc ≥ 2.25 and macOS ≥ 10.12 (memset_s there): a zeroing the compiler may not elide. */
    void explicit_bzero(long addr, long length);

    long memcpy(long dst, long src, long length);

    long getrandom(long buf, long length, int flags);

    int getpagesize();

    // ---- file descriptors ------------------------------------------------------------------

    long read(int fd, long buf, long count);

    long write(int fd, long buf, long count);

    int open(String path, int flags, int mode);

    int close(int fd);

    int ftruncate(int fd, long length);

    int pipe2(@Out int[] fds, int flags);

    int dup2(int oldFd, int newFd);

    int fcntl(int fd, int cmd, int arg);

    int poll(Pointer fds, long nfds, int timeoutMillis);

    // ---- inotify (Linux) -------------------------------------------------------------------

    int inotify_init1(int flags);

    int inotify_add_watch(int fd, String path, int mask);

    // ---- processes, limits, signals --------------------------------------------------------

    int getpid();

    long sysconf(int name);

    int kill(int pid, int signal);

    /** Ends the process at once: no JVM shutdown, which waits ~300 ms for threads blocked in native calls. */
    void _exit(int status);

    int prctl(int option, long arg2, long arg3, long arg4, long arg5);

    int getrlimit(int resource, @Out Pointer rlimit);

    int setrlimit(int resource, @In Pointer rlimit);

    long syscall(long number, long arg1, long arg2, long arg3, long arg4);

    int sigaction(int signal, @In Pointer action, @Out Pointer oldAction);

    int __libc_current_sigrtmin();

    int __libc_current_sigrtmax();

    int waitpid(int pid, @Out int[] status, int options);

    int waitid(int idType, int id, Pointer info, int options);

    /** Replaces this process (same PID): {@code dazai run} becomes its command. */
    int execve(String path, @In CharSequence[] argv, @In CharSequence[] envp);

    int sigprocmask(int how, @In Pointer set, Pointer oldSet);

    int clock_gettime(int clockId, @Out Pointer timespec);

    // ---- posix_spawn -----------------------------------------------------------------------

    int posix_spawnp(@Out int[] pid, String file, Pointer fileActions, Pointer attributes,
            @In CharSequence[] argv, @In CharSequence[] envp);

    int posix_spawn_file_actions_init(Pointer fileActions);

    int posix_spawn_file_actions_adddup2(Pointer fileActions, int fd, int newFd);

    int posix_spawn_file_actions_addclose(Pointer fileActions, int fd);

    /** glibc ≥ 2.34 only: callers must be ready for it to be missing. */
    int posix_spawn_file_actions_addclosefrom_np(Pointer fileActions, int from);

    int posix_spawn_file_actions_destroy(Pointer fileActions);

    int posix_spawnattr_init(Pointer attributes);

    int posix_spawnattr_setflags(Pointer attributes, short flags);

    int posix_spawnattr_setsigdefault(Pointer attributes, Pointer signals);

    int posix_spawnattr_setsigmask(Pointer attributes, Pointer signals);

    int posix_spawnattr_destroy(Pointer attributes);

    int sigemptyset(Pointer set);

    int sigfillset(Pointer set);
}
