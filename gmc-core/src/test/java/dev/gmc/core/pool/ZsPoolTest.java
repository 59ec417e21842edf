package dev.gmc.core.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ZsPoolTest {
    /** Stress scale for soak runs on big machines (scripts/stress-device.sh): threads are multiplied by it. */
    private static final int STRESS = Integer.getInteger("gmc.stress", 1);
    /** Added to the seeds, so that repeated soak runs try other sequences. */
    private static final long SEED = Long.getLong("gmc.stress.seed", 0);


    /** Sizes shaped like compressed pages: many small, a body around 1–2 KiB, a tail up to 4096. */
    static int randomSize(SplittableRandom r) {
        return randomSize(r, 4096);
    }

    /** {@link #randomSize(SplittableRandom)} for pages of {@code page} bytes (the 4 KiB shape scaled). */
    static int randomSize(SplittableRandom r, int page) {
        int k = page / 4096;
        switch (r.nextInt(4)) {
            case 0: return 1 + r.nextInt(200 * k);
            case 1: return 200 * k + r.nextInt(1800 * k);
            case 2: return 1 + r.nextInt(page);
            default: return 3000 * k + r.nextInt(page - 3000 * k + 1);
        }
    }

    static byte[] randomBytes(SplittableRandom r, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) r.nextInt();
        }
        return b;
    }

    @ParameterizedTest
    @CsvSource({"4, BIT64, 4096", "8, BIT64, 4096", "16, BIT64, 4096", "4, ARM32, 4096", "8, ARM32, 4096",
            "4, ARM32_LPAE, 4096", "8, ARM32_LPAE, 4096", "16, ARM32_LPAE, 4096",
            "8, BIT64, 16384", "16, BIT64, 16384", "4, BIT64, 16384", "8, BIT64, 65536"})
    void memUsedAfterCompactionEqualsKernelFormulaForRandomMultisets(int chain, KernelArch arch, int page) {
        SplittableRandom r = new SplittableRandom(chain * 7919L + arch.ordinal() + page);
        for (int round = 0; round < 6; round++) {
            SizeClassTable t = SizeClassTable.of(chain, chain == 4 ? SizeClassTable.ChainRule.LEGACY_USED_PERCENT
                    : SizeClassTable.ChainRule.MIN_TAIL_WASTE, arch).withPageSize(page);
            ZsPool pool = new ZsPool(t);
            int n = 2000 + r.nextInt(20000);
            long[] handles = new long[n];
            int[] sizes = new int[n];
            for (int i = 0; i < n; i++) {
                sizes[i] = randomSize(r, page);
                handles[i] = pool.malloc(sizes[i]);
            }
            // free a random share so that zspages are fragmented before compaction
            double share = r.nextDouble();
            long[] live = new long[t.classCount()];
            for (int i = 0; i < n; i++) {
                if (r.nextDouble() < share) {
                    pool.free(handles[i]);
                } else {
                    live[t.classFor(sizes[i])]++;
                }
            }
            long formula = t.compactedPages(live);
            assertThat(pool.totalPages()).isGreaterThanOrEqualTo(formula);
            long before = pool.totalPages();
            long freed = pool.compact();
            assertThat(pool.totalPages()).as("chain %d round %d", chain, round).isEqualTo(formula);
            assertThat(freed).isEqualTo(before - formula);
            assertThat(pool.pagesCompacted()).isEqualTo(freed);
            pool.checkInvariants();
            assertThat(pool.compact()).as("a second compaction finds nothing").isZero();
        }
    }

    /**
     * ≥ 10^6 random malloc/write/overwrite/free/read/compact operations checked against a plain map after every
     * step; full structural invariants every 50,000 steps. Fewer on 32-bit kernels, whose slots carry 4-byte handle
     * words and free links in front of the data, and on the pool before 6.3 (the legacy rule: four fullness groups,
     * its own insertion order and compaction loop), and on 16 KiB and 64 KiB pages (objects to a page, zspages of up to
     * 16 such pages, slots crossing their frame boundaries).
     */
    @ParameterizedTest
    @CsvSource({"BIT64, 8, MIN_TAIL_WASTE, 4096, 1000000", "ARM32, 8, MIN_TAIL_WASTE, 4096, 200000",
            "ARM32_LPAE, 8, MIN_TAIL_WASTE, 4096, 200000", "BIT64, 4, LEGACY_USED_PERCENT, 4096, 300000",
            "ARM32, 4, LEGACY_USED_PERCENT, 4096, 200000", "BIT64, 8, MIN_TAIL_WASTE, 16384, 200000",
            "BIT64, 16, MIN_TAIL_WASTE, 16384, 100000", "BIT64, 8, MIN_TAIL_WASTE, 65536, 30000"})
    void randomOperationsAgreeWithAPlainMapModel(KernelArch arch, int chain, SizeClassTable.ChainRule rule, int page,
                                                 int ops) {
        SplittableRandom r = new SplittableRandom(42);
        // the legacy rule: the pre-6.3 pool
        ZsPool pool = new ZsPool(SizeClassTable.of(chain, rule, arch).withPageSize(page));
        Map<Long, byte[]> model = new HashMap<>();
        List<Long> keys = new ArrayList<>();
        byte[] buf = new byte[page];
        for (int step = 0; step < ops; step++) {
            int op = r.nextInt(100);
            if (op < 35 || keys.isEmpty()) { // allocate + write
                int size = randomSize(r, page);
                byte[] data = randomBytes(r, 1 + r.nextInt(size));
                long h = pool.malloc(size);
                assertThat(h).isNotZero();
                assertThat(model).doesNotContainKey(h);
                pool.write(h, data, 0, data.length);
                model.put(h, data);
                keys.add(h);
            } else if (op < 60) { // free
                int i = r.nextInt(keys.size());
                long h = keys.get(i);
                keys.set(i, keys.get(keys.size() - 1));
                keys.remove(keys.size() - 1);
                pool.free(h);
                model.remove(h);
                assertThat(pool.isLive(h)).isFalse();
            } else if (op < 70) { // overwrite in place
                long h = keys.get(r.nextInt(keys.size()));
                byte[] data = randomBytes(r, 1 + r.nextInt(model.get(h).length));
                pool.write(h, data, 0, data.length);
                model.put(h, data);
            } else if (op < 99) { // read
                long h = keys.get(r.nextInt(keys.size()));
                byte[] want = model.get(h);
                pool.read(h, buf, 0, want.length);
                if (!Arrays.equals(buf, 0, want.length, want, 0, want.length)) {
                    throw new AssertionError("step " + step + ": handle " + PoolHandle.describe(h) + " read differs");
                }
            } else { // compact
                pool.compact();
            }
            assertThat(pool.liveObjects()).isEqualTo(model.size());
            if (step % 50_000 == 0) {
                pool.checkInvariants();
            }
        }
        pool.checkInvariants();
        for (Map.Entry<Long, byte[]> e : model.entrySet()) {
            byte[] want = e.getValue();
            pool.read(e.getKey(), buf, 0, want.length);
            assertThat(Arrays.equals(buf, 0, want.length, want, 0, want.length)).isTrue();
        }
        for (long h : keys) {
            pool.free(h);
        }
        assertThat(pool.totalPages()).isZero();
        assertThat(pool.liveObjects()).isZero();
    }

    @Test
    void staleAndForgedHandlesAreRejectedWithoutTouchingOtherObjects() {
        ZsPool pool = new ZsPool(SizeClassTable.kernelDefault());
        long a = pool.malloc(100);
        pool.write(a, new byte[] {1, 2, 3}, 0, 3);
        pool.free(a);
        long b = pool.malloc(100); // reuses a's table slot and very likely a's slot bytes
        pool.write(b, new byte[] {9, 9, 9}, 0, 3);
        assertThat(PoolHandle.index(b)).isEqualTo(PoolHandle.index(a));
        byte[] out = new byte[3];
        assertThatThrownBy(() -> pool.read(a, out, 0, 3)).isInstanceOf(InvalidHandleException.class)
                .hasMessageContaining("stale").hasMessageContaining("reused by another object");
        assertThatThrownBy(() -> pool.free(a)).isInstanceOf(InvalidHandleException.class);
        assertThatThrownBy(() -> pool.read(0, out, 0, 3)).hasMessageContaining("0 is never a valid handle");
        assertThatThrownBy(() -> pool.read(b | 1L << 60, out, 0, 3)).hasMessageContaining("reserved bits");
        assertThatThrownBy(() -> pool.read(12345L << 32 | 999_999, out, 0, 3)).hasMessageContaining("never handed out");
        assertThatThrownBy(() -> pool.read(b, out, 0, 5000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("length: 5000");
        pool.read(b, out, 0, 3);
        assertThat(out).containsExactly(9, 9, 9);
        pool.checkInvariants();
    }

    @Test
    void fullPoolRefusesWithZeroAndKeepsEveryOtherObject() {
        ZsPool pool = new ZsPool(SizeClassTable.kernelDefault(), 10);
        List<long[]> stored = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(3);
        int refused = 0;
        for (int i = 0; i < 2000; i++) {
            byte[] data = randomBytes(r, 3000);
            long h = pool.malloc(3000);
            if (h == 0) {
                refused++;
                continue;
            }
            pool.write(h, data, 0, data.length);
            stored.add(new long[] {h, i});
            assertThat(pool.totalPages()).isLessThanOrEqualTo(10);
        }
        assertThat(refused).isPositive();
        assertThat(pool.totalPages()).isLessThanOrEqualTo(10);
        pool.checkInvariants();
        assertThat(pool.liveObjects()).isEqualTo(stored.size());
    }

    @Test
    void concurrentWritersReadersFreersAndCompactionKeepEveryByte() throws Exception {
        ZsPool pool = new ZsPool(SizeClassTable.kernelDefault());
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService ex = Executors.newFixedThreadPool(4 * STRESS + 1);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < 4 * STRESS; t++) {
                long seed = t + SEED;
                workers.add(ex.submit(() -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    Map<Long, byte[]> mine = new HashMap<>();
                    List<Long> keys = new ArrayList<>();
                    byte[] buf = new byte[4096];
                    for (int i = 0; i < 60_000; i++) {
                        int op = r.nextInt(3);
                        if (op == 0 || keys.isEmpty()) {
                            int size = randomSize(r);
                            byte[] d = randomBytes(r, size);
                            long h = pool.malloc(size);
                            pool.write(h, d, 0, size);
                            mine.put(h, d);
                            keys.add(h);
                        } else if (op == 1) {
                            long h = keys.remove(keys.size() - 1 - r.nextInt(keys.size()) / 2);
                            pool.free(h);
                            mine.remove(h);
                        } else {
                            long h = keys.get(r.nextInt(keys.size()));
                            byte[] want = mine.get(h);
                            pool.read(h, buf, 0, want.length);
                            if (!Arrays.equals(buf, 0, want.length, want, 0, want.length)) {
                                throw new AssertionError("thread " + seed + " read differs at op " + i);
                            }
                        }
                    }
                    for (long h : keys) {
                        pool.free(h);
                    }
                    return null;
                }));
            }
            Future<?> compactor = ex.submit(() -> {
                while (!stop.get()) {
                    pool.compact();
                }
                return null;
            });
            for (Future<?> f : workers) {
                f.get();
            }
            stop.set(true);
            compactor.get();
        } finally {
            ex.shutdownNow();
        }
        pool.checkInvariants();
        assertThat(pool.liveObjects()).isZero();
        assertThat(pool.totalPages()).isZero();
    }

    /**
     * Lock-free reads ({@link ZsPool#read} and optimistic {@link ZsPool#access}) of objects that other threads free and
     * replace while compaction moves them: a read returns exactly the bytes its handle was written with, or fails as
     * stale — never another object's bytes, never a mix. Objects' bytes are a function of a seed kept per handle.
     */
    @Test
    void lockFreeReadsRacingFreesReuseAndCompactionSeeOwnBytesOrStale() throws Exception {
        ZsPool pool = new ZsPool(SizeClassTable.kernelDefault());
        int slots = 512;
        java.util.concurrent.atomic.AtomicLongArray live = new java.util.concurrent.atomic.AtomicLongArray(slots);
        Map<Long, Long> seedOf = new java.util.concurrent.ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong ok = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong stale = new java.util.concurrent.atomic.AtomicLong();
        ExecutorService ex = Executors.newFixedThreadPool(4 * STRESS + 1);
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < 2 * STRESS; t++) {
                long base = (t + 1) * 1_000_000_000L + SEED * 1_000_000L;
                writers.add(ex.submit(() -> {
                    SplittableRandom r = new SplittableRandom(base);
                    for (long k = 0; k < 60_000; k++) {
                        int i = r.nextInt(slots);
                        long old = live.getAndSet(i, 0);
                        if (old != 0) {
                            pool.free(old);
                        }
                        long seed = base + k;
                        byte[] d = seeded(seed);
                        long h = pool.malloc(d.length, d, 0);
                        seedOf.put(h, seed);
                        if (!live.compareAndSet(i, 0, h)) {
                            pool.free(h); // the other writer filled the slot meanwhile
                        }
                    }
                    return null;
                }));
            }
            List<Future<?>> readers = new ArrayList<>();
            for (int t = 0; t < 2 * STRESS; t++) {
                boolean viaAccess = t % 2 == 1;
                long readerSeed = (viaAccess ? 7 : 8) + 10L * (t / 2) + SEED;
                readers.add(ex.submit(() -> {
                    SplittableRandom r = new SplittableRandom(readerSeed);
                    byte[] buf = new byte[4096];
                    byte[] scratch = new byte[4096];
                    while (!stop.get()) {
                        long h = live.get(r.nextInt(slots));
                        if (h == 0) {
                            continue;
                        }
                        byte[] want = seeded(seedOf.get(h));
                        Arrays.fill(buf, (byte) 0);
                        try {
                            if (viaAccess) {
                                pool.access(h, want.length, scratch,
                                        (b, o, l) -> System.arraycopy(b, o, buf, 0, l), true);
                            } else {
                                pool.read(h, buf, 0, want.length);
                            }
                        } catch (InvalidHandleException e) {
                            assertThat(e.getMessage()).startsWith("stale");
                            // stale only if really freed (a move must be retried, not reported): it never lives again
                            assertThat(pool.isLive(h)).as("%s reported stale but live", PoolHandle.describe(h)).isFalse();
                            stale.incrementAndGet();
                            continue;
                        }
                        if (!Arrays.equals(buf, 0, want.length, want, 0, want.length)) {
                            throw new AssertionError("read of " + PoolHandle.describe(h) + " returned other bytes");
                        }
                        ok.incrementAndGet();
                    }
                    return null;
                }));
            }
            Future<?> compactor = ex.submit(() -> {
                while (!stop.get()) {
                    pool.compact();
                }
                return null;
            });
            try {
                for (Future<?> f : writers) {
                    f.get();
                }
            } finally {
                stop.set(true);
            }
            for (Future<?> f : readers) {
                f.get();
            }
            compactor.get();
        } finally {
            ex.shutdownNow();
        }
        pool.checkInvariants();
        assertThat(ok.get()).as("reads that returned their bytes").isPositive();
        assertThat(pool.liveObjects()).isEqualTo(java.util.stream.IntStream.range(0, slots).filter(i -> live.get(i) != 0).count());
    }

    /** An object's bytes as a function of its seed (length shaped like compressed pages). */
    private static byte[] seeded(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        return randomBytes(r, randomSize(r));
    }

    /**
     * Slot placement against a model of the kernel's free list: init_zspage links every slot 0 → 1 → … → objs-1,
     * obj_malloc pops the head, obj_free pushes the freed slot, and a zspage left empty is freed (a new one starts a
     * fresh list). Random mallocs and frees in one class, never more live objects than one zspage holds.
     */
    @ParameterizedTest
    @CsvSource({"32, 4096", "208, 4096", "1000, 4096", "2000, 4096", "32, 16384", "1000, 16384", "9000, 16384"})
    void slotsAreHandedOutInTheKernelsFreeListOrder(int size, int page) {
        SizeClassTable table = SizeClassTable.withChain(8).withPageSize(page);
        int objs = table.objsPerZspage(table.classFor(size));
        ZsPool pool = new ZsPool(table);
        java.util.ArrayDeque<Integer> model = new java.util.ArrayDeque<>();
        List<long[]> live = new ArrayList<>(); // {handle, slot}
        SplittableRandom r = new SplittableRandom(size);
        for (int step = 0; step < 20_000; step++) {
            boolean alloc = live.isEmpty() || (live.size() < objs - 1 && r.nextInt(100) < (step % 2000 < 1000 ? 70 : 30));
            if (alloc) {
                if (live.isEmpty()) {
                    model.clear(); // the previous zspage was freed when it emptied; a new one starts a fresh list
                    for (int k = 0; k < objs; k++) {
                        model.addLast(k);
                    }
                }
                long h = pool.malloc(size);
                int[] at = pool.locate(h);
                assertThat(at[2]).as("slot of allocation %d", step).isEqualTo(model.pollFirst());
                live.add(new long[] {h, at[2]});
            } else {
                long[] victim = live.remove(r.nextInt(live.size()));
                pool.free(victim[0]);
                model.addFirst((int) victim[1]);
            }
        }
        pool.checkInvariants();
    }
}
