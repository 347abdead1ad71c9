package dev.dazai.shell;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An interactive shell on a real pseudo-terminal: util-linux {@code script} allocates the pty and
 * relays our keystrokes to it, so the shell runs its rc file, job control and exit hooks exactly as
 * in a terminal window. Everything the terminal shows is kept for assertions and failure messages.
 */
final class PtyShell implements AutoCloseable {

    private final Process process;
    private final OutputStream keys;
    private final StringBuilder screen = new StringBuilder();
    private final Thread reader;
    private int syncs;

    private PtyShell(Process process) {
        this.process = process;
        this.keys = process.getOutputStream();
        this.reader = new Thread(this::readScreen, "pty-screen");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code shell -i} under a pty, with exactly {@code env} as its environment. */
    static PtyShell start(Shell shell, Map<String, String> env, Path workDir) throws IOException {
        return run(shell.binary + " -i", env, workDir);
    }

    /**
     * Runs {@code command} (a shell command line) on a new pty. script's child makes itself a
     * session leader with the pty as its controlling terminal, as sshd does for a login.
     */
    static PtyShell run(String command, Map<String, String> env, Path workDir) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(List.of("script", "-qfec", command, "/dev/null"));
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.directory(workDir.toFile());
        pb.redirectErrorStream(true);
        return new PtyShell(pb.start());
    }

    private void readScreen() {
        byte[] buf = new byte[4096];
        try (InputStream in = process.getInputStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                String s = new String(buf, 0, n, StandardCharsets.UTF_8);
                synchronized (screen) {
                    screen.append(s);
                    screen.notifyAll();
                }
            }
        } catch (IOException e) {
            // The pty closed: the shell is gone, and so is anything left to read.
        }
    }

    /** Types one line, as a person would, followed by Enter. */
    void type(String line) throws IOException {
        keys.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        keys.flush();
    }

    /** Sends bytes as typed, without Enter: control keys such as ^C. */
    void typeRaw(String keysTyped) throws IOException {
        keys.write(keysTyped.getBytes(StandardCharsets.UTF_8));
        keys.flush();
    }

    /** Everything the terminal has shown so far. */
    String screen() {
        synchronized (screen) {
            return screen.toString();
        }
    }

    /** Waits until the terminal has shown {@code text}; fails with the whole screen otherwise. */
    void await(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (screen) {
            while (screen.indexOf(text) < 0) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    fail("the terminal did not show \"" + text + "\" within " + timeout.toSeconds()
                            + " s; it shows:\n" + readable(screen.toString()));
                }
                screen.wait(Math.min(left, 200));
            }
        }
    }

    /**
     * Runs a no-op through the shell and waits for its answer, so that every line typed before has
     * been run. The marker is computed by the shell, so the pty's echo of our typing never matches.
     */
    void sync(Duration timeout) throws IOException, InterruptedException {
        int n = ++syncs;
        type("echo SYNC-$((" + n + "+1000))");
        await("SYNC-" + (n + 1000), timeout);
    }

    /** The shell's exit status (script -e passes it through), or a failure if it does not end. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            fail("the shell did not exit within " + timeout.toSeconds() + " s; it shows:\n" + readable(screen()));
        }
        reader.join(TimeUnit.SECONDS.toMillis(5));
        return process.exitValue();
    }

    /**
     * What a dropped SSH connection does to a login: the pty's master side goes (script is
     * SIGKILLed), so the kernel hangs up the terminal: SIGHUP to its session leader and its
     * foreground process group.
     */
    void dropConnection() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** The screen without escape sequences and carriage returns, for failure messages. */
    static String readable(String raw) {
        return raw.replaceAll("\u001B\\[[0-9;?]*[A-Za-z]|\u001B[=>]", "").replace("\r", "");
    }

    @Override
    public void close() {
        try {
            keys.close();
        } catch (IOException ignored) {
            // The pty may already be gone with the shell.
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
