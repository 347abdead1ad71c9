package dev.dazai.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --exec -- CMD}: the child reads the secret from the fd in $DAZAI_SECRET_FD and is a holder. */
class ExecIT {

    @TempDir
    Path tmp;

    private Dazai dazai;

    @BeforeEach
    void setUp() throws Exception {
        dazai = new Dazai(tmp);
    }

    @AfterEach
    void tearDown() {
        dazai.close();
    }

    @Test
    void theChildReceivesExactlyTheSecretAndDiesInAnArmedPanic() throws Exception {
        byte[] secret = new byte[3000];
        new SecureRandom().nextBytes(secret);
        Path file = tmp.resolve("secret.bin");
        Files.write(file, secret);
        Path out = tmp.resolve("out");

        Dazai.Daemon d = dazai.start("--arm", "--grace", "3600", "--secret-file", file.toString(), "--exec", "--",
                "sh", "-c", "cat <&$DAZAI_SECRET_FD > " + out + "; echo done > " + out + ".done; exec sleep 1000");

        Dazai.eventually("the child to read its secret", () -> Files.exists(tmp.resolve("out.done")));
        assertArrayEquals(secret, Files.readAllBytes(out), "the child got exactly the secret");
        long child = childPid(d.status());
        assertTrue(Dazai.alive(child));
        assertEquals(Long.toString(secret.length), d.statusField("secret_bytes"));

        d.signal("USR2");

        assertEquals(ArmedIT.SIGKILLED, d.awaitExit(), d.log());
        assertFalse(Dazai.alive(child), "the --exec child was killed");
        Dazai.assertInOrder(d.log(), "REGISTERED pid " + child, "FIRE OwnerPanicsHard", "KILLED " + child,
                "WIPED " + secret.length + " bytes", "UNLINKED", "DIE");
    }

    @Test
    void aDryRunChildGetsTheSecretFromStdinAndLives() throws Exception {
        Path file = tmp.resolve("secret.txt");
        Files.writeString(file, "correct horse battery staple\n");
        Path out = tmp.resolve("out");
        Dazai.Daemon d = dazai.launchRaw(java.util.List.of("--socket-dir", dazai.socketDir().toString(),
                "--secret-stdin", "--exec", "--", "sh", "-c",
                "cat <&$DAZAI_SECRET_FD > " + out + "; exec sleep 1000"), file);
        d.awaitReady();
        Dazai.eventually("the child's copy", () -> Dazai.read(out).equals("correct horse battery staple\n"));
        long child = childPid(d.status());
        try {
            d.signal("USR2");

            assertEquals(0, d.awaitExit(), d.log());
            assertTrue(d.log().contains("WOULD SIGKILL " + child), d.log());
            assertTrue(Dazai.alive(child), "dry-run: the child lives");
        } finally {
            // It outlives the rehearsal by design, handed to init: the test must not leave it behind.
            ProcessHandle.of(child).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /** The one holder in STATUS. */
    static long childPid(String status) {
        Matcher m = Pattern.compile("\"holders\":\\[\\{\"pid\":(\\d+)").matcher(status);
        assertTrue(m.find(), status);
        return Long.parseLong(m.group(1));
    }
}
