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

/** One case per row of the transition table (spec/README.md), run on the real Spring machine. */
class TransitionTableTest {

    private static final List<Event> TO_LOADING = List.of(HandlersLive);
    private static final List<Event> TO_WAITING = List.of(HandlersLive, SecretLoaded);
    private static final List<Event> TO_ATTACHED = List.of(HandlersLive, SecretLoaded, Attach);
    private static final List<Event> TO_GRACE = List.of(HandlersLive, SecretLoaded, Attach, HeartbeatLost);
    private static final List<Event> TO_KILLING = List.of(HandlersLive, SecretLoaded, HardPanic);
    private static final List<Event> TO_UNLINKING = List.of(HandlersLive, SecretLoaded, HardPanic, HoldersKilled, SecretWiped);

    static Stream<Arguments> rows() {
        return Stream.of(
                row("1 DaemonInstallsHandlers", 5, List.of(), HandlersLive, Loading),
                row("2 DaemonLoadsSecret", 5, TO_LOADING, SecretLoaded, Waiting),
                row("3 EarlySignalArrives in Starting", 5, List.of(), GracefulSignal, Killing),
                row("3 EarlySignalArrives in Loading", 5, TO_LOADING, GracefulSignal, Killing),
                row("3 early hard panic in Loading", 5, TO_LOADING, HardPanic, Killing),
                row("4 OwnerStops in Starting", 5, List.of(), Shutdown, Stopped),
                row("4 OwnerStops in Loading", 5, TO_LOADING, Shutdown, Stopped),
                row("4 OwnerStops in Waiting", 5, TO_WAITING, Shutdown, Stopped),
                row("4 OwnerStops in Attached", 5, TO_ATTACHED, Shutdown, Stopped),
                row("5 HeartbeatAttaches", 5, TO_WAITING, Attach, Attached),
                row("6 OwnerPanics in Waiting", 5, TO_WAITING, GracefulSignal, Grace),
                row("6 OwnerPanics in Attached", 5, TO_ATTACHED, GracefulSignal, Grace),
                row("6 PingDeadlinePasses in Waiting", 5, TO_WAITING, PingTimeout, Grace),
                row("6 PingDeadlinePasses in Attached", 5, TO_ATTACHED, PingTimeout, Grace),
                row("6 OwnerPanics with grace 0", 0, TO_ATTACHED, GracefulSignal, Killing),
                row("6 PingDeadlinePasses with grace 0", 0, TO_WAITING, PingTimeout, Killing),
                row("7 OwnerLosesHeartbeat", 5, TO_ATTACHED, HeartbeatLost, Grace),
                row("7 OwnerLosesHeartbeat with grace 0", 0, TO_ATTACHED, HeartbeatLost, Killing),
                row("8 OwnerPanicsHard in Waiting", 5, TO_WAITING, HardPanic, Killing),
                row("8 OwnerPanicsHard in Attached", 5, TO_ATTACHED, HardPanic, Killing),
                row("8 OwnerPanicsHard in Grace", 5, TO_GRACE, HardPanic, Killing),
                row("9 HeartbeatReconnects", 5, TO_GRACE, Reconnect, Attached),
                row("10 HeartbeatCancels", 5, TO_GRACE, Cancel, Attached),
                row("11 TimerExpires", 5, TO_GRACE, GraceExpired, Killing),
                row("12 second graceful trigger is not an extension", 5, TO_GRACE, GracefulSignal, Grace),
                row("12 ping deadline inside the window", 5, TO_GRACE, PingTimeout, Grace),
                row("12 loss inside the window", 5, TO_GRACE, HeartbeatLost, Grace),
                row("13 OwnerStops inside a window fires", 5, TO_GRACE, Shutdown, Killing),
                row("14 DaemonKillsHolders", 5, TO_KILLING, HoldersKilled, Wiping),
                row("14 DaemonWipes", 5, List.of(HandlersLive, SecretLoaded, HardPanic, HoldersKilled), SecretWiped, Unlinking),
                row("14 DaemonDies (Armed)", 5, TO_UNLINKING, FilesUnlinked, Dying));
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
        assertTrue(m.apply(FilesUnlinked));
        assertEquals(Rehearsed, m.state());
    }

    static Stream<Mode> dryRunOnly() {
        return Stream.of(Mode.DryRun);
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("Reconnect without a window", TO_ATTACHED, Reconnect),
                Arguments.of("Cancel without a window", TO_ATTACHED, Cancel),
                Arguments.of("Cancel once fired", TO_KILLING, Cancel),
                Arguments.of("Reconnect once fired", TO_KILLING, Reconnect),
                Arguments.of("a loss before anyone attached", TO_WAITING, HeartbeatLost),
                Arguments.of("wipe before kill", TO_KILLING, SecretWiped),
                Arguments.of("attach while loading", TO_LOADING, Attach));
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
        assertTrue(m.apply(HeartbeatLost));
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
