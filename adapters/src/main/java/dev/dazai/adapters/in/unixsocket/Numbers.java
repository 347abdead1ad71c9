package dev.dazai.adapters.in.unixsocket;

import java.util.OptionalLong;

/** Decimal fields of the protocol: digits only, no sign, no spaces, no leading zeros but "0". */
final class Numbers {

    private static final long MAX_PID = Integer.MAX_VALUE;

    private Numbers() {
    }

    /** A PID: 1 … 2^31-1 (Linux's pid_max is far lower; the kernel's checks come later). */
    static OptionalLong pid(String s) {
        OptionalLong v = unsigned(s);
        return v.isPresent() && v.getAsLong() >= 1 && v.getAsLong() <= MAX_PID ? v : OptionalLong.empty();
    }

    /** A non-negative long, as /proc/pid/stat's starttime. */
    static OptionalLong unsigned(String s) {
        if (s.isEmpty() || s.length() > 19 || (s.length() > 1 && s.charAt(0) == '0')) {
            return OptionalLong.empty();
        }
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < '0' || ch > '9') {
                return OptionalLong.empty();
            }
        }
        try {
            return OptionalLong.of(Long.parseLong(s));
        } catch (NumberFormatException tooBig) {
            return OptionalLong.empty();
        }
    }
}
