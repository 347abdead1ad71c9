package dev.dazai.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dazai.app.client.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The client's small JSON reader against what the daemon writes. */
class JsonTest {

    @Test
    void readsWhatTheDaemonWrites() {
        Map<String, Object> m = Json.object(" {\"a\":1,\"b\":-2.5,\"c\":\"x\\\"y\\u0041\",\"d\":[true,false,null],\"e\":{}} ");
        assertEquals(1L, m.get("a"));
        assertEquals(-2.5, m.get("b"));
        assertEquals("x\"yA", m.get("c"));
        assertEquals(java.util.Arrays.asList(true, false, null), m.get("d"));
        assertEquals(Map.of(), m.get("e"));
        assertEquals(List.of(), Json.parse("[]"));
    }

    @Test
    void refusesMalformedInput() {
        for (String bad : List.of("", "{", "{\"a\"}", "[1,]", "{\"a\":1} x", "\"open", "tru")) {
            assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
        }
    }

    @Test
    void quoteRoundTrips() {
        String s = "tab\there \"quoted\" back\\slash \u0001";
        assertEquals(s, Json.parse(Json.quote(new StringBuilder(), s).toString()));
    }
}
