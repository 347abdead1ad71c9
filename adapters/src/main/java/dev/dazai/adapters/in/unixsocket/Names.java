package dev.dazai.adapters.in.unixsocket;

import java.util.regex.Pattern;

/** A secret's name on the wire: 1 to 64 of {@code A-Z a-z 0-9 . _ -}, so it is safe in any log, path or shell. */
public final class Names {

    /** The one reply for a name that is not one. */
    static final String BAD = "ERR bad name: use 1 to 64 of A-Z a-z 0-9 . _ -";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private Names() {
    }

    public static boolean valid(String name) {
        return name != null && NAME.matcher(name).matches();
    }
}
