package dev.gmc.driver;

import static dev.gmc.driver.DriverCounters.Counter.CPU_FAULTS_MAJOR;
import static dev.gmc.driver.DriverCounters.Counter.PRE_JOB_RESTORES;
import static dev.gmc.driver.DriverCounters.Counter.RESTORE_NO_FRAME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gmc.driver.replay.Content;
import dev.gmc.mmu.FrameKind;
import dev.gmc.mmu.OutOfFramesException;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RAM that runs out while a page table is allocated: the mapping is all or nothing, the page flags agree with the
 * tables ({@link GpuDriverModel#checkInvariants}), and no page's data is lost. Utgard frees a page table with its last
 * entry, so compressing a buffer gives its tables back and mapping it again needs new ones.
 */
class PageTableShortageTest {
    private static final int PAGES = 64;

    private static byte[] gradient(int pages) {
        byte[] data = new byte[pages * 4096];
        Content.parse("gradient").fill(3, 0, data, 0, data.length);
        return data;
    }

    /** Fills RAM with one filler buffer, leaving {@code left} frames free. */
    private static Buffer fill(AbstractGmcDriver d, GpuContext ctx, int left) {
        Buffer f = d.allocate(ctx, (int) d.memory().freeFrames() - left, BufferType.OTHER, "filler", false);
        assertThat(d.memory().freeFrames()).isEqualTo(left);
        return f;
    }

    @ParameterizedTest
    @ValueSource(strings = {"midgard", "utgard"})
    void aGpuMappingThatFindsNoFrameForATableIsUndoneAndCanBeRetried(String driver) {
        AbstractGmcDriver d = Drivers.make(driver, DriverConfig.defaults().withRam(4L << 20));
        d.createProcess(1, "app");
        GpuContext ctx = d.createContext(1);
        Buffer b = d.allocate(ctx, PAGES, BufferType.TEXTURE, "t", false);
        byte[] data = gradient(PAGES);
        d.upload(b, data, 0);
        Buffer filler = fill(d, ctx, 0);
        assertThatThrownBy(() -> d.mapGpu(b)).isInstanceOf(OutOfFramesException.class)
                .hasMessageContaining("GPU_TABLE");
        assertThat(b.gpuVa()).as("not GPU-mapped").isZero();
        d.checkInvariants();
        d.free(filler);
        long va = d.mapGpu(b);
        assertThat(va).isNotZero();
        byte[] read = new byte[PAGES * 4096];
        assertThat(Drivers.gpuRead(d, b, 0, read).ok()).isTrue();
        assertThat(Arrays.equals(read, data)).isTrue();
        d.checkInvariants();
        d.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"midgard", "utgard"})
    void aCpuFaultWithRemapAllMapsTheGpuOnlyIfATableFrameIsLeft(String driver) {
        AbstractGmcDriver d = Drivers.make(driver, DriverConfig.defaults().withRam(4L << 20)
                .withRemap(RemapPolicy.ALL));
        d.createProcess(1, "app");
        GpuContext ctx = d.createContext(1);
        Buffer b = d.allocate(ctx, PAGES, BufferType.TEXTURE, "t", false);
        long cpuVa = d.mapCpu(b, 1);
        d.mapGpu(b);
        byte[] data = gradient(PAGES);
        d.upload(b, data, 0);
        d.compress(b);
        fill(d, ctx, 1); // one frame: the restore takes it, and Utgard's freed table finds none
        byte[] page = new byte[4096];
        d.cpuRead(1, cpuVa, page, 0, 4096); // the CPU fault is served; only the extra GPU mapping may be skipped
        assertThat(Arrays.equals(page, 0, 4096, data, 0, 4096)).isTrue();
        assertThat(d.counters().get(CPU_FAULTS_MAJOR)).isEqualTo(1);
        assertThat((b.state[0] & Buffer.GPU_MAPPED) != 0).isEqualTo(driver.equals("midgard")); // kbase kept its tables
        d.checkInvariants();
        d.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 64})
    void utgardPreJobHookWithoutATableFrameFailsTheJobAndKeepsThePages(int freeBeyondData) {
        AbstractGmcDriver d = Drivers.make("utgard", DriverConfig.defaults().withRam(4L << 20));
        d.createProcess(1, "app");
        GpuContext ctx = d.createContext(1);
        Buffer b = d.allocate(ctx, PAGES, BufferType.TEXTURE, "t", false);
        d.mapGpu(b);
        byte[] data = gradient(PAGES);
        d.upload(b, data, 0);
        d.compress(b);
        long tablesBefore = d.memory().used(FrameKind.GPU_TABLE);
        fill(d, ctx, PAGES + freeBeyondData); // enough for the pages; with 0 beyond, none for the table
        byte[] read = new byte[PAGES * 4096];
        JobResult r = Drivers.gpuRead(d, b, 0, read);
        if (freeBeyondData == 0) {
            assertThat(r.ok()).isFalse();
            assertThat(r.message()).contains("out of memory");
            assertThat(d.counters().get(RESTORE_NO_FRAME)).isPositive();
            assertThat(d.memory().used(FrameKind.GPU_TABLE)).isEqualTo(tablesBefore);
        } else {
            assertThat(r.ok()).as(r.message()).isTrue();
            assertThat(Arrays.equals(read, data)).isTrue();
        }
        assertThat(d.counters().get(PRE_JOB_RESTORES)).isEqualTo(PAGES);
        Drivers.assertPagesEqual(d, b, data);
        d.checkInvariants();
        d.close();
    }
}
