package dev.dazai.bench.e2e;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Junk connections at a fixed rate against the sockets of whichever daemon is under test:
 * {@code load junk RATE}, pointed at a socket directory by a line on its stdin.
 */
public final class Junk implements AutoCloseable {

    /** What the junk process reported at the end. */
    public record Report(long sent, long refused, double seconds) {
        public double rate() {
            return seconds <= 0 ? 0 : (sent + refused) / seconds;
        }
    }

    private final Process process;
    private final OutputStream control;
    private final LineLog out;

    private Junk(Process process) {
        this.process = process;
        this.control = process.getOutputStream();
        this.out = new LineLog(process.getInputStream(), "junk-" + process.pid());
    }

    public static Junk start(NativeTools tools, int perSecond) throws IOException {
        Process p = new ProcessBuilder(tools.load().toString(), "junk", Integer.toString(perSecond))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        return new Junk(p);
    }

    /** Aims at the sockets in {@code dir}; {@code null} pauses. */
    public void aim(Path dir) throws IOException {
        control.write(((dir == null ? "" : dir.toString()) + "\n").getBytes(StandardCharsets.US_ASCII));
        control.flush();
    }

    /** Stops it and returns what it did. */
    public Report finish() throws IOException, InterruptedException, TimeoutException {
        control.close();
        String line = out.await(t -> t.startsWith("JUNK "), 0, 30_000).text();
        String[] f = line.split(" ");
        process.waitFor(10, TimeUnit.SECONDS);
        return new Report(Long.parseLong(f[2]), Long.parseLong(f[4]), Double.parseDouble(f[6]));
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
