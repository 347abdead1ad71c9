package dev.dazai.kernel.machine;

import static dev.dazai.kernel.domain.Event.*;
import static dev.dazai.kernel.domain.State.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dazai.kernel.domain.Event;
import dev.dazai.kernel.domain.Mode;
import dev.dazai.kernel.domain.State;
import dev.dazai.kernel.domain.SwitchConfig;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One case per row of the transition table, named by its spec action, run on the real Spring machine. */
class TransitionTableTest {

    private static final List<Event> TO_LOADING = List.of(DaemonInstallsHandlers);
    private static final List<Event> TO_WAITING = List.of(DaemonInstallsHandlers, DaemonLoadsSecret);
    private static final List<Event> TO_ATTACHED = List.of(DaemonInstallsHandlers, DaemonLoadsSecret, HeartbeatAttaches);
    private static final List<Event> TO_SESSION = List.of(DaemonInstallsHandlers, DaemonLoadsSecret, SessionStarts);
    private static final List<Event> TO_GRACE =
            List.of(DaemonInstallsHandlers, DaemonLoadsSecret, HeartbeatAttaches, OwnerLosesHeartbeat);
    private static final List<Event> TO_KILLING = List.of(DaemonInstallsHandlers, DaemonLoadsSecret, OwnerPanicsHard);
    private static final List<Event> TO_WIPING = List.of(DaemonInstallsHandlers, DaemonLoadsSecret, OwnerPanicsHard,
            DaemonFinishesKilling);
    private static final List<Event> TO_UNLINKING = List.of(DaemonInstallsHandlers, DaemonLoadsSecret, OwnerPanicsHard,
            DaemonFinishesKilling, DaemonWipesSecret);

    static Stream<Arguments> rows() {
        return Stream.of(
                row("DaemonInstallsHandlers", 5, List.of(), DaemonInstallsHandlers, Loading),
                row("DaemonLoadsSecret", 5, TO_LOADING, DaemonLoadsSecret, Waiting),
                row("EarlySignalArrives in Starting", 5, List.of(), EarlySignalArrives, Killing),
                row("EarlySignalArrives in Loading", 5, TO_LOADING, EarlySignalArrives, Killing),
                row("OwnerStops in Starting", 5, List.of(), OwnerStops, Stopped),
                row("OwnerStops in Loading", 5, TO_LOADING, OwnerStops, Stopped),
                row("OwnerStops in Waiting", 5, TO_WAITING, OwnerStops, Stopped),
                row("OwnerStops in Attached", 5, TO_ATTACHED, OwnerStops, Stopped),
                row("OwnerStops inside a window fires", 5, TO_GRACE, OwnerStops, Killing),
                row("DaemonAbortsStart in Loading", 5, TO_LOADING, DaemonAbortsStart, Stopped),
                row("DaemonAbortsStart in Waiting", 5, TO_WAITING, DaemonAbortsStart, Stopped),
                row("DaemonAbortsStart in Attached", 5, TO_ATTACHED, DaemonAbortsStart, Stopped),
                row("DaemonAbortsStart inside a window fires", 5, TO_GRACE, DaemonAbortsStart, Killing),
                row("HeartbeatAttaches", 5, TO_WAITING, HeartbeatAttaches, Attached),
                row("HeartbeatAttaches inside a panic's window", 5, TO_GRACE, HeartbeatAttaches, Grace),
                row("OwnerPanics in Waiting", 5, TO_WAITING, OwnerPanics, Grace),
                row("OwnerPanics in Attached", 5, TO_ATTACHED, OwnerPanics, Grace),
                row("OwnerPanics with grace 0", 0, TO_ATTACHED, OwnerPanics, Killing),
                row("OwnerPanics inside a window is not an extension", 5, TO_GRACE, OwnerPanics, Grace),
                row("PingDeadlinePasses in Waiting", 5, TO_WAITING, PingDeadlinePasses, Grace),
                row("PingDeadlinePasses in Attached", 5, TO_ATTACHED, PingDeadlinePasses, Grace),
                row("PingDeadlinePasses with grace 0", 0, TO_WAITING, PingDeadlinePasses, Killing),
                row("PingDeadlinePasses inside the window", 5, TO_GRACE, PingDeadlinePasses, Grace),
                row("OwnerLosesHeartbeat", 5, TO_ATTACHED, OwnerLosesHeartbeat, Grace),
                row("OwnerLosesHeartbeat with grace 0", 0, TO_ATTACHED, OwnerLosesHeartbeat, Killing),
                row("OwnerLosesHeartbeat inside the window", 5, TO_GRACE, OwnerLosesHeartbeat, Grace),
                row("OwnerPanicsHard in Waiting", 5, TO_WAITING, OwnerPanicsHard, Killing),
                row("OwnerPanicsHard in Attached", 5, TO_ATTACHED, OwnerPanicsHard, Killing),
                row("OwnerPanicsHard in Grace", 5, TO_GRACE, OwnerPanicsHard, Killing),
                row("HeartbeatReconnects", 5, TO_GRACE, HeartbeatReconnects, Attached),
                row("HeartbeatCancels", 5, TO_GRACE, HeartbeatCancels, Attached),
                row("HeartbeatQuits", 5, TO_ATTACHED, HeartbeatQuits, Stopped),
                row("HeartbeatQuits inside a window fires", 5, TO_GRACE, HeartbeatQuits, Killing),
                row("TimerExpires", 5, TO_GRACE, TimerExpires, Killing),
                row("HeartbeatAttaches beside a session", 5, TO_SESSION, HeartbeatAttaches, Attached),
                row("HeartbeatLeaves while a session lives", 5, TO_ATTACHED, HeartbeatLeaves, Attached),
                row("SessionStarts in Waiting", 5, TO_WAITING, SessionStarts, Attached),
                row("SessionStarts beside the heartbeat", 5, TO_ATTACHED, SessionStarts, Attached),
                row("SessionStarts inside a panic's window", 5, TO_GRACE, SessionStarts, Grace),
                row("SessionReturns into a loss's window", 5, TO_GRACE, SessionReturns, Attached),
                row("SessionEnds, others remain", 5, TO_SESSION, SessionEnds, Attached),
                row("SessionEnds inside a window", 5, TO_GRACE, SessionEnds, Grace),
                row("LastSessionEnds", 5, TO_SESSION, LastSessionEnds, Grace),
                row("LastSessionEnds with grace 0", 0, TO_SESSION, LastSessionEnds, Killing),
                row("LastSessionEnds inside a window", 5, TO_GRACE, LastSessionEnds, Grace),
                row("DaemonFinishesKilling", 5, TO_KILLING, DaemonFinishesKilling, Wiping),
                row("DaemonWipesSecret", 5, TO_WIPING, DaemonWipesSecret, Unlinking),
                row("DaemonUnlinksFiles (Armed)", 5, TO_UNLINKING, DaemonUnlinksFiles, Dying));
    }

