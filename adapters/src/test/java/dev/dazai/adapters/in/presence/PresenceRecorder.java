package dev.dazai.adapters.in.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.dazai.kernel.port.in.Presence;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** The Presence port as a test sees it: every call, in order, from whichever thread made it. */
final class PresenceRecorder implements Presence {

    /** One call: "starts" or "ends", and the session it named. */
    record Call(String verb, Session session) {
        @Override
        public String toString() {
            return verb + " " + session.pid() + "/" + session.startTime();
        }
    }

    private final BlockingQueue<Call> pending = new LinkedBlockingQueue<>();
    final List<Call> all = new CopyOnWriteArrayList<>();
    private final Supplier<String> context;

    /** {@code context}: what a failure message should add (the journal, say). */
    PresenceRecorder(Supplier<String> context) {
        this.context = context;
    }

    @Override
    public void sessionStarts(Session session) {
        record(new Call("starts", session));
    }

    @Override
    public void sessionEnds(Session session) {
        record(new Call("ends", session));
    }

    private void record(Call call) {
        all.add(call);
        pending.add(call);
    }

    /** The next call not yet taken; fails after a generous bound (test liveness, not speed). */
    Call next() throws InterruptedException {
        Call c = pending.poll(20, TimeUnit.SECONDS);
        assertNotNull(c, "no call to the Presence port within 20 s; so far: " + all + "; " + context.get());
        return c;
    }

    Session nextStarts(long pid) throws InterruptedException {
        Call c = next();
        assertEquals("starts " + pid, c.verb() + " " + c.session().pid(), "calls so far: " + all);
        return c.session();
    }

    Session nextEnds(long pid) throws InterruptedException {
        Call c = next();
        assertEquals("ends " + pid, c.verb() + " " + c.session().pid(), "calls so far: " + all);
        return c.session();
    }

    /** Nothing more arrives within {@code millis}. */
    void quiet(long millis) throws InterruptedException {
        Call c = pending.poll(millis, TimeUnit.MILLISECONDS);
        assertEquals(null, c, "unexpected call; all: " + all);
    }
}
