package dev.dazai.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dazai.app.daemon.Reexec;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution as a user gets it (issue #20): the unpacked tree app/target/dazai-VERSION/ and
 * its tarball, installed with its own install.sh into a prefix of the test's, run through the
 * installed launcher as child processes, and uninstalled again. Every process is real: sh, java,
 * tar, bash, zsh.
 */
class DistIT {

    static final Path TREE = Path.of(System.getProperty("dazai.dist", "target/dazai-dev"));

    @TempDir
    Path tmp;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killWhatWasStarted() {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    @Test
    void installRunsThroughTheLauncherAndUninstallLeavesNothingBehind() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Files.writeString(home.resolve(".profile"), "# the user's own\n");
        Path prefix = tmp.resolve("prefix");
        Set<Path> before = tree(home);

        Run install = run(env(home), List.of("sh", TREE.resolve("install.sh").toString(), "--prefix", prefix.toString()));
        assertEquals(0, install.exit, install.err);
        for (String f : List.of("bin/dazai", "lib/dazai/app.jar", "lib/dazai/jvm.options",
                "share/man/man1/dazai.1", "share/man/man1/dazai-status.1", "share/bash-completion/completions/dazai",
                "share/zsh/site-functions/_dazai", "share/doc/dazai/OPERATIONS.md", "lib/dazai/install.sh")) {
            assertTrue(Files.isRegularFile(prefix.resolve(f)), f + " not installed");
        }
        assertTrue(Files.getPosixFilePermissions(prefix.resolve("bin/dazai")).contains(PosixFilePermission.OWNER_EXECUTE));
        Path unit = home.resolve(".config/systemd/user/dazai.service");
        assertTrue(Files.readString(unit).contains("\nExecStart=" + prefix.resolve("bin/dazai") + " --socket-dir %t/dazai"),
                "the unit runs the installed launcher:\n" + Files.readString(unit));
        if (archived()) {
            assertTrue(Files.isRegularFile(prefix.resolve("lib/dazai/classlist")));
            try (Stream<Path> archives = Files.list(prefix.resolve("lib/dazai/cds"))) {
                assertTrue(archives.anyMatch(p -> p.toString().endsWith(".jsa")), "install dumps an archive for this java");
            }
        }
        List<String> manifest = Files.readAllLines(prefix.resolve("lib/dazai/install-manifest"));
        assertTrue(manifest.contains("f " + unit) && manifest.contains("f " + prefix.resolve("bin/dazai")), manifest.toString());

        Path dazai = prefix.resolve("bin/dazai");
        Run version = run(env(home), List.of(dazai.toString(), "--version"));
        assertEquals(0, version.exit, version.err);
        assertEquals(3, version.out.strip().lines().count(), "nothing but the version, no JVM or CDS lines: " + version.out);
        assertTrue(version.out.startsWith("dazai " + TREE.getFileName().toString().substring("dazai-".length())),
                version.out);

        Path sockets = tmp.resolve("s");
        Run noDaemon = run(env(home), List.of(dazai.toString(), "status", "--socket-dir", sockets.toString()));
        assertEquals(3, noDaemon.exit, noDaemon.err);
        assertTrue(noDaemon.err.startsWith("dazai: no daemon: "), noDaemon.err);
        assertEquals(1, noDaemon.err.strip().lines().count(), noDaemon.err);

        daemonThroughTheLauncherNeedsNoReexec(env(home), dazai, sockets);

        Run uninstall = run(env(home), List.of("sh", prefix.resolve("lib/dazai/install.sh").toString(), "--uninstall"));
        assertEquals(0, uninstall.exit, uninstall.err);
        assertFalse(Files.exists(prefix), "the prefix was made by the install, so it goes too");
        assertEquals(before, tree(home), "uninstall leaves exactly what was there before the install");
    }

    /** A dry-run daemon started by the launcher: ready, the launcher's own PID, flags from jvm.options, no re-exec. */
    private void daemonThroughTheLauncherNeedsNoReexec(Map<String, String> env, Path dazai, Path sockets) throws Exception {
        Path err = tmp.resolve("daemon.err");
        ProcessBuilder pb = new ProcessBuilder(dazai.toString(), "--socket-dir", sockets.toString(), "--grace", "3600")
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(tmp.resolve("daemon.out").toFile()).redirectError(err.toFile());
        pb.environment().putAll(env);
        Process daemon = pb.start();
        started.add(daemon);
        Path pidfile = sockets.resolve("dazai.pid");
        eventually("the daemon's pidfile", () -> {
            assertTrue(daemon.isAlive(), () -> "the daemon exited: " + Dazai.read(err));
            return Dazai.readPid(pidfile).isPresent();
        });
        assertEquals(Optional.of(daemon.pid()), Dazai.readPid(pidfile), "the JVM is the launcher's process: it exec'd");
        String cmdline = Files.readString(Path.of("/proc", Long.toString(daemon.pid()), "cmdline")).replace('\0', ' ');
        Path options = dazai.getParent().resolveSibling("lib/dazai/jvm.options").toRealPath();
        assertTrue(cmdline.contains("@" + options), cmdline);
        assertFalse(cmdline.contains("-Ddazai.reexec"), "re-exec'd although the launcher gave the flags: " + cmdline);
        List<String> given = Files.readAllLines(options).stream().filter(l -> !l.startsWith("#")).toList();
        assertTrue(given.containsAll(Reexec.hardeningFlags()), given + " lacks some of " + Reexec.hardeningFlags());
        assertFalse(Dazai.read(err).contains("WARNING"), Dazai.read(err));
        if (onPath("setpriv")) {
            // Every thread, the JVM's own included: the launcher starts the daemon under setpriv.
            try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(daemon.pid()), "task"))) {
                for (Path task : tasks.toList()) {
                    assertTrue(Files.readString(task.resolve("status")).contains("\nNoNewPrivs:\t1"), task + " lacks no_new_privs");
                }
            }
        }
        Path perf = Path.of(System.getProperty("java.io.tmpdir"), "hsperfdata_" + System.getProperty("user.name"),
                Long.toString(daemon.pid()));
        assertFalse(Files.exists(perf), "-XX:-UsePerfData is in force: no " + perf);

        assertTrue(Dazai.read(tmp.resolve("daemon.out")).contains(dazai.toRealPath() + " status"),
                "the banner names the launcher: " + Dazai.read(tmp.resolve("daemon.out")));

        Run json = run(env, List.of(dazai.toString(), "status", "--json", "--socket-dir", sockets.toString()));
        assertEquals(0, json.exit, json.err);
        assertEquals(Long.toString(daemon.pid()), Dazai.jsonField(json.out, "pid"));

        Dazai.kill("TERM", daemon.pid());
        assertTrue(daemon.waitFor(90, TimeUnit.SECONDS));
        assertEquals(0, daemon.exitValue(), Dazai.read(err));
    }

    @Test
    void anInstallRefusesAFileItDidNotMakeAndLeavesNothingHalfDone() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path prefix = tmp.resolve("prefix");
        Files.createDirectories(prefix.resolve("bin"));
        Files.writeString(prefix.resolve("bin/dazai"), "someone else's\n");
        Set<Path> before = tree(tmp);

        Run install = run(env(home), List.of("sh", TREE.resolve("install.sh").toString(), "--prefix", prefix.toString()));

        assertEquals(3, install.exit, install.err);
        assertEquals("dazai install: " + prefix.resolve("bin/dazai") + " exists and no dazai install made it;"
                + " remove it or pass another --prefix", install.err.strip());
        assertEquals(before, tree(tmp));
        assertEquals("someone else's\n", Files.readString(prefix.resolve("bin/dazai")));
        Run usage = run(env(home), List.of("sh", TREE.resolve("install.sh").toString(), "--frobnicate"));
        assertEquals(2, usage.exit, usage.err);
        Run nothing = run(env(home), List.of("sh", TREE.resolve("install.sh").toString(), "--uninstall", "--prefix",
                tmp.resolve("empty").toString()));
        assertEquals(3, nothing.exit, nothing.err);
        assertTrue(nothing.err.startsWith("dazai install: nothing installed at "), nothing.err);
    }

    @Test
    void theTarballHoldsTheTreeWithoutItsArchivesAndTheLauncherExecutable() throws Exception {
        String name = TREE.getFileName().toString();
        Path tarball = TREE.resolveSibling(name + ".tar.gz");
        Run list = run(Map.of(), List.of("tar", "tzvf", tarball.toString()));
        assertEquals(0, list.exit, list.err);
        Map<String, String> modes = new HashMap<>();
        for (String line : list.out.lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (!f[0].startsWith("d")) {
                modes.put(f[f.length - 1], f[0]);
            }
        }
        Set<String> expected;
        try (Stream<Path> files = Files.walk(TREE)) {
            expected = files.filter(Files::isRegularFile).map(p -> name + "/" + TREE.relativize(p))
                    .filter(p -> !p.startsWith(name + "/lib/dazai/cds/")).collect(Collectors.toSet());
        }
        assertEquals(expected, modes.keySet());
        assertEquals("-rwxr-xr-x", modes.get(name + "/bin/dazai"));
        assertEquals("-rwxr-xr-x", modes.get(name + "/install.sh"));
        assertEquals("-rw-r--r--", modes.get(name + "/lib/dazai/app.jar"));
    }

    /**
     * A tree copied elsewhere has an archive made for another jar path: the launcher must not use it,
     * must start cleanly without one, and dumps one for the new place in the background. An archive
     * the JVM itself rejects (here: garbage) must not stop it or print anything either.
     */
    @Test
    void withoutAUsableArchiveTheLauncherStartsCleanlyAndMakesOne() throws Exception {
        Assumptions.assumeTrue(archived(), "the tree was built with -Ddazai.cds.skip=true: no class list, no archive");
        Path copy = tmp.resolve("copy");
        Run cp = run(Map.of(), List.of("cp", "-a", TREE.toString(), copy.toString()));
        assertEquals(0, cp.exit, cp.err);
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path cds = copy.resolve("lib/dazai/cds");
        Path sidecar = cds.resolve(runtimeVersion(Path.of(System.getProperty("java.home"))) + ".jar");
        assertTrue(Files.isRegularFile(sidecar), "the build made no archive for this JVM in " + cds);
        Path jar = copy.resolve("lib/dazai/app.jar").toRealPath();
        assertFalse(Files.readString(sidecar).strip().equals(jar.toString()), "made for the tree, not the copy");

        Run version = run(env(home), List.of(copy.resolve("bin/dazai").toString(), "--version"));
        assertEquals(0, version.exit, version.err);
        assertEquals(3, version.out.strip().lines().count(), version.out);
        assertEquals("", version.err);
        eventually("an archive dumped for " + jar, () -> Dazai.read(sidecar).strip().equals(jar.toString()));

        Path archive = Path.of(sidecar.toString().replaceAll("\\.jar$", ".jsa"));
        Files.delete(archive);
        Files.writeString(archive, "not an archive");
        Run rejected = run(env(home), List.of(copy.resolve("bin/dazai").toString(), "--version"));
        assertEquals(0, rejected.exit, rejected.err);
        assertEquals(3, rejected.out.strip().lines().count(), rejected.out);
        assertEquals("", rejected.err);

        Optional<Path> temurin = otherJdk();
        if (temurin.isPresent()) {
            Map<String, String> env = env(home);
            env.put("JAVA_HOME", temurin.get().toString());
            Run other = run(env, List.of(copy.resolve("bin/dazai").toString(), "--version"));
            assertEquals(0, other.exit, other.err);
            assertEquals(3, other.out.strip().lines().count(), other.out);
            assertEquals("", other.err, "no JDK warning on a newer JDK either");
        }
        // The background dumps write into this test's directory: let them finish before it is removed.
        eventually("the background dumps to end", () -> {
            try (Stream<Path> files = Files.list(cds)) {
                return files.noneMatch(p -> p.toString().endsWith(".lock"));
            }
        });
    }

    /** JAVA_RUNTIME_VERSION from a JDK's release file: the launcher names a JVM's archive after it. */
    private static String runtimeVersion(Path javaHome) throws IOException {
        for (String line : Files.readAllLines(javaHome.resolve("release"))) {
            if (line.startsWith("JAVA_RUNTIME_VERSION=")) {
                return line.substring(line.indexOf('=') + 1).replace("\"", "");
            }
        }
        throw new AssertionError("no JAVA_RUNTIME_VERSION in " + javaHome.resolve("release"));
    }

    @Test
    void withoutJavaTheLauncherSaysSoInOneLine() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("JAVA_HOME", tmp.resolve("no-jdk").toString());
        Run r = run(env, List.of(TREE.resolve("bin/dazai").toString(), "--version"));
        assertEquals(3, r.exit, r.err);
        assertEquals("dazai: JAVA_HOME=" + tmp.resolve("no-jdk") + " has no bin/java; point it at a JDK 17+ or unset it",
                r.err.strip());

        Map<String, String> noPath = new HashMap<>();
        noPath.put("PATH", Files.createDirectories(tmp.resolve("empty-path")).toString());
        noPath.put("JAVA_HOME", ""); // unset: a build run with JAVA_HOME (another JDK) passes it on
        Run r2 = run(noPath, List.of("/bin/sh", TREE.resolve("bin/dazai").toString(), "--version"));
        assertEquals(3, r2.exit, r2.err);
        assertEquals("dazai: no java on PATH; install a JDK 17+ or set JAVA_HOME", r2.err.strip());
    }

    @Test
    void bashCompletesFromTheInstalledCompletionFile() throws Exception {
        Path file = TREE.resolve("share/bash-completion/completions/dazai");
        // What bash sets before it calls a completion function.
        Run r = run(Map.of(), List.of("bash", "-c", "set -u; source \"$0\";"
                + " COMP_LINE='dazai sta'; COMP_POINT=9; COMP_WORDS=(dazai sta); COMP_CWORD=1;"
                + " _complete_dazai; echo \"${COMPREPLY[*]}\";"
                + " COMP_LINE='dazai status --js'; COMP_POINT=17; COMP_WORDS=(dazai status --js); COMP_CWORD=2;"
                + " _complete_dazai; echo \"${COMPREPLY[*]}\"", file.toString()));
        assertEquals(0, r.exit, r.err);
        assertEquals(List.of("status", "--json"), r.out.strip().lines().toList());
    }

    /** zsh on a pty (its zpty module): TAB after "dazai sta" with the site-functions file on $fpath. */
    @Test
    void zshCompletesFromTheInstalledSiteFunction() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/zsh")) || Files.isExecutable(Path.of("/bin/zsh")),
                "zsh is not installed (.ci/run installs it)");
        Path dir = TREE.resolve("share/zsh/site-functions");
        String driver = String.join("\n",
                "zmodload zsh/zpty",
                "zpty -b z 'zsh -f -i'",
                "zpty -w z 'PS1=\"> \"; fpath=(" + dir + " $fpath); autoload -U compinit; compinit -u -D; dazai() { :; }'",
                "zpty -w -n z $'dazai sta\\t'",
                "out=; for i in {1..100}; do zpty -r -t z chunk && out+=$chunk; [[ $out == *'dazai status'* ]] && break;"
                        + " sleep 0.1; done",
                "zpty -d z",
                "[[ $out == *'dazai status'* ]] && print COMPLETED || print -r -- \"NOT COMPLETED: $out\"");
        Run r = run(Map.of(), List.of("zsh", "-f", "-c", driver));
        assertTrue(r.out.contains("COMPLETED") && !r.out.contains("NOT COMPLETED"), r.out + r.err);
    }

    // ---- plumbing ----------------------------------------------------------------------------

    /** False when the build skipped the class list and archive (-Ddazai.cds.skip=true). */
    private static boolean archived() {
        return Files.isRegularFile(TREE.resolve("lib/dazai/classlist"));
    }

    private record Run(int exit, String out, String err) {
    }

    /** HOME is the test's; everything else a user's shell would set that could leak the real one is cleared. */
    private Map<String, String> env(Path home) {
        Map<String, String> env = new HashMap<>();
        env.put("HOME", home.toString());
        env.put("XDG_CONFIG_HOME", "");
        env.put("XDG_CACHE_HOME", "");
        env.put("XDG_DATA_HOME", "");
        env.put("XDG_RUNTIME_DIR", "");
        env.put("DAZAI_SOCKET_DIR", "");
        env.put("JAVA_HOME", System.getProperty("java.home"));
        return env;
    }

    private Run run(Map<String, String> env, List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        env.forEach((k, v) -> {
            if (v.isEmpty()) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        started.add(p);
        if (!p.waitFor(Dazai.LIVENESS.toSeconds(), TimeUnit.SECONDS)) {
            fail(cmd + " did not finish within " + Dazai.LIVENESS);
        }
        Run r = new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    /** Every path under {@code dir}, but the scratch files of {@link #run}. */
    private static Set<Path> tree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(p -> !p.getFileName().toString().matches("(out|err)\\d+\\.txt")).collect(Collectors.toSet());
        }
    }

    /** A second JDK to run the launcher with (Temurin 25 on this project's machines), if installed. */
    private static Optional<Path> otherJdk() throws IOException {
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return Optional.empty();
        }
        Path own = Path.of(System.getProperty("java.home")).toRealPath();
        try (Stream<Path> dirs = Files.list(jvms)) {
            return dirs.filter(d -> Files.isExecutable(d.resolve("bin/java")) && Files.isRegularFile(d.resolve("release")))
                    .filter(d -> {
                        try {
                            return !d.toRealPath().equals(own) && !Files.readString(d.resolve("release")).contains("JAVA_VERSION=\"17");
                        } catch (IOException e) {
                            return false;
                        }
                    }).findFirst();
        }
    }

    private static void eventually(String what, java.util.concurrent.Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    private static boolean onPath(String tool) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }
}
