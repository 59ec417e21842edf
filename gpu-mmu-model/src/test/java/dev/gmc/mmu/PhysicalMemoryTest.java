package dev.gmc.mmu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The frame allocator: one LIFO stack as seen from one thread, exact counts and no lost frame with many. */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a lost frame would hang an allocation
class PhysicalMemoryTest {
    /** Stress scale for soak runs on big machines (scripts/stress-device.sh): threads are multiplied by it. */
    private static final int STRESS = Integer.getInteger("gmc.stress", 1);
    /** Added to the seeds, so that repeated soak runs try other sequences. */
    private static final long SEED = Long.getLong("gmc.stress.seed", 0);

    private static final int FRAMES = 4096; // 16 MiB

    /**
     * With one thread the per-thread cache must be invisible: every allocation returns what a plain LIFO stack of
     * free PFNs (lowest on top at the start) would, across many refills and spills of the cache.
     */
    @Test
    void oneThreadSeesOneLifoStack() {
        PhysicalMemory mem = new PhysicalMemory((long) FRAMES * 4096, false);
        int[] model = new int[FRAMES - 1];
        int top = FRAMES - 1;
        for (int i = 0; i < model.length; i++) {
            model[i] = FRAMES - 1 - i;
        }
        List<Integer> held = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(7);
        long peak = 0;
        for (int step = 0; step < 400; step++) {
            // bursts longer than the cache, so that refills and spills happen in both directions
            int n = rnd.nextInt(1, 3 * PhysicalMemory.CACHE_MAX);
            boolean alloc = held.isEmpty() || (held.size() < FRAMES - 200 && rnd.nextBoolean());
            for (int i = 0; i < n; i++) {
                if (alloc) {
                    int pfn = mem.allocate(FrameKind.DATA, false);
                    assertThat(pfn).as("allocation %d of step %d", i, step).isEqualTo(model[--top]);
                    held.add(pfn);
                } else if (!held.isEmpty()) {
                    int pfn = held.remove(rnd.nextInt(held.size()));
                    mem.free(pfn, FrameKind.DATA);
                    model[top++] = pfn;
                }
                peak = Math.max(peak, held.size());
            }
            assertThat(mem.usedFrames()).isEqualTo(held.size());
            assertThat(mem.freeFrames()).isEqualTo(FRAMES - 1 - held.size());
            assertThat(mem.used(FrameKind.DATA)).isEqualTo(held.size());
        }
        assertThat(mem.peakUsedFrames()).isEqualTo(peak);
    }

