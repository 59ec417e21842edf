package dev.gmc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gmc capture} indexes pagemap by the host's page size: on a 16K-page arm64 kernel (Asahi Linux, a 16 KB
 * Android device) one pagemap entry covers 16 KiB, and reading it as 4 KiB entries would take the wrong pages.
 */
class CapturePageSizeTest {
    private static final String SMAPS_16K = """
            aaaab5400000-aaaab5404000 r-xp 00000000 fe:01 1574 /usr/bin/cat
            Size:                 16 kB
            KernelPageSize:       16 kB
            MMUPageSize:          16 kB
            ffff8a000000-ffff8a200000 rw-p 00000000 00:00 0 /anon_hugepage (deleted)
            Size:               2048 kB
            KernelPageSize:     2048 kB
            """;

    @Test
    void theFirstKernelPageSizeOfSmapsIsTheHostsPageSize(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("smaps");
        Files.writeString(f, SMAPS_16K);
        assertThat(CaptureCommand.hostPageSize(f)).isEqualTo(16384);
        Files.writeString(f, SMAPS_16K.replace("16 kB", "4 kB"));
        assertThat(CaptureCommand.hostPageSize(f)).isEqualTo(4096);
        Files.writeString(f, "aaaab5400000-aaaab5404000 r-xp 00000000 fe:01 1574 /usr/bin/cat\n");
        assertThat(CaptureCommand.hostPageSize(f)).as("no KernelPageSize line").isEqualTo(4096);
        assertThat(CaptureCommand.hostPageSize(dir.resolve("missing"))).isEqualTo(4096);
    }

    @Test
    void aPageSizeThatCannotBeReadIsNamed(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("smaps");
        Files.writeString(f, "KernelPageSize:  lots\n");
        assertThatThrownBy(() -> CaptureCommand.hostPageSize(f)).isInstanceOf(IOException.class)
                .hasMessage(f + ": cannot read the page size from 'KernelPageSize:  lots'");
        Files.writeString(f, "KernelPageSize:  99999999999 kB\n");
        assertThatThrownBy(() -> CaptureCommand.hostPageSize(f)).hasMessageContaining("cannot read the page size");
    }

    @Test
    void thisHostsPageSizeIsOneTheKernelsUse() throws IOException {
        Path self = Path.of("/proc/self/smaps");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(self), "no /proc/self/smaps here");
        assertThat(CaptureCommand.hostPageSize(self)).isIn(4096, 16384, 65536);
    }
}
