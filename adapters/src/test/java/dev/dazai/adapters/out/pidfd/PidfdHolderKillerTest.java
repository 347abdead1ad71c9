package dev.dazai.adapters.out.pidfd;

import dev.dazai.adapters.nativ.Pidfds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dazai.adapters.testing.ListJournal;
import dev.dazai.kernel.port.out.Holder;
import dev.dazai.kernel.port.out.Pin;
import dev.dazai.kernel.port.out.HolderKiller;
import dev.dazai.kernel.port.out.KillOutcome;
import dev.dazai.kernel.port.out.RegistrationException;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Both killers against real child processes. */
class PidfdHolderKillerTest {

    @BeforeAll
    static void pidfds() {
        assumeTrue(PidfdHolderKiller.supported(), "needs pidfd_open (Linux >= 5.3)");
    }

    private final List<Process> started = new java.util.ArrayList<>();

    private Process sleeper() throws Exception {
        Process p = new ProcessBuilder("sleep", "1000").start();
        started.add(p);
        return p;
    }

    @org.junit.jupiter.api.AfterEach
    void killLeftovers() throws Exception {
        for (Process p : started) {
            p.destroyForcibly().waitFor();
        }
    }

    private static final List<Function<ListJournal, HolderKiller>> KILLERS =
            List.of(PidfdHolderKiller::new, StartTimeHolderKiller::new);

    @Test
    void killsARegisteredHolderAndNothingElse() throws Exception {
        for (Function<ListJournal, HolderKiller> make : KILLERS) {
            HolderKiller killer = make.apply(new ListJournal());
            Process holder = sleeper();
            Process bystander = sleeper();
            Holder h = killer.register(Pin.of(holder.pid(), OptionalLong.empty()), Holder.Reach.PROCESS);
            assertEquals(ProcStat.startTime(holder.pid()).getAsLong(), h.startTime());
            assertEquals(List.of(h), killer.holders());
            assertEquals(List.of(new KillOutcome(holder.pid(), KillOutcome.Kind.KILLED)), killer.killAll());
            assertTrue(holder.waitFor(10, TimeUnit.SECONDS), killer.getClass().getSimpleName());
            assertEquals(137, holder.exitValue(), "SIGKILL");
            assertTrue(bystander.isAlive());
            bystander.destroyForcibly().waitFor();
        }
    }

    @Test
    void anExitedHolderIsGoneAndNotSignalled() throws Exception {
        for (Function<ListJournal, HolderKiller> make : KILLERS) {
            HolderKiller killer = make.apply(new ListJournal());
            Process holder = sleeper();
            killer.register(Pin.of(holder.pid(), OptionalLong.empty()), Holder.Reach.PROCESS);
            holder.destroy();
            holder.waitFor();
            assertEquals(List.of(new KillOutcome(holder.pid(), KillOutcome.Kind.GONE)), killer.rehearseKillAll());
            assertEquals(List.of(new KillOutcome(holder.pid(), KillOutcome.Kind.GONE)), killer.killAll());
        }
    }

    @Test
    void aRehearsalSendsNothing() throws Exception {
        for (Function<ListJournal, HolderKiller> make : KILLERS) {
            HolderKiller killer = make.apply(new ListJournal());
            Process holder = sleeper();
            killer.register(Pin.of(holder.pid(), OptionalLong.empty()), Holder.Reach.PROCESS);
            assertEquals(List.of(new KillOutcome(holder.pid(), KillOutcome.Kind.WOULD_KILL)), killer.rehearseKillAll());
            assertFalse(holder.waitFor(200, TimeUnit.MILLISECONDS), "still running");
            assertTrue(killer.unregister(holder.pid()));
            assertFalse(killer.unregister(holder.pid()));
            assertEquals(List.of(), killer.killAll());
            assertTrue(holder.isAlive(), "unregistered: left alone");
            holder.destroyForcibly().waitFor();
        }
    }

    @Test
    void refusesAWrongStartTimeAndAMissingProcess() throws Exception {
        for (Function<ListJournal, HolderKiller> make : KILLERS) {
            HolderKiller killer = make.apply(new ListJournal());
            Process holder = sleeper();
            long real = ProcStat.startTime(holder.pid()).getAsLong();
            RegistrationException e = assertThrows(RegistrationException.class,
                    () -> killer.register(Pin.of(holder.pid(), OptionalLong.of(real + 1)), Holder.Reach.PROCESS));
            assertTrue(e.getMessage().contains("PID reused"), e.getMessage());
            assertEquals(holder.pid(), killer.register(Pin.of(holder.pid(), OptionalLong.of(real)), Holder.Reach.PROCESS).pid());
            holder.destroyForcibly().waitFor();
            long gonePid = holder.pid();
            assertThrows(RegistrationException.class, () -> killer.register(Pin.of(gonePid, OptionalLong.empty()), Holder.Reach.PROCESS));
            assertThrows(RegistrationException.class, () -> killer.register(Pin.of(-1, OptionalLong.empty()), Holder.Reach.PROCESS));
        }
    }

    @Test
    void adoptsAPidfdTheCallerOpened() throws Exception {
        try (PidfdHolderKiller killer = new PidfdHolderKiller(new ListJournal())) {
            Process holder = sleeper();
            int fd = Pidfds.open(holder.pid());
            assertTrue(fd >= 0);
            killer.adopt(holder.pid(), fd);
            assertEquals(KillOutcome.Kind.KILLED, killer.killAll().get(0).kind());
            assertTrue(holder.waitFor(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void parsesStartTimeEvenWithParenthesesInTheName() {
        String stat = "4242 (a) b) (c) S 1 4242 4242 0 -1 4194304 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10";
        assertEquals(987654, ProcStat.parseStartTime(stat).getAsLong());
    }
}