    /** Frames freed by another thread sit in its cache; an allocation that needs them must still get them. */
    @Test
    void exhaustionDrainsOtherThreadsCaches() throws Exception {
        for (boolean otherAlive : new boolean[] {true, false}) {
            PhysicalMemory mem = new PhysicalMemory((long) FRAMES * 4096, false);
            CountDownLatch parked = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Thread other = new Thread(() -> {
                int[] taken = new int[PhysicalMemory.CACHE_MAX - 1]; // all stay in its cache when freed
                for (int i = 0; i < taken.length; i++) {
                    taken[i] = mem.allocate(FrameKind.GPU_TABLE, false);
                }
                for (int pfn : taken) {
                    mem.free(pfn, FrameKind.GPU_TABLE);
                }
                parked.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            other.start();
            parked.await();
            if (!otherAlive) {
                release.countDown();
                other.join();
            }
            allocateAllDistinct(mem);
            assertThat(mem.freeFrames()).isZero();
            assertThatThrownBy(() -> mem.allocate(FrameKind.DATA, false))
                    .isInstanceOf(OutOfFramesException.class);
            assertThat(mem.usedFrames()).as("a refused allocation reserves nothing").isEqualTo(FRAMES - 1);
            release.countDown();
            other.join();
        }
    }

    /**
     * Threads allocate and free at random: no frame is ever held by two at once, the counts are exact when they
     * stop, and every frame comes back.
     */
    @Test
    void manyThreadsNeverShareAFrameAndCountsStayExact() throws Exception {
        int threads = 6 * STRESS;
        PhysicalMemory mem = new PhysicalMemory((long) FRAMES * 4096, true);
        AtomicIntegerArray owner = new AtomicIntegerArray(FRAMES);
        AtomicInteger refused = new AtomicInteger();
        CyclicBarrier go = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<int[]>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int me = t + 1;
                results.add(pool.submit(() -> {
                    SplittableRandom rnd = new SplittableRandom(me + SEED);
                    int[] held = new int[FRAMES];
                    int count = 0;
                    go.await();
                    for (int op = 0; op < 60_000; op++) {
                        // each thread wants up to 1/4 of RAM at times, so together they run out now and then
                        if (count > 0 && (count >= FRAMES / 4 || rnd.nextInt(100) < 48)) {
                            int i = rnd.nextInt(count);
                            int pfn = held[i];
                            held[i] = held[--count];
                            assertThat(owner.compareAndSet(pfn, me, 0)).isTrue();
                            mem.free(pfn, FrameKind.DATA);
                        } else {
                            int pfn;
                            try {
                                pfn = mem.allocate(FrameKind.DATA, false);
                            } catch (OutOfFramesException e) {
                                refused.incrementAndGet();
                                continue;
                            }
                            assertThat(owner.compareAndSet(pfn, 0, me)).as("PFN %d already held", pfn).isTrue();
                            held[count++] = pfn;
                        }
                    }
                    return java.util.Arrays.copyOf(held, count);
                }));
            }
            long held = 0;
            List<int[]> all = new ArrayList<>();
            for (Future<int[]> f : results) {
                int[] h = f.get();
                all.add(h);
                held += h.length;
            }
            assertThat(refused.get()).as("the threads ran out of frames at times").isPositive();
            assertThat(mem.usedFrames()).isEqualTo(held);
            assertThat(mem.used(FrameKind.DATA)).isEqualTo(held);
            assertThat(mem.peakUsedFrames()).isEqualTo(FRAMES - 1);
            for (int[] h : all) {
                for (int pfn : h) {
                    mem.free(pfn, FrameKind.DATA);
                }
            }
            assertThat(mem.freeFrames()).isEqualTo(FRAMES - 1);
            allocateAllDistinct(mem);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Threads that end leave frames in their caches: they are given back, and the caches dropped. */
    @Test
    void endedThreadsCachesAreGivenBackAndDropped() throws Exception {
        PhysicalMemory mem = new PhysicalMemory((long) FRAMES * 4096, false);
        for (int t = 0; t < 300; t++) {
            Thread th = new Thread(() -> {
                int[] taken = new int[10];
                for (int i = 0; i < taken.length; i++) {
                    taken[i] = mem.allocate(FrameKind.DATA, false);
                }
                for (int pfn : taken) {
                    mem.free(pfn, FrameKind.DATA); // stays in this thread's cache
                }
            });
            th.start();
            th.join();
        }
        assertThat(mem.caches()).as("at most the last ended thread's cache is kept").isLessThanOrEqualTo(1);
        assertThat(mem.freeFrames()).isEqualTo(FRAMES - 1);
        allocateAllDistinct(mem);
        assertThat(mem.caches()).as("the main thread's own").isEqualTo(1);
    }

    /** Of two threads freeing one frame at once exactly one succeeds; the frame is listed once. */
    @Test
    void racingDoubleFreeThrowsOnceAndLosesNothing() throws Exception {
        PhysicalMemory mem = new PhysicalMemory((long) FRAMES * 4096, false);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 200; round++) {
                int pfn = mem.allocate(FrameKind.DATA, false);
                CyclicBarrier go = new CyclicBarrier(2);
                List<Future<Boolean>> fs = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    fs.add(pool.submit(() -> {
                        go.await();
                        try {
                            mem.free(pfn, FrameKind.DATA);
                            return true;
                        } catch (IllegalStateException e) {
                            assertThat(e).hasMessageContaining("frame " + pfn).hasMessageContaining("FREE");
                            return false;
                        }
                    }));
                }
                assertThat(fs.get(0).get() ^ fs.get(1).get()).as("round %d: exactly one free succeeds", round)
                        .isTrue();
                assertThat(mem.usedFrames()).isZero();
            }
            allocateAllDistinct(mem);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Allocates every frame of {@code mem}: each PFN must come once (none lost in a cache, none listed twice). */
    private static void allocateAllDistinct(PhysicalMemory mem) {
        boolean[] seen = new boolean[FRAMES];
        for (int i = 0; i < FRAMES - 1; i++) {
            int pfn = mem.allocate(FrameKind.DATA, false);
            assertThat(seen[pfn]).as("PFN %d handed out twice", pfn).isFalse();
            seen[pfn] = true;
        }
        assertThat(mem.freeFrames()).isZero();
    }
}
