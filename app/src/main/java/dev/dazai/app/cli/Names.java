package dev.dazai.app.cli;

/** A secret's name as the daemon takes it; checked here too, so a typo is a usage error (exit 2), not a refusal. */
final class Names {

    private Names() {
    }

    static String check(String name) {
        if (!dev.dazai.adapters.in.unixsocket.Names.valid(name)) {
            throw UserError.usage("'" + name + "' is not a secret name; use 1 to 64 of A-Z a-z 0-9 . _ -");
        }
        return name;
    }
}
