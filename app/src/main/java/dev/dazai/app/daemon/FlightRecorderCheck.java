package dev.dazai.app.daemon;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import dev.dazai.app.cli.UserError;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Refuses to run the daemon under Java Flight Recorder. HotSpot on Linux suspends threads for
 * JFR's execution sampler with its internal suspend/resume signal, which is SIGUSR2: once the
 * daemon's own SIGUSR2 handler (hard panic, DESIGN.md Signals) is installed, the sampler's first
 * tick reaches it, and an armed daemon killed its holders and wiped its secret within ~50 ms of
 * start, for no reason the user gave. The two cannot share the signal, so the daemon does not start.
 *
 * <p>Runs first in {@link Daemon#run()}: before the re-exec (a JVM under JFR never execs another,
 * and a JVM that needs no re-exec is checked all the same), before any handler, file, child or
 * secret. Later starts are ruled out by the hardening: with the attach mechanism disabled, no
 * {@code jcmd JFR.start} can reach the daemon.
 */
public final class FlightRecorderCheck {

    /** The VM flag, set from the command line, JDK_JAVA_OPTIONS, JAVA_TOOL_OPTIONS or a VM options file. */
    static final String FLAG = "StartFlightRecording";

    /** Where the launcher and the VM pick up options besides the command line, named in the message. */
    static final List<String> OPTION_VARIABLES = List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");

    public FlightRecorderCheck() {
    }

    /** Throws the one-line {@link UserError} (exit 3) when Flight Recorder is configured or running. */
    public void refuseIfOn() {
        refusal(configured(), running(), System.getenv()).ifPresent(message -> {
            throw UserError.environment(message);
        });
    }

    /** The message for a JVM with the flag set and/or a recorder already running, or empty. */
    static Optional<String> refusal(boolean configured, boolean running, Map<String, String> env) {
        if (!configured && !running) {
            return Optional.empty();
        }
        String how = configured ? "-XX:" + FLAG + from(env) : "started before main, e.g. by a -javaagent";
        return Optional.of("Java Flight Recorder is on (" + how + "); its thread sampler uses SIGUSR2, which is"
                + " dazai's hard panic; start the daemon without it");
    }

    private static String from(Map<String, String> env) {
        for (String name : OPTION_VARIABLES) {
            String value = env.get(name);
            if (value != null && value.contains(FLAG)) {
                return " in " + name;
            }
        }
        return "";
    }

    /**
     * The flag's origin, read from the VM (Reexec already holds this bean, so it costs well under a
     * millisecond): whatever its value (an empty one from {@code =} included), it is not DEFAULT.
     */
    public static boolean configured() {
        try {
            VMOption option = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).getVMOption(FLAG);
            return option.getOrigin() != VMOption.Origin.DEFAULT;
        } catch (IllegalArgumentException noSuchFlag) {
            // A VM built without JFR has no flag and no recorder.
            return false;
        }
    }

    /** A recorder started before main by other means; loads one class of jdk.jfr and starts nothing. */
    private static boolean running() {
        try {
            return jdk.jfr.FlightRecorder.isInitialized();
        } catch (LinkageError noJfrModule) {
            // A runtime image without jdk.jfr cannot record.
            return false;
        }
    }
}
