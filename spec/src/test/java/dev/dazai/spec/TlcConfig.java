package dev.dazai.spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The names a TLC .cfg file asks to check: its invariants and its temporal properties. */
record TlcConfig(List<String> invariants, List<String> properties) {

    private static final Set<String> KEYWORDS = Set.of("CONSTANT", "CONSTANTS", "INIT", "NEXT", "SPECIFICATION",
            "INVARIANT", "INVARIANTS", "PROPERTY", "PROPERTIES", "SYMMETRY", "CONSTRAINT", "CONSTRAINTS",
            "ACTION_CONSTRAINT", "ACTION_CONSTRAINTS", "VIEW", "CHECK_DEADLOCK", "POSTCONDITION", "ALIAS");

    /**
     * The text of {@code cfg} with one temporal property left: TLC 2.18 does not name the property
     * it found violated, so a liveness mutant is judged on a config that checks only its own.
     */
    static String keepingOnlyProperty(Path cfg, String property) throws IOException {
        StringBuilder out = new StringBuilder();
        String section = "";
        for (String line : Files.readAllLines(cfg)) {
            int comment = line.indexOf("\\*");
            String[] words = (comment < 0 ? line : line.substring(0, comment)).trim().split("\\s+");
            boolean touchesProperties = section.startsWith("PROPERT")
                    || List.of(words).contains("PROPERTY") || List.of(words).contains("PROPERTIES");
            List<String> kept = new ArrayList<>();
            for (String word : words) {
                if (KEYWORDS.contains(word)) {
                    section = word;
                }
                if (!section.startsWith("PROPERT") && !word.isEmpty()) {
                    kept.add(word);
                }
            }
            out.append(touchesProperties ? String.join(" ", kept) : line).append('\n');
        }
        return out.append("PROPERTY ").append(property).append('\n').toString();
    }

    static TlcConfig read(Path cfg) throws IOException {
        List<String> invariants = new ArrayList<>();
        List<String> properties = new ArrayList<>();
        String section = "";
        for (String line : Files.readAllLines(cfg)) {
            int comment = line.indexOf("\\*");
            String text = comment < 0 ? line : line.substring(0, comment);
            for (String word : text.trim().split("\\s+")) {
                if (word.isEmpty()) {
                    continue;
                }
                if (KEYWORDS.contains(word)) {
                    section = word;
                } else if (section.startsWith("INVARIANT")) {
                    invariants.add(word);
                } else if (section.startsWith("PROPERT")) {
                    properties.add(word);
                }
            }
        }
        return new TlcConfig(List.copyOf(invariants), List.copyOf(properties));
    }
}
