package dev.dazai.jcstress;

import dev.dazai.jcstress.os.Incarnation;
import dev.dazai.jcstress.os.ProcessTable;
import dev.dazai.kernel.port.out.HolderKiller;
import dev.dazai.kernel.port.out.Holder;
import dev.dazai.kernel.port.out.Pin;
import java.util.OptionalLong;
import java.util.function.Function;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * The stage of the PidRecycle harnesses: a registered holder, the table it lives in, the killer
 * under test, and — once the holder exits and its PID is reused — the innocent that got the number.
 */
abstract class PidRecycleScene {

    private static final long HOLDER_PID = 1;

    final ProcessTable table = new ProcessTable(2);
    final Incarnation holder = table.spawn(HOLDER_PID);
    final HolderKiller killer;
    Incarnation innocent;

    PidRecycleScene(Function<ProcessTable, HolderKiller> killerOverTable) {
        killer = killerOverTable.apply(table);
        killer.register(Pin.of(HOLDER_PID, OptionalLong.of(holder.startTime())), Holder.Reach.PROCESS);
    }

    /** ProcessExits, its parent reaps it, then OsRecyclesPid: the number goes to a new process. */
    void holderExitsAndPidIsReused() {
        holder.exit();
        table.reap(holder);
        innocent = table.spawn(HOLDER_PID);
    }

    /** r1: the holder died of our SIGKILL; r2: the innocent did. */
    void fates(ZZ_Result r) {
        r.r1 = holder.fate() == Incarnation.Fate.KILLED;
        r.r2 = innocent.fate() == Incarnation.Fate.KILLED;
    }
}
