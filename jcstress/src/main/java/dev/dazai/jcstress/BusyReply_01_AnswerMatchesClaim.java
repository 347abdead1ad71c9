package dev.dazai.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.dazai.jcstress.live.LiveKernel;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * BUSY means BUSY: a second connection's HELLO races the heartbeat's loss.
 *
 * <p>The first heartbeat server asked the kernel thread to claim the slot and waited for the
 * answer with a timeout; on timeout it answered BUSY and closed, but the claim stayed queued and
 * ran later. A client told BUSY then held the slot through a connection nobody owned, so the
 * switch could never see that heartbeat go. The naive variant is that code with a queue the
 * "kernel thread" (the arbiter here) drains after the adapter already gave up.
 *
 * <p>The kernel answers from the thread that decides, and remembers every connection it told BUSY
 * (on connect, or on HELLO) until it hangs up, so nothing that connection sent later can take the
 * slot. On the live kernel: the attached heartbeat hangs up while a second connection connects and
 * says HELLO; it is either told BUSY (it came while the slot was held) and never holds it, or told
 * WELCOME and holds it.
 *
 * <p>How to run:
 * <pre>
 *   java -jar jcstress/target/jcstress.jar -t BusyReply_01 -m quick
 * </pre>
 *
 * <p>Outcomes (told, holds the slot): 1 = WELCOME, 2 = BUSY; see jcstress/RESULTS.md for counts.
 */
public class BusyReply_01_AnswerMatchesClaim {

    /** Wait for the kernel with a timeout, answer BUSY when it runs out, leave the claim queued. */
    @JCStressTest
    @Description("A second HELLO races the heartbeat's loss. Naive: the adapter answers BUSY when its wait times out; the claim runs later.")
    @Outcome(id = "1, 1", expect = ACCEPTABLE,             desc = "Claimed in time: WELCOME, and it holds the slot.")
    @Outcome(id = "2, 0", expect = ACCEPTABLE,             desc = "The slot was held: BUSY, and it never holds it.")
    @Outcome(id = "2, 1", expect = ACCEPTABLE_INTERESTING, desc = "Told BUSY, yet the queued claim gave it the slot later.")
    @Outcome(id = ".*",   expect = FORBIDDEN,              desc = "Something else.")
    @State
    public static class Naive {
        private final ConcurrentLinkedQueue<Runnable> kernelQueue = new ConcurrentLinkedQueue<>();
        private volatile boolean held = true;
        private volatile boolean claimed;
        private volatile int holder = 7;
        private volatile int told;

        @Actor
        public void ownerLosesHeartbeat() {
            holder = 0;
            held = false;
            // The kernel thread, free again, works through its queue.
            Runnable queued;
            while ((queued = kernelQueue.poll()) != null) {
                queued.run();
            }
        }

        @Actor
        public void clientSaysHello() {
            kernelQueue.add(() -> {
                if (!held) {
                    held = true;
                    holder = 8;
                    Thread.yield(); // stands for the claim's real work (journal, timers): widens a ns-wide window
                    claimed = true;
                }
            });
            // The adapter gives the kernel thread one chance, then its wait times out: it answers
            // from whatever has happened by then (in production the wait was 2 s and a stall).
            Runnable mine = kernelQueue.poll();
            if (mine != null) {
                mine.run();
            }
            told = claimed ? 1 : 2;
        }

        @Arbiter
        public void arbiter(II_Result r) {
            Runnable late;
            while ((late = kernelQueue.poll()) != null) {
                late.run();
            }
            r.r1 = told;
            r.r2 = holder == 8 ? 1 : 0;
        }
    }

    /** The live kernel: the answer is sent by the thread that decides. */
    @JCStressTest
    @Description("A second HELLO races the heartbeat's loss, on the live kernel: told BUSY never holds the slot, told WELCOME does.")
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "The loss came first: WELCOME (a reconnect), and it holds the slot.")
    @Outcome(id = "2, 0", expect = ACCEPTABLE, desc = "It came while the slot was held: BUSY, and it never holds it.")
    @Outcome(id = ".*",   expect = FORBIDDEN,  desc = "Told BUSY and holding, told WELCOME and not holding, or no answer.")
    @State
    public static class Kernel {
        private final LiveKernel live = new LiveKernel(60_000);
        private final LiveKernel.Line first = live.attached(7);
        private LiveKernel.Line second;

        @Actor
        public void ownerLosesHeartbeat() {
            live.kernel().clientHangsUp(first);
        }

        @Actor
        public void clientSaysHello() {
            second = live.hello(8);
        }

        @Arbiter
        public void arbiter(II_Result r) {
            live.settle();
            r.r1 = second.told();
            r.r2 = live.slotHolder() == 8 ? 1 : 0;
            live.close();
        }
    }
}
