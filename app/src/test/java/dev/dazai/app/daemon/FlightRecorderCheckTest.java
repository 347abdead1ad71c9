package dev.dazai.app.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The refusal's wording; the refusal itself is tested on the real jar under JFR (StartupIT). */
class FlightRecorderCheckTest {

    private static final String WHY = "; its thread sampler uses SIGUSR2, which is dazai's hard panic;"
            + " start the daemon without it";

    @Test
    void noFlagAndNoRecorderIsNoRefusal() {
        assertTrue(FlightRecorderCheck.refusal(false, false, Map.of("JAVA_TOOL_OPTIONS", "-Xmx64m")).isEmpty());
    }

    @Test
    void theMessageNamesTheVariableTheFlagCameFrom() {
        assertEquals("Java Flight Recorder is on (-XX:StartFlightRecording)" + WHY,
                FlightRecorderCheck.refusal(true, true, Map.of()).orElseThrow());
        assertEquals("Java Flight Recorder is on (-XX:StartFlightRecording in JAVA_TOOL_OPTIONS)" + WHY,
                FlightRecorderCheck.refusal(true, true,
                        Map.of("JAVA_TOOL_OPTIONS", "-XX:StartFlightRecording=settings=default")).orElseThrow());
        assertEquals("Java Flight Recorder is on (-XX:StartFlightRecording in JDK_JAVA_OPTIONS)" + WHY,
                FlightRecorderCheck.refusal(true, false,
                        Map.of("JDK_JAVA_OPTIONS", "-XX:StartFlightRecording:delay=1h")).orElseThrow());
    }

    @Test
    void aRecorderStartedWithoutTheFlagIsRefusedToo() {
        assertEquals("Java Flight Recorder is on (started before main, e.g. by a -javaagent)" + WHY,
                FlightRecorderCheck.refusal(false, true, Map.of()).orElseThrow());
    }
}
