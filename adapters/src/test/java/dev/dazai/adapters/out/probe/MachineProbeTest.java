package dev.dazai.adapters.out.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dazai.adapters.out.memory.LockedBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The probe's parsing on fixed text, and its real probes on this machine. */
class MachineProbeTest {

    @Test
    void theCgroup2MountIsFoundInMountinfoWhateverItsPlace() {
        String hybrid = "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
                + "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
                + "41 31 0:38 / /sys/fs/cgroup/unified rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n";
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup/unified")), MachineProbe.cgroup2Mount(hybrid));
        assertEquals(Optional.empty(), MachineProbe.cgroup2Mount("32 31 0:29 / /x rw - cgroup cgroup rw,cpu\n"));
    }

    @Test
    void deviceNumbersSplitAsGlibcDoes() {
        long dev = (259L << 8) | 3; // major 259, minor 3, the small encoding
        assertEquals(259, MachineProbe.major(dev));
        assertEquals(3, MachineProbe.minor(dev));
        long big = (0x123L << 8) | (0xabcdeL << 12 & ~0xfffffL) | 0x45; // minor above 255
        assertEquals(0x123, MachineProbe.major(big));
        assertEquals(MachineProbe.minor(big), (0x45 | (big >>> 12 & ~0xffL)));
    }

    @Test
    void aDmCryptDeviceUnderLvmCountsAsEncrypted(@TempDir Path sys) throws Exception {
        Path lvm = Files.createDirectories(sys.resolve("dm-1"));
        Path crypt = Files.createDirectories(sys.resolve("dm-0"));
        Files.createDirectories(lvm.resolve("dm"));
        Files.createDirectories(crypt.resolve("dm"));
        Files.writeString(lvm.resolve("dm/uuid"), "LVM-abc\n");
        Files.writeString(crypt.resolve("dm/uuid"), "CRYPT-LUKS2-def-luks\n");
        Files.createDirectories(lvm.resolve("slaves"));
        Files.createSymbolicLink(lvm.resolve("slaves/dm-0"), crypt);
        Path plain = Files.createDirectories(sys.resolve("vda1"));

        MachineProbe probe = new MachineProbe(sys, sys);
        assertEquals(Optional.of("dm-crypt"), probe.encryption(lvm));
        assertEquals(Optional.empty(), probe.encryption(plain));
        assertEquals(Optional.of("zram"), probe.encryption(sys.resolve("zram0")));
    }

    @Test
    void theRealProbesAnswerAndLeaveNothingBehind() {
        MachineProbe probe = new MachineProbe();
        MachineProbe.SecretMemory m = probe.secretMemory();
        assertTrue(m.kind().equals(LockedBuffer.SECRETMEM) || m.kind().equals(LockedBuffer.ANONYMOUS), m.toString());
        MachineProbe.Containment c = probe.containment();
        assertTrue(!c.why().isBlank(), c.toString());
        c.ownCgroup().ifPresent(own -> assertTrue(!Files.exists(own.resolve("dazai-doctor-" + ProcessHandle.current().pid())),
                "the test cgroup was removed"));
    }
}
