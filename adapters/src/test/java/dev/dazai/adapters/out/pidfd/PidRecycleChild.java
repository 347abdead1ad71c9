package dev.dazai.adapters.out.pidfd;

import dev.dazai.adapters.nativ.Native;
import dev.dazai.adapters.nativ.Sys;
import dev.dazai.adapters.out.log.StreamJournal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Runs as PID 1 of a fresh PID namespace ({@code unshare -p -f --mount-proc}), where
 * {@code ns_last_pid} can be set so a chosen PID is handed out next. Registers a holder, lets it
 * exit and be reaped, makes an innocent {@code sleep} take the same PID, then kills "the holder"
 * either through its pidfd ({@code pidfd}) or with raw kill(2) on the number ({@code raw}).
 * Prints {@code RECYCLED <pid>}, the outcomes, and {@code INNOCENT alive|dead}.
 */
public final class PidRecycleChild {

    private PidRecycleChild() {
    }

    public static void main(String[] args) throws Exception {
        boolean viaPidfd = args[0].equals("pidfd");
        PidfdHolderKiller killer = new PidfdHolderKiller(new StreamJournal(System.err, StreamJournal.Format.TEXT, false));
        Process holder = new ProcessBuilder("sleep", "1000").start();
        long pid = holder.pid();
        if (viaPidfd) {
            System.out.println("REGISTERED " + killer.register(pid, ProcStat.startTime(pid)));
        }
        holder.destroyForcibly();
        holder.waitFor();
        Process innocent = null;
        for (int attempt = 0; attempt < 100 && innocent == null; attempt++) {
            // Threads take PIDs too, so another thread may win the number: retry until the sleep gets it.
            Files.writeString(Path.of("/proc/sys/kernel/ns_last_pid"), Long.toString(pid - 1));
            Process p = new ProcessBuilder("sleep", "1000").start();
            if (p.pid() == pid) {
                innocent = p;
            } else {
                p.destroyForcibly();
                p.waitFor();
            }
        }
        if (innocent == null) {
            System.out.println("NO_RECYCLE");
            System.exit(2);
        }
        OptionalLong innocentStart = ProcStat.startTime(pid);
        System.out.println("RECYCLED " + pid + " starttime " + innocentStart.orElse(-1));
        if (viaPidfd) {
            List<?> outcomes = killer.killAll();
            System.out.println("OUTCOMES " + outcomes);
        } else {
            System.out.println("KILL " + Native.libc().kill((int) pid, Sys.SIGKILL));
        }
        boolean died = innocent.waitFor(2, TimeUnit.SECONDS);
        System.out.println("INNOCENT " + (died ? "dead" : "alive"));
        innocent.destroyForcibly();
        innocent.waitFor();
        killer.close();
        System.out.flush();
    }
}
