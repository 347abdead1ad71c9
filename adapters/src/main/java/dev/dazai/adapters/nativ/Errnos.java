package dev.dazai.adapters.nativ;

import jnr.constants.platform.Errno;

/** errno numbers as the names people look up, for messages and for decisions. */
public final class Errnos {

    public static final int EPERM = Errno.EPERM.intValue();
    public static final int ESRCH = Errno.ESRCH.intValue();
    public static final int EINTR = Errno.EINTR.intValue();
    public static final int EAGAIN = Errno.EAGAIN.intValue();
    public static final int ENOMEM = Errno.ENOMEM.intValue();
    public static final int EINVAL = Errno.EINVAL.intValue();
    public static final int ENOSYS = Errno.ENOSYS.intValue();
    public static final int ENOENT = Errno.ENOENT.intValue();
    public static final int ECHILD = Errno.ECHILD.intValue();
    public static final int ELOOP = Errno.ELOOP.intValue();
    public static final int EACCES = Errno.EACCES.intValue();

    private Errnos() {
    }

    public static String name(int errno) {
        Errno e = Errno.valueOf(errno);
        return e == Errno.__UNKNOWN_CONSTANT__ ? "errno " + errno : e.name();
    }

    public static String describe(int errno) {
        Errno e = Errno.valueOf(errno);
        return e == Errno.__UNKNOWN_CONSTANT__ ? "errno " + errno : e.name() + " (" + e.description() + ")";
    }
}
