package dev.dazai.adapters.out.process;

import dev.dazai.adapters.out.log.StreamJournal;
import dev.dazai.kernel.port.out.JournalEntry;
import java.nio.file.Files;
import java.nio.file.Path;

/** Child JVM for the process tests. Args: {@code harden}, {@code die} or {@code exit N [LAST WORDS]}. */
public final class ProcessChild {

    private ProcessChild() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "harden" -> {
                Hardening h = new Hardening();
                System.out.println("DUMPABLE_BEFORE " + h.dumpable());
                System.out.println("DISABLE_DUMPS " + h.disableDumps());
                System.out.println("DUMPABLE_AFTER " + h.dumpable());
                System.out.println("NO_CORE_FILES " + h.noCoreFiles());
                Files.readAllLines(Path.of("/proc/self/limits")).stream()
                        .filter(l -> l.startsWith("Max core file size")).forEach(System.out::println);
                System.out.println("SMAPS_READABLE " + Files.isReadable(Path.of("/proc/self/smaps")));
            }
            case "die", "exit" -> {
                Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("HOOK RAN")));
                StreamJournal journal = new StreamJournal(System.out, StreamJournal.Format.TEXT, false);
                journal.record(JournalEntry.of(JournalEntry.Kind.WIPED, "32 bytes"));
                ProcessTerminator t = new ProcessTerminator(journal);
                if (args[0].equals("die")) {
                    t.die();
                } else {
                    t.exit(Integer.parseInt(args[1]), args.length > 2 ? args[2] : "");
                }
                System.out.println("STILL HERE");
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }
}
