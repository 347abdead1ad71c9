package dev.dazai.jcstress.run;

import java.io.IOException;

/**
 * Lets jcstress 0.16 run tests with more actors than the machine has CPUs.
 *
 * <p>jcstress gives every actor a CPU of its own and silently skips a test with more actors than
 * CPUs ("No scheduling is possible, these tests would not run"), so SingleFire's three- and
 * four-trigger harnesses would never run on a 2-core CI machine. When it cannot read a Linux CPU
 * topology, jcstress falls back to a fake one with as many CPUs as
 * {@code Runtime.availableProcessors()} reports, and pins nothing. So: start the JVM with
 * {@code -XX:ActiveProcessorCount=4}, and make jcstress's "is this Linux?" check (it looks at
 * {@code os.name}) say no. The actors then share the real cores, time-sliced: races are seen less
 * often than on real CPUs, never more, so a forbidden outcome seen this way is still a real bug.
 */
final class Oversubscription {

    private Oversubscription() {
    }

    /** Call before jcstress starts; affects only this JVM (the forked test VMs see the real os.name). */
    static void hideCpuTopology() throws IOException, InterruptedException {
        // JDK 17's ProcessImpl reads os.name once, when the first process starts: start it now, while
        // os.name is still true, since jcstress forks its test VMs through ProcessBuilder.
        Process probe = new ProcessBuilder("true").start();
        probe.waitFor();
        System.setProperty("os.name", "Oversubscribed");
    }
}
