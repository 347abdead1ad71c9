package dev.dazai.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** killfloor's one line is the floor's own view of a trial; a misread would be a wrong figure. */
class KillFloorLineTest {

    @Test
    void readsTheNanosecondsForTheRightNumberOfHolders() throws IOException {
        assertEquals(336_789_904L, Scenarios.parseDone("DONE 1000 336789904", 1000));
        assertEquals(1_250L, Scenarios.parseDone("DONE 0 1250\n", 0));
    }

    @Test
    void refusesAnythingElse() {
        assertThrows(IOException.class, () -> Scenarios.parseDone("DONE 999 336789904", 1000));
        assertThrows(IOException.class, () -> Scenarios.parseDone("DONE 1000", 1000));
        assertThrows(IOException.class, () -> Scenarios.parseDone("DONE 1000 lots", 1000));
        assertThrows(IOException.class, () -> Scenarios.parseDone("pidfd_send_signal: No such process", 1000));
    }
}
