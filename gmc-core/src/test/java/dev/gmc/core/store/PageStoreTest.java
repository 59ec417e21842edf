package dev.gmc.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.codec.CorruptPageException;
import dev.gmc.core.codec.PageCodec;
import dev.gmc.core.codec.TestPages;
import dev.gmc.core.pool.SizeClassTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PageStoreTest {
    /** Stress scale for soak runs on big machines (scripts/stress-device.sh): threads are multiplied by it. */
    private static final int STRESS = Integer.getInteger("gmc.stress", 1);
    /** Added to the seeds, so that repeated soak runs try other sequences. */
    private static final long SEED = Long.getLong("gmc.stress.seed", 0);


    static boolean samePage(byte[] a, byte[] b) {
        return Arrays.equals(a, 0, 4096, b, 0, 4096);
    }

    /** A test page of {@code ps} bytes: {@link TestPages#page} at 4 KiB, its 16 KiB counterpart of the same kind. */
    static byte[] page(int ps, long seed, int i) {
        return ps == 4096 ? TestPages.page(seed, i) : TestPages.sixteenKiBPage((int) seed * 1009 + i);
    }

    /**
     * mm_stat computed independently from the codec and the class table, then compared with the store's; at 4 KiB
     * and at 16 KiB pages (a 16 KiB-page table: 16 KiB objects, huge pages and frames).
     */
    @ParameterizedTest
    @CsvSource({"lz4-kernel, 4096", "lz4, 4096", "lz4hc:9, 4096", "zstd:3, 4096", "lzo-rle, 4096",
            "lz4hc-kernel, 4096", "deflate, 4096", "842, 4096",
            "lz4-kernel, 16384", "zstd:3, 16384", "lzo-rle, 16384", "deflate, 16384", "842, 16384"})
    void mmStatFieldsFollowTheKernelsDefinitions(String codec, int ps) {
        StoreConfig cfg = StoreConfig.defaults().withCodec(CodecSpec.parse(codec))
                .withClasses(SizeClassTable.kernelDefault().withPageSize(ps));
        SizeClassTable t = cfg.classes();
        assertThat(t.hugeClassSize()).isEqualTo(cfg.threshold());
        int n = 600;
        long same = 0;
        long huge = 0;
        long compr = 0;
        long[] perClass = new long[t.classCount()];
        try (PageStore store = new PageStore(cfg); PageCodec c = cfg.codec().newCodec()) {
            byte[] out = new byte[2 * ps];
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                byte[] p = page(ps, 77, i);
                ids.add(store.store(p, 0));
                if (SameFilled.testPage(p, 0, ps)) {
                    same++;
                    continue;
                }
                int len = c.compress(p, 0, ps, out, 0, out.length);
                if (len >= t.hugeClassSize()) {
                    huge++;
                    len = ps;
                }
                compr += len;
                perClass[t.classFor(len)]++;
            }
            store.compact();
            MmStat mm = store.mmStat();
            assertThat(mm.origDataSize()).isEqualTo(n * (long) ps);
            assertThat(mm.comprDataSize()).isEqualTo(compr);
            assertThat(mm.memUsedTotal()).isEqualTo(t.compactedPages(perClass) * ps);
            assertThat(mm.memUsedMax()).isGreaterThanOrEqualTo(mm.memUsedTotal());
            assertThat(mm.samePages()).isEqualTo(same);
            assertThat(mm.hugePages()).isEqualTo(huge).isEqualTo(mm.hugePagesSince());
            assertThat(mm.memLimit()).isZero();
            for (int i = 0; i < n; i += 2) {
                store.free(ids.get(i));
            }
            assertThat(store.ioStat().notifyFree()).isEqualTo(n / 2);
            assertThat(store.mmStat().hugePagesSince()).isEqualTo(huge);
            assertThat(store.mmStat().origDataSize()).isEqualTo((n - n / 2) * (long) ps);
            store.checkInvariants();
            byte[] back = new byte[ps];
            for (int i = 1; i < n; i += 2) {
                store.load(ids.get(i), back, 0);
                assertThat(back).isEqualTo(page(ps, 77, i));
            }
            assertThat(huge).as("the set has huge pages").isPositive();
            assertThat(same).as("and same-filled ones").isPositive();
            assertThat(store.counters().zeroPages() + store.counters().sameNonZeroPages()).isEqualTo(store.mmStat().samePages());
        }
    }

    /** readStored hands out the object as stored: the codec's own block, the raw huge page, nothing if same-filled. */
    @Test
    void readStoredGivesTheObjectAsTheCodecWroteIt() {
        try (PageStore store = new PageStore(StoreConfig.defaults().withCodec(CodecSpec.parse("lz4-kernel")))) {
            PageCodec codec = CodecSpec.parse("lz4-kernel").newCodec();
            byte[] buf = new byte[8192];
            byte[] obj = new byte[4096 + 7];
            java.util.EnumSet<PageStore.Kind> seen = java.util.EnumSet.noneOf(PageStore.Kind.class);
            for (int i = 0; i < 40; i++) {
                byte[] page = TestPages.page(6, i);
                long id = store.store(page, 0);
                int n = store.readStored(id, obj, 7);
                seen.add(store.kind(id));
                assertThat(n).isEqualTo(store.storedLength(id));
                switch (store.kind(id)) {
                    case SAME -> assertThat(n).isZero();
                    case HUGE -> assertThat(Arrays.equals(obj, 7, 7 + 4096, page, 0, 4096)).isTrue();
                    case COMPRESSED -> {
                        int len = codec.compress(page, 0, 4096, buf, 0, buf.length); // lz4-kernel is deterministic
                        assertThat(n).isEqualTo(len);
                        assertThat(Arrays.equals(obj, 7, 7 + n, buf, 0, len)).as("page %d", i).isTrue();
                    }
                }
            }
            assertThat(seen).as("kinds among the test pages").contains(PageStore.Kind.COMPRESSED, PageStore.Kind.SAME);
            long loads = store.counters().loads();
            long id = store.store(TestPages.page(1, 9), 0); // random: huge
            assertThatThrownBy(() -> store.readStored(id, new byte[100], 0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("length 4096");
            store.free(id);
            assertThatThrownBy(() -> store.readStored(id, obj, 0)).isInstanceOf(InvalidPageIdException.class)
                    .hasMessageContaining("stale");
            assertThat(store.counters().loads()).isEqualTo(loads).isZero();
        }
    }

    @Test
    void rejectPolicyRefusesPoorlyCompressiblePagesAndStoresNothingForThem() {
        StoreConfig cfg = StoreConfig.defaults().withPolicy(IncompressiblePolicy.REJECT).withThreshold(2048);
        try (PageStore store = new PageStore(cfg)) {
            byte[] random = TestPages.page(1, 9);
            assertThat(store.store(random, 0)).isEqualTo(PageStore.REJECTED);
            assertThat(store.mmStat().memUsedTotal()).isZero();
            assertThat(store.mmStat().origDataSize()).isZero();
            assertThat(store.counters().rejected()).isEqualTo(1);
            long id = store.store(TestPages.page(1, 6), 0);
            assertThat(id).isPositive();
            assertThat(store.storedLength(id)).isLessThan(2048);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {4096, 16384})
    void memLimitIsCheckedAfterAllocationAndRefusalsKeepEveryOtherPage(int ps) {
        StoreConfig cfg = StoreConfig.defaults().withClasses(SizeClassTable.kernelDefault().withPageSize(ps))
                .withMemLimitBytes(64 * ps + 1); // rounded up to whole pages, as zram's PAGE_ALIGN
        long limit = 65L * ps;
        try (PageStore store = new PageStore(cfg)) {
            Map<Long, Integer> stored = new HashMap<>();
            int refused = 0;
            for (int i = 0; i < 1000; i++) {
                long id = store.store(page(ps, 4, i), 0);
                if (id == PageStore.NO_MEMORY) {
                    refused++;
                } else {
                    stored.put(id, i);
                }
                assertThat(store.mmStat().memUsedTotal()).isLessThanOrEqualTo(limit);
            }
            assertThat(refused).isPositive();
            assertThat(store.ioStat().failedWrites()).isEqualTo(refused);
            // as in the kernel, the sample that tripped the limit included the new object
            assertThat(store.mmStat().memUsedMax()).isGreaterThan(limit);
            assertThat(store.mmStat().memLimit()).isEqualTo(limit);
            byte[] back = new byte[ps];
            for (Map.Entry<Long, Integer> e : stored.entrySet()) {
                store.load(e.getKey(), back, 0);
                assertThat(back).isEqualTo(page(ps, 4, e.getValue()));
            }
            store.checkInvariants();
        }
    }

    @Test
    void corruptObjectForgedAndStaleIdsAndWrongSizesAreClearErrorsAffectingNoOtherPage() {
        try (PageStore store = new PageStore(StoreConfig.defaults())) {
            long[] ids = new long[48];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = store.store(TestPages.page(6, i), 0);
            }
            int victim = 6; // a text page: stored compressed
            assertThat(store.storedLength(ids[victim])).isBetween(1, 3000);
            // corrupt its compressed bytes in the pool
            long handle = valueOf(store, ids[victim]);
            byte[] junk = new byte[store.storedLength(ids[victim])];
            Arrays.fill(junk, (byte) 0xF0);
            store.pool().write(handle, junk, 0, junk.length);
            byte[] back = new byte[4096];
            assertThatThrownBy(() -> store.load(ids[victim], back, 0)).isInstanceOf(CorruptPageException.class)
                    .hasMessageContaining("lz4-kernel").hasMessageContaining("index=" + victim)
                    .hasMessageContaining("compressed length " + junk.length);
            assertThat(store.ioStat().failedReads()).isEqualTo(1);

            long stale = ids[7];
            store.free(stale);
            long reused = store.store(TestPages.page(6, 100), 0);
            assertThatThrownBy(() -> store.load(stale, back, 0)).isInstanceOf(InvalidPageIdException.class)
                    .hasMessageContaining("stale").hasMessageContaining("holding another page");
            assertThatThrownBy(() -> store.free(stale)).isInstanceOf(InvalidPageIdException.class);
            assertThatThrownBy(() -> store.load(0, back, 0)).hasMessageContaining("0 is never a page ID");
            assertThatThrownBy(() -> store.load(PageStore.REJECTED, back, 0)).hasMessageContaining("refusals");
            assertThatThrownBy(() -> store.load(1L << 50 | 1, back, 0)).hasMessageContaining("reserved bits");
            assertThatThrownBy(() -> store.load(1L << 32 | 5_000_000, back, 0)).hasMessageContaining("was ever handed out");
            assertThatThrownBy(() -> store.store(new byte[4000], 0, 4000)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("page: 4000 bytes (expected 4096)");
            assertThatThrownBy(() -> store.store(new byte[4096], 1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.load(ids[0], new byte[100], 0)).isInstanceOf(IllegalArgumentException.class);
            assertThat(store.counters().invalidIds()).isEqualTo(6);

            for (int i = 0; i < ids.length; i++) {
                if (i == victim || i == 7) {
                    continue;
                }
                store.load(ids[i], back, 0);
                assertThat(samePage(back, TestPages.page(6, i))).as("page %d", i).isTrue();
            }
            store.load(reused, back, 0);
            assertThat(samePage(back, TestPages.page(6, 100))).isTrue();
            store.checkInvariants();
        }
    }

    /**
     * A page ID's generation is 12 bits (PageId): the entry the store hands out again and again is retired when its
     * generation would wrap, so that no ID, however old, ever names a later page. Every ID of the run stays stale.
     */
    @Test
    void anEntryWhoseGenerationWouldWrapIsRetiredAndNoOldIdComesBack() {
        try (PageStore store = new PageStore(StoreConfig.defaults())) {
            byte[] p = TestPages.page(3, 6);
            java.util.Set<Long> seen = new java.util.HashSet<>();
            java.util.Set<Integer> indices = new java.util.HashSet<>();
            long[] ids = new long[PageId.MAX_GEN + 10];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = store.store(p, 0);
                assertThat(seen.add(ids[i])).as("ID %d handed out twice", i).isTrue();
                indices.add(PageId.index(ids[i]));
                store.free(ids[i]);
            }
            // one entry, reused at generations 0..MAX_GEN - 1 (the thread's LIFO cache), then a fresh one
            assertThat(PageId.index(ids[0])).isEqualTo(PageId.index(ids[PageId.MAX_GEN - 1]));
            assertThat(PageId.index(ids[PageId.MAX_GEN])).isNotEqualTo(PageId.index(ids[0]));
            assertThat(indices).hasSize(2);
            long live = store.store(TestPages.page(3, 7), 0);
            byte[] back = new byte[4096];
            for (long old : new long[] {ids[0], ids[1], ids[PageId.MAX_GEN - 1], ids[ids.length - 1]}) {
                assertThatThrownBy(() -> store.load(old, back, 0)).isInstanceOf(InvalidPageIdException.class)
                        .hasMessageContaining("stale");
            }
            store.load(live, back, 0);
            assertThat(back).isEqualTo(TestPages.page(3, 7));
            store.checkInvariants();
        }
    }

    /** A store of 16 KiB pages takes 16 KiB pages only and restores them whole. */
    @Test
    void aSixteenKiBStoreTakesSixteenKiBPagesOnly() {
        StoreConfig cfg = StoreConfig.defaults().withClasses(SizeClassTable.kernelDefault().withPageSize(16384));
        try (PageStore store = new PageStore(cfg)) {
            assertThat(store.pageSize()).isEqualTo(16384);
            assertThatThrownBy(() -> store.store(new byte[4096], 0)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.store(new byte[16384], 0, 4096)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("page: 4096 bytes (expected 16384)");
            byte[] p = TestPages.sixteenKiBPage(9); // random: stored raw in the huge class
            long id = store.store(p, 0);
            assertThat(store.storedLength(id)).isEqualTo(16384);
            assertThatThrownBy(() -> store.load(id, new byte[4096], 0)).isInstanceOf(IllegalArgumentException.class);
            byte[] back = new byte[16384];
            store.load(id, back, 0);
            assertThat(back).isEqualTo(p);
            byte[] same = new byte[16384];
            SameFilled.fill(same, 0, 0x5a5a_0102_0304_a5a5L, 16384); // one word repeated over 16 KiB
            long sid = store.store(same, 0);
            assertThat(store.storedLength(sid)).isZero();
            store.load(sid, back, 0);
            assertThat(back).isEqualTo(same);
            assertThat(store.mmStat().origDataSize()).isEqualTo(2 * 16384L);
            assertThat(store.mmStat().memUsedTotal()).isEqualTo(16384L);
        }
        // a 64 KiB page's length does not fit the entry's 15-bit size field: refused by name, not stored wrong
        assertThatThrownBy(() -> new PageStore(StoreConfig.defaults().withClasses(
                SizeClassTable.kernelDefault().withPageSize(65536)))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a page store holds pages of up to 16 KiB")
                .hasMessageContaining("65536-byte pages");
    }

    static long valueOf(PageStore store, long id) {
        // the pool handle is the only live pool object created for this page: find it through the entry
        try {
            java.lang.reflect.Field f = PageStore.class.getDeclaredField("values");
            f.setAccessible(true);
            long[][] v = (long[][]) f.get(store);
            int index = PageId.index(id);
            return v[index >>> 12][index & 0xFFF];
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** A zram device against a plain array model: writes, overwrites, discards, reads and compaction. */
    @ParameterizedTest
    @CsvSource({"4096, 120000", "16384, 40000"})
    void zramDeviceAgreesWithAnArrayModelOverRandomOperations(int ps, int steps) {
        int slots = 512;
        SplittableRandom r = new SplittableRandom(99);
        byte[][] model = new byte[slots][];
        byte[] zero = new byte[ps];
        byte[] back = new byte[ps];
        long discards = 0;
        StoreConfig cfg = StoreConfig.defaults().withClasses(SizeClassTable.kernelDefault().withPageSize(ps));
        try (ZramDevice dev = new ZramDevice(cfg, slots)) {
            for (int step = 0; step < steps; step++) {
                int i = r.nextInt(slots);
                int op = r.nextInt(100);
                if (op < 40) {
                    byte[] p = page(ps, r.nextInt(4), r.nextInt(96));
                    assertThat(dev.write(i, p, 0)).isTrue();
                    model[i] = p;
                } else if (op < 50) {
                    dev.discard(i);
                    model[i] = null;
                    discards++;
                } else if (op < 99) {
                    dev.read(i, back, 0);
                    if (!Arrays.equals(back, model[i] == null ? zero : model[i])) {
                        throw new AssertionError("step " + step + ": slot " + i + " differs");
                    }
                } else {
                    dev.store().compact();
                }
                long live = Arrays.stream(model).filter(m -> m != null).count();
                assertThat(dev.mmStat().origDataSize()).isEqualTo(live * ps);
            }
            assertThat(dev.ioStat().notifyFree()).as("one per discarded page, none per overwrite").isEqualTo(discards);
            dev.store().checkInvariants();
        }
    }

    /**
     * io_stat's notify_free as Linux 6.18's zram counts it (observed on this project's machine, and checked over
     * random churn by {@code gmc kernel-check --churn}): every page of a discard counts, used or not; the free of a
     * slot's old contents on an overwrite does not.
     */
    @Test
    void zramDeviceCountsFreeNotificationsAsTheKernel() {
        try (ZramDevice dev = new ZramDevice(StoreConfig.defaults(), 8)) {
            dev.write(0, TestPages.page(1, 0), 0);
            dev.write(0, TestPages.page(1, 1), 0);
            assertThat(dev.ioStat().notifyFree()).as("overwrite").isZero();
            assertThat(dev.mmStat().origDataSize()).isEqualTo(4096);
            for (int i = 0; i < 4; i++) {
                dev.discard(i);
            }
            assertThat(dev.ioStat().notifyFree()).as("4-page discard over 1 used slot").isEqualTo(4);
            assertThat(dev.mmStat().origDataSize()).isZero();
            assertThat(dev.store().ioStat().notifyFree()).as("the store's own count: the one page it freed").isEqualTo(1);
        }
    }

    @Test
    void concurrentStoresLoadsAndFreesFromManyThreads() throws Exception {
        try (PageStore store = new PageStore(StoreConfig.defaults())) {
            ExecutorService ex = Executors.newFixedThreadPool(4 * STRESS);
            try {
                List<Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < 4 * STRESS; t++) {
                    int seed = t + (int) SEED;
                    fs.add(ex.submit(() -> {
                        SplittableRandom r = new SplittableRandom(seed);
                        Map<Long, byte[]> mine = new HashMap<>();
                        List<Long> keys = new ArrayList<>();
                        byte[] back = new byte[4096];
                        for (int i = 0; i < 15_000; i++) {
                            int op = r.nextInt(10);
                            if (op < 4 || keys.isEmpty()) {
                                byte[] p = TestPages.page(seed + 10, r.nextInt(200));
                                long id = store.store(p, 0);
                                mine.put(id, p);
                                keys.add(id);
                            } else if (op < 7) {
                                long id = keys.remove(r.nextInt(keys.size()));
                                store.free(id);
                                mine.remove(id);
                            } else if (op < 9) {
                                long id = keys.get(r.nextInt(keys.size()));
                                store.load(id, back, 0);
                                if (!samePage(back, mine.get(id))) {
                                    throw new AssertionError("thread " + seed + " op " + i + " read differs");
                                }
                            } else {
                                store.compact();
                            }
                        }
                        for (long id : keys) {
                            store.free(id);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
            } finally {
                ex.shutdownNow();
            }
            store.checkInvariants();
            assertThat(store.pagesStored()).isZero();
            assertThat(store.mmStat().memUsedTotal()).isZero();
        }
    }

    /**
     * Frees and loads of the same IDs race while freed entries are reused for new pages at once (each thread stores a
     * new page after every free it wins, on the entry it just freed). Every load must return exactly its own page's
     * bytes or fail as stale — never a later page's bytes — and of racing frees of one ID exactly one must win.
     * The first three codecs decode without the class lock (lz4-java's safe decoder, gmc's LZO1X and 842 decoders),
     * so their decoders see bytes that other threads overwrite; deflate decodes under it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"lz4-kernel", "lzo-rle", "842", "deflate"})
    void racingFreesAndLoadsOfOneIdNeverSeeAnotherPagesBytesAndFreeExactlyOnce(String codec) throws Exception {
        int threads = 4 * STRESS;
        int perRound = 2_000;
        try (PageStore store = new PageStore(StoreConfig.defaults().withCodec(CodecSpec.parse(codec)))) {
            ExecutorService ex = Executors.newFixedThreadPool(threads);
            try {
                long unique = 1;
                for (int round = 0; round < 6; round++) {
                    long[] ids = new long[perRound];
                    Map<Long, byte[]> content = new java.util.concurrent.ConcurrentHashMap<>();
                    for (int i = 0; i < perRound; i++) {
                        byte[] p = uniquePage(round, i, unique++);
                        ids[i] = store.store(p, 0);
                        content.put(ids[i], p);
                    }
                    java.util.concurrent.atomic.AtomicIntegerArray wins = new java.util.concurrent.atomic.AtomicIntegerArray(perRound);
                    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                    long base = unique;
                    unique += (long) threads * perRound;
                    List<Future<List<Long>>> fs = new ArrayList<>();
                    for (int t = 0; t < threads; t++) {
                        int seed = round * threads + t + (int) SEED;
                        long myUnique = base + (long) t * perRound;
                        fs.add(ex.submit(() -> {
                            SplittableRandom r = new SplittableRandom(seed);
                            byte[] back = new byte[4096];
                            List<Long> mine = new ArrayList<>();
                            long u = myUnique;
                            go.await();
                            for (int k = 0; k < 3 * perRound; k++) {
                                int i = r.nextInt(perRound);
                                long id = ids[i];
                                if (r.nextBoolean()) {
                                    try {
                                        store.load(id, back, 0);
                                        if (!samePage(back, content.get(id))) {
                                            throw new AssertionError("load of " + PageId.describe(id) + " returned other bytes");
                                        }
                                    } catch (InvalidPageIdException e) {
                                        assertThat(e.getMessage()).startsWith("stale");
                                    }
                                } else {
                                    try {
                                        store.free(id);
                                    } catch (InvalidPageIdException e) {
                                        assertThat(e.getMessage()).startsWith("stale");
                                        continue;
                                    }
                                    wins.incrementAndGet(i);
                                    byte[] p = uniquePage(seed + 100, k, u++); // likely lands on the entry just freed
                                    long nid = store.store(p, 0);
                                    content.put(nid, p);
                                    mine.add(nid);
                                }
                            }
                            return mine;
                        }));
                    }
                    go.countDown();
                    List<Long> survivors = new ArrayList<>();
                    for (Future<List<Long>> f : fs) {
                        survivors.addAll(f.get());
                    }
                    byte[] back = new byte[4096];
                    for (int i = 0; i < perRound; i++) {
                        assertThat(wins.get(i)).as("successful frees of entry %d", i).isLessThanOrEqualTo(1);
                        if (wins.get(i) == 0) {
                            survivors.add(ids[i]);
                        }
                    }
                    store.checkInvariants();
                    assertThat(store.pagesStored()).isEqualTo(survivors.size());
                    for (long id : survivors) {
                        store.load(id, back, 0);
                        assertThat(samePage(back, content.get(id))).as("survivor %s", PageId.describe(id)).isTrue();
                        store.free(id);
                    }
                    assertThat(store.pagesStored()).isZero();
                }
            } finally {
                ex.shutdownNow();
            }
            store.checkInvariants();
            assertThat(store.mmStat().memUsedTotal()).isZero();
        }
    }

    /** A test page made unique by {@code u}: same-filled pages get {@code u} as their word, others carry it at 0. */
    private static byte[] uniquePage(long seed, int i, long u) {
        byte[] p = TestPages.page(seed, i);
        if (SameFilled.test(p, 0)) {
            SameFilled.fill(p, 0, u);
        } else {
            java.nio.ByteBuffer.wrap(p).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, u);
        }
        return p;
    }
}
