package dev.dazai.app.daemon;

/** Run in a child JVM by ReexecTest: prints the hardening flags that JVM lacks, one per line. */
public final class MissingFlagsProbe {

    private MissingFlagsProbe() {
    }

    public static void main(String[] args) {
        Reexec.missingFlags().forEach(System.out::println);
        System.out.println("END");
    }
}
