package dev.gmc.driver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gmc.driver.replay.Content;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Threads that each compress one buffer and then fault back the next thread's, in a RAM that holds all buffers with
 * only a few frames to spare. Compression leaves freed frames in the compressing thread's frame cache, and the
 * buffers differ in size, so the thread that restores the large buffer runs out of its own cache and of the shared
 * stack while other threads still cache frames: it must drain them (the kernel's per-CPU lists). No fault may fail
 * for want of a frame while frames are free, every page must come back byte for byte, and the frame counts must
 * return to where they started.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a lost frame would hang a restore
class ParallelFaultsTest {
    private static final int THREADS = 4;
    /** Buffer t's pages: thread t compresses it and thread t - 1 restores it; all exceed a cache, so frames spill. */
    private static final int[] PAGES = {600, 100, 100, 100};
    private static final int SPARE_FRAMES = 6; // fewer than one thread's cache can hold

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"midgard", "utgard"})
    void restoresDrainOtherThreadsCachesAndLoseNothing(String driver) throws Exception {
        DriverConfig probe = DriverConfig.defaults().withPoisonOnFree(true).withRam(64L << 20);
        long needed;
        try (AbstractGmcDriver d = Drivers.make(driver, probe)) {
            setUp(d, new ArrayList<>());
            needed = d.memory().usedFrames();
        }
        DriverConfig cfg = probe.withRam((needed + 1 + SPARE_FRAMES) * 4096); // PFN 0 is never handed out
        try (AbstractGmcDriver d = Drivers.make(driver, cfg)) {
            List<Buffer> bufs = new ArrayList<>();
            List<byte[]> content = setUp(d, bufs);
            assertThat(d.memory().usedFrames()).isEqualTo(needed);
            assertThat(d.memory().freeFrames()).isEqualTo(SPARE_FRAMES);
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                for (int round = 0; round < 3; round++) {
                    CyclicBarrier compressed = new CyclicBarrier(THREADS);
                    List<Future<?>> fs = new ArrayList<>();
                    for (int t = 0; t < THREADS; t++) {
                        int me = t;
                        fs.add(pool.submit(() -> {
                            CompressResult r = d.compress(bufs.get(me));
                            assertThat(r.stored() + r.sameFilled() + r.rejected()).isEqualTo(PAGES[me]);
                            assertThat(r.stored()).isPositive();
                            compressed.await(); // every thread's freed frames sit in its own cache now
                            int other = (me + 1) % THREADS;
                            long va = bufs.get(other).cpuVa(100 + other);
                            byte[] page = new byte[4096];
                            for (int p = PAGES[other] - 1; p >= 0; p--) {
                                d.cpuRead(100 + other, va + (long) p * 4096, page, 0, 4096);
                                assertThat(page).as("buffer %d, page %d", other, p).isEqualTo(
                                        Arrays.copyOfRange(content.get(other), p * 4096, (p + 1) * 4096));
                            }
                            return null;
                        }));
                    }
                    for (Future<?> f : fs) {
                        f.get();
                    }
                    assertThat(d.memory().usedFrames()).as("round %d", round).isEqualTo(needed);
                    d.checkInvariants();
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(d.counters().get(DriverCounters.Counter.RESTORE_NO_FRAME)).isZero();
            assertThat(d.counters().get(DriverCounters.Counter.SIGBUS)).isZero();
        }
    }

    /** A process, a context and a buffer of {@link #PAGES} pages per thread, mapped on the CPU and written. */
    private static List<byte[]> setUp(AbstractGmcDriver d, List<Buffer> bufs) {
        List<byte[]> content = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            d.createProcess(100 + t, "app-" + t);
            GpuContext ctx = d.createContext(100 + t);
            Buffer b = d.allocate(ctx, PAGES[t], BufferType.TEXTURE, "b" + t, false);
            long va = d.mapCpu(b, 100 + t);
            byte[] init = new byte[PAGES[t] * 4096];
            Content.parse("mix").fill(t, 0, init, 0, init.length);
            d.cpuWrite(100 + t, va, init, 0, init.length);
            content.add(init);
            bufs.add(b);
        }
        return content;
    }
}