    private static Arguments row(String name, long grace, List<Event> path, Event event, State target) {
        return Arguments.of(name, grace, path, event, target);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void rowOfTheTable(String name, long grace, List<Event> path, Event event, State target) {
        SpringSwitchMachine m = started(Mode.Armed, grace, path);
        assertTrue(m.apply(event), name + ": " + event + " refused in " + m.state());
        assertEquals(target, m.state(), name);
    }

    @ParameterizedTest(name = "dry-run ends in Rehearsed")
    @MethodSource("dryRunOnly")
    void dryRunRehearses(Mode mode) {
        SpringSwitchMachine m = started(mode, 5, TO_UNLINKING);
        assertTrue(m.apply(DaemonUnlinksFiles));
        assertEquals(Rehearsed, m.state());
    }

    static Stream<Mode> dryRunOnly() {
        return Stream.of(Mode.DryRun);
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("HeartbeatReconnects without a window", TO_ATTACHED, HeartbeatReconnects),
                Arguments.of("HeartbeatCancels without a window", TO_ATTACHED, HeartbeatCancels),
                Arguments.of("HeartbeatCancels once fired", TO_KILLING, HeartbeatCancels),
                Arguments.of("HeartbeatReconnects once fired", TO_KILLING, HeartbeatReconnects),
                Arguments.of("OwnerLosesHeartbeat before anyone attached", TO_WAITING, OwnerLosesHeartbeat),
                Arguments.of("HeartbeatQuits without a heartbeat", TO_WAITING, HeartbeatQuits),
                Arguments.of("DaemonWipesSecret before the kills", TO_KILLING, DaemonWipesSecret),
                Arguments.of("DaemonAbortsStart once fired", TO_KILLING, DaemonAbortsStart),
                Arguments.of("HeartbeatAttaches while loading", TO_LOADING, HeartbeatAttaches),
                Arguments.of("SessionReturns without a window", TO_SESSION, SessionReturns),
                Arguments.of("LastSessionEnds before anyone came", TO_WAITING, LastSessionEnds),
                Arguments.of("SessionStarts once fired", TO_KILLING, SessionStarts));
    }

    @ParameterizedTest(name = "refused: {0}")
    @MethodSource("refused")
    void notInTheTable(String name, List<Event> path, Event event) {
        SpringSwitchMachine m = started(Mode.Armed, 5, path);
        State before = m.state();
        assertFalse(m.apply(event), name);
        assertEquals(before, m.state());
    }

    @ParameterizedTest(name = "warmUp leaves the live machine alone, grace {0}")
    @MethodSource("graces")
    void warmUpLeavesTheLiveMachineAlone(long grace) {
        SpringSwitchMachine m = started(Mode.Armed, grace, TO_ATTACHED);
        for (int i = 0; i < m.warmUpCalls(); i++) {
            m.warmUp();
        }
        assertEquals(Attached, m.state(), "warmUp moved the live machine");
        assertTrue(m.apply(OwnerLosesHeartbeat));
        assertEquals(grace == 0 ? Killing : Grace, m.state());
    }

    static Stream<Long> graces() {
        return Stream.of(0L, 5L);
    }

    private static SpringSwitchMachine started(Mode mode, long grace, List<Event> path) {
        SpringSwitchMachine m = new SpringSwitchMachine(new SwitchConfig(mode, grace, 0));
        m.start();
        for (Event e : path) {
            assertTrue(m.apply(e), "path step " + e + " refused in " + m.state());
        }
        return m;
    }
}
