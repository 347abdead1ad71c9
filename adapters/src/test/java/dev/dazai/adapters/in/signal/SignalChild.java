package dev.dazai.adapters.in.signal;

import dev.dazai.adapters.out.log.StreamJournal;
import dev.dazai.kernel.port.in.Triggers;

/** A child JVM with the daemon's signal table; prints each trigger it receives, one per line. */
public final class SignalChild {

    private SignalChild() {
    }

    public static void main(String[] args) throws Exception {
        Triggers print = new Triggers() {
            @Override
            public void ownerPanics(String source) {
                say("graceful " + source);
            }

            @Override
            public void ownerPanicsHard(String source) {
                say("hard " + source);
            }

            @Override
            public void ownerStops(String source) {
                say("shutdown " + source);
            }
        };
        SignalSource source = new SignalSource();
        for (SignalRow row : source.install(print, new StreamJournal(System.out, StreamJournal.Format.TEXT, false))) {
            say("ROW " + row.name() + " " + row.number() + " " + row.action() + " " + row.how());
        }
        say("READY");
        while (true) {
            Thread.sleep(60_000);
        }
    }

    private static void say(String line) {
        synchronized (System.out) {
            System.out.println(line);
            System.out.flush();
        }
    }
}
