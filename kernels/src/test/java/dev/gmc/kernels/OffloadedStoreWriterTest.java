package dev.gmc.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gmc.core.store.MmStat;
import dev.gmc.core.store.PageStore;
import dev.gmc.core.store.StoreConfig;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Pages written through the device land in a PageStore and load back byte for byte; its counters add up. */
class OffloadedStoreWriterTest {
    static final int PAGE = 4096;

    @Test
    void storeThroughDeviceAndLoadBack() {
        ClDevice d = TestData.deviceOrSkip();
        byte[] data = TestData.concat(TestData.edgeCases(3), TestData.realMix(), TestData.samples());
        int pages = data.length / PAGE;
        long[] ids = new long[pages];
        StoreConfig cfg = StoreConfig.defaults();
        try (Lz4Program program = new Lz4Program(d, 64);
             PageStore store = new PageStore(cfg);
             PageStore cpuStore = new PageStore(cfg)) {
            try (OffloadedStoreWriter w = new OffloadedStoreWriter(store,
                    GpuCompressorConfig.defaults().withBatchPages(256).withWorkGroupSize(64), program,
                    (token, id) -> ids[(int) token] = id)) {
                for (int p = 0; p < pages; p++) {
                    w.write(p, data, p * PAGE);
                }
                w.drain();
                assertThat(w.stats().fallbackTotal()).isZero();
            }
            byte[] out = new byte[PAGE];
            for (int p = 0; p < pages; p++) {
                assertThat(ids[p]).as("page %d", p).isPositive();
                store.load(ids[p], out, 0);
                assertThat(Arrays.equals(out, 0, PAGE, data, p * PAGE, p * PAGE + PAGE)).as("page %d", p).isTrue();
                cpuStore.store(data, p * PAGE);
            }
            store.checkInvariants();
            MmStat gpu = store.mmStat();
            MmStat cpu = cpuStore.mmStat();
            // Same-filled and stored page counts do not depend on the compressor; sizes differ a little.
            assertThat(gpu.samePages()).isEqualTo(cpu.samePages());
            assertThat(gpu.origDataSize()).isEqualTo(cpu.origDataSize());
            assertThat((double) gpu.comprDataSize() / cpu.comprDataSize()).isBetween(0.9, 1.1);
            for (long id : ids) {
                store.free(id);
            }
            assertThat(store.mmStat().memUsedTotal()).isZero();
        }
    }
}
