package dev.dazai.adapters.testing;

import dev.dazai.kernel.port.out.Journal;
import dev.dazai.kernel.port.out.JournalEntry;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A journal that keeps entries for assertions. */
public final class ListJournal implements Journal {

    public final List<JournalEntry> entries = new CopyOnWriteArrayList<>();

    @Override
    public void record(JournalEntry entry) {
        entries.add(entry);
    }

    @Override
    public void flush() {
    }
}
