package dev.gmc.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.codec.PageCodec;
import dev.gmc.core.codec.TestPages;
import dev.gmc.core.pool.SizeClassTable;
import dev.gmc.core.store.PageStore.RecompressOutcome;
import dev.gmc.core.store.ZramDevice.RecompressReport;
import dev.gmc.core.store.ZramDevice.RecompressRequest;
import dev.gmc.core.store.ZramDevice.RecompressType;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * zram's recompression (CONFIG_ZRAM_MULTI_COMP) against a plain model of the kernel's rules (recompress_store,
 * scan_slots_for_recompress, select_pp_slot, recompress_slot of Linux 6.18), with the page sizes taken from codecs
 * run on their own; and zs_lookup_class_index against the reference class tables.
 */
class RecompressTest {
    private static final CodecSpec PRIMARY = CodecSpec.parse("lz4-kernel");
    private static final List<CodecSpec> SECONDARY = List.of(CodecSpec.parse("lz4hc:12"), CodecSpec.parse("zstd:9"));

    /**
     * The class zs_lookup_class_index gives for a size is the one whose caller range (sizes before the 8-byte handle)
     * holds size - 8: the lookup does not add the handle as zs_malloc does. Checked for every size on both tables.
     */
    @ParameterizedTest
    @CsvSource({"zsmalloc-classes-chain8.csv, 8, MIN_TAIL_WASTE", "zsmalloc-classes-chain4-legacy.csv, 4, LEGACY_USED_PERCENT"})
    void lookupClassIndexIsTheReferenceClassOfTheSizeWithoutItsHandle(String csv, int chain,
            SizeClassTable.ChainRule rule) throws Exception {
        List<int[]> rows = new ArrayList<>(); // {class_index, comp_len_min, comp_len_max}
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                getClass().getResourceAsStream("/zsmalloc/" + csv), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("#") || line.startsWith("class_index")) {
                    continue;
                }
                String[] f = line.split(",");
                rows.add(new int[] {Integer.parseInt(f[0]), Integer.parseInt(f[5]), Integer.parseInt(f[6])});
            }
        }
        SizeClassTable t = SizeClassTable.of(chain, rule);
        for (int size = 0; size <= 8192; size++) {
            int callerSize = Math.max(1, Math.min(size - 8, 4096));
            int expected = -1;
            for (int[] r : rows) {
                if (callerSize >= r[1] && callerSize <= r[2]) {
                    expected = r[0];
                }
            }
            if (size - 8 > rows.get(rows.size() - 1)[2]) {
                expected = rows.get(rows.size() - 1)[0]; // beyond the table: the last class, as get_size_class_index caps
            }
            assertThat(t.lookupClassIndex(size)).as("%s size %d", csv, size).isEqualTo(expected);
        }
    }

    /** One slot of the model: what zram's table entry would hold. */
    private static final class Slot {
        byte[] content;
        int prio;
        int len; // object length (4096 huge, 0 same-filled)
        boolean huge;
        boolean same;
        boolean idle;
        boolean incompressible;
    }

    /**
     * Random writes, reads, discards, idle marking and recompress requests on a device and on the model; after every
     * step each slot's priority, object length, kind, flags and bytes, mm_stat and the reports agree.
     */
    @Test
    void zramDeviceRecompressesAsTheKernelsRulesOverRandomOperations() {
        StoreConfig cfg = StoreConfig.defaults().withCodec(PRIMARY).withRecompressCodecs(SECONDARY);
        SizeClassTable t = cfg.classes();
        int n = 96;
        Slot[] model = new Slot[n];
        PageCodec[] codecs = {PRIMARY.newCodec(), SECONDARY.get(0).newCodec(), SECONDARY.get(1).newCodec()};
        byte[] out = new byte[16384];
        long recompressedTotal = 0;
        long hugeSince = 0;
        SplittableRandom r = new SplittableRandom(4242);
        try (ZramDevice dev = new ZramDevice(cfg, n)) {
            int pageNo = 0;
            for (int step = 0; step < 400; step++) {
                int op = r.nextInt(10);
                if (op < 5) { // write
                    int i = r.nextInt(n);
                    byte[] p = TestPages.page(9, pageNo++);
                    assertThat(dev.write(i, p, 0)).isTrue();
                    Slot s = new Slot();
                    s.content = p;
                    s.same = SameFilled.test(p, 0);
                    if (!s.same) {
                        int len = codecs[0].compress(p, 0, 4096, out, 0, out.length);
                        s.huge = len >= t.hugeClassSize();
                        s.len = s.huge ? 4096 : len;
                        hugeSince += s.huge ? 1 : 0;
                    }
                    model[i] = s;
                } else if (op == 5) { // read
                    int i = r.nextInt(n);
                    byte[] back = new byte[4096];
                    dev.read(i, back, 0);
                    if (model[i] != null) {
                        assertThat(Arrays.equals(back, model[i].content)).isTrue();
                        model[i].idle = false;
                    }
                } else if (op == 6) { // discard
                    int i = r.nextInt(n);
                    dev.discard(i);
                    model[i] = null;
                } else if (op == 7) {
                    int idle = dev.markIdle();
                    int expected = 0;
                    for (Slot s : model) {
                        if (s != null && !s.same) {
                            s.idle = true;
                            expected++;
                        }
                    }
                    assertThat(idle).isEqualTo(expected);
                } else { // recompress
                    RecompressType type = RecompressType.values()[r.nextInt(4)];
                    long maxPages = r.nextInt(3) == 0 ? r.nextInt(12) : -1;
                    int threshold = r.nextInt(3) == 0 ? 200 + r.nextInt(3000) : 0;
                    int priority = r.nextInt(4) == 0 ? 1 + r.nextInt(2) : 0;
                    String algo = priority == 0 && r.nextInt(4) == 0 ? (r.nextBoolean() ? "zstd" : "lz4hc:12") : null;
                    RecompressRequest req = new RecompressRequest(type, maxPages, threshold, algo, priority);
                    long[] expected = modelRecompress(model, req, t, codecs, out);
                    RecompressReport rep = dev.recompress(req);
                    assertThat(new long[] {rep.candidates(), rep.attempted(), rep.recompressed(), rep.incompressible()})
                            .as("step %d %s", step, req).containsExactly(expected);
                    assertThat(rep.error()).isNull();
                    recompressedTotal += rep.recompressed();
                }
                checkAgainstModel(dev, model, hugeSince, "step " + step);
            }
            assertThat(recompressedTotal).as("the run recompressed pages").isGreaterThan(20);
            dev.store().checkInvariants();
        } finally {
            for (PageCodec c : codecs) {
                c.close();
            }
        }
    }

    private static void checkAgainstModel(ZramDevice dev, Slot[] model, long hugeSince, String at) {
        long compr = 0;
        long stored = 0;
        long huge = 0;
        long same = 0;
        byte[] back = new byte[4096];
        for (int i = 0; i < model.length; i++) {
            Slot s = model[i];
            long id = dev.idAt(i);
            if (s == null) {
                assertThat(id).as("%s slot %d", at, i).isZero();
                continue;
            }
            stored++;
            same += s.same ? 1 : 0;
            huge += s.huge ? 1 : 0;
            compr += s.len;
            PageStore st = dev.store();
            assertThat(st.storedLength(id)).as("%s slot %d length", at, i).isEqualTo(s.len);
            assertThat(st.priorityOf(id)).as("%s slot %d priority", at, i).isEqualTo(s.prio);
            assertThat(st.kind(id)).as("%s slot %d kind", at, i)
                    .isEqualTo(s.same ? PageStore.Kind.SAME : s.huge ? PageStore.Kind.HUGE : PageStore.Kind.COMPRESSED);
            assertThat(dev.isIdle(i)).as("%s slot %d idle", at, i).isEqualTo(s.idle);
            assertThat(dev.isIncompressible(i)).as("%s slot %d incompressible", at, i).isEqualTo(s.incompressible);
            st.load(id, back, 0); // the store directly: a device read would clear the slot's idle flag
            assertThat(Arrays.equals(back, s.content)).as("%s slot %d bytes", at, i).isTrue();
        }
        MmStat mm = dev.mmStat();
        assertThat(new long[] {mm.origDataSize(), mm.comprDataSize(), mm.samePages(), mm.hugePages(), mm.hugePagesSince()})
                .as(at).containsExactly(stored * 4096, compr, same, huge, hugeSince);
    }

    /**
     * The kernel's recompress_store on the model, written from its source: returns {candidates, attempted,
     * recompressed, newly incompressible}.
     */
    private static long[] modelRecompress(Slot[] model, RecompressRequest req, SizeClassTable t, PageCodec[] codecs,
            byte[] out) {
        int active = codecs.length;
        int prio = 1;
        int prioMax = active;
        if (req.priority() != 0) {
            prio = req.priority();
            prioMax = prio + 1;
        }
        if (req.algo() != null) {
            prio = req.algo().equals("zstd") ? 2 : 1;
            prioMax = prio + 1;
        }
        List<Integer> cand = new ArrayList<>();
        for (int i = 0; i < model.length; i++) {
            Slot s = model[i];
            boolean wantIdle = req.type() == RecompressType.IDLE || req.type() == RecompressType.HUGE_IDLE;
            boolean wantHuge = req.type() == RecompressType.HUGE || req.type() == RecompressType.HUGE_IDLE;
            if (s == null || (wantIdle && !s.idle) || (wantHuge && !s.huge) || s.same || s.incompressible
                    || s.prio + 1 >= prioMax) {
                continue;
            }
            cand.add(i);
        }
        // buckets of 64 bytes, the largest first; within one, the slot added last (highest index) first
        cand.sort(Comparator.comparingInt((Integer i) -> model[i].len / 64).reversed()
                .thenComparing(Comparator.<Integer>reverseOrder()));
        long budget = req.maxPages() < 0 ? Long.MAX_VALUE : req.maxPages();
        long attempted = 0;
        long replaced = 0;
        long marked = 0;
        for (int i : cand) {
            if (budget == 0) {
                break;
            }
            Slot s = model[i];
            if (s.len < req.threshold()) {
                continue;
            }
            s.idle = false;
            int p = Math.max(prio, s.prio + 1);
            if (p >= prioMax) {
                continue;
            }
            int oldClass = t.lookupClassIndex(s.len);
            int newLen = -1;
            for (; p < prioMax; p++) {
                int len = codecs[p].compress(s.content, 0, 4096, out, 0, out.length);
                if (t.lookupClassIndex(len) < oldClass && (req.threshold() == 0 || len < req.threshold())) {
                    newLen = len;
                    break;
                }
            }
            budget--;
            attempted++;
            if (newLen < 0) {
                if (p >= active) {
                    s.incompressible = true;
                    marked++;
                }
                continue;
            }
            s.len = newLen;
            s.prio = p;
            s.huge = false;
            s.incompressible = false;
            replaced++;
        }
        return new long[] {cand.size(), attempted, replaced, marked};
    }

    /** Recompressing every page, then compacting, leaves the pool at the kernel's formula for the new sizes. */
    @Test
    void afterRecompressionAndCompactionThePoolIsTheFormulaOfTheNewSizes() {
        StoreConfig cfg = StoreConfig.defaults().withCodec(PRIMARY).withRecompressCodecs(List.of(CodecSpec.parse("zstd:3")));
        SizeClassTable t = cfg.classes();
        int n = 600;
        try (ZramDevice dev = new ZramDevice(cfg, n)) {
            for (int i = 0; i < n; i++) {
                dev.write(i, TestPages.page(31, i), 0);
            }
            long before = dev.mmStat().comprDataSize();
            long usedMaxBefore = dev.mmStat().memUsedMax();
            RecompressReport rep = dev.recompress(RecompressRequest.all());
            assertThat(rep.recompressed()).isGreaterThan(100);
            assertThat(rep.comprBefore()).isEqualTo(before);
            assertThat(rep.comprAfter()).isEqualTo(dev.mmStat().comprDataSize()).isLessThan(before);
            assertThat(dev.mmStat().memUsedMax()).as("recompression does not sample mem_used_max").isEqualTo(usedMaxBefore);
            dev.compact();
            long[] perClass = new long[t.classCount()];
            long compr = 0;
            for (int i = 0; i < n; i++) {
                long id = dev.idAt(i);
                int len = dev.store().storedLength(id);
                compr += len;
                if (len > 0) {
                    perClass[t.classFor(len)]++;
                }
            }
            assertThat(dev.mmStat().comprDataSize()).isEqualTo(compr);
            assertThat(dev.mmStat().memUsedTotal()).isEqualTo(t.compactedPages(perClass) * 4096);
            byte[] back = new byte[4096];
            for (int i = 0; i < n; i++) {
                dev.read(i, back, 0);
                assertThat(Arrays.equals(back, TestPages.page(31, i))).as("slot %d", i).isTrue();
            }
            // A second run finds every remaining candidate already at the highest priority or incompressible.
            assertThat(dev.recompress(RecompressRequest.all()).attempted()).isZero();
            dev.store().checkInvariants();
        }
    }

    @Test
    void badRequestsAreClearErrorsAsTheKernelsEinval() {
        assertThatThrownBy(() -> RecompressRequest.parse("type=cold")).hasMessageContaining("type 'cold'");
        assertThatThrownBy(() -> RecompressRequest.parse("max_pages=ten")).hasMessageContaining("max_pages 'ten' is not a number");
        assertThatThrownBy(() -> RecompressRequest.parse("thresold=100")).hasMessageContaining("unknown key 'thresold'");
        assertThatThrownBy(() -> RecompressRequest.parse("type=")).hasMessageContaining("expected KEY=VALUE");
        RecompressRequest ok = RecompressRequest.parse(" type=huge_idle  max_pages=7 threshold=1000 algo=zstd priority=0 ");
        assertThat(ok).isEqualTo(new RecompressRequest(RecompressType.HUGE_IDLE, 7, 1000, "zstd", 1));
        try (ZramDevice plain = new ZramDevice(StoreConfig.defaults(), 4);
             ZramDevice dev = new ZramDevice(StoreConfig.defaults().withRecompressCodecs(List.of(CodecSpec.parse("zstd"))), 4)) {
            assertThatThrownBy(() -> plain.recompress(RecompressRequest.all())).hasMessageContaining("the device has none");
            assertThatThrownBy(() -> dev.recompress(RecompressRequest.parse("threshold=3625")))
                    .hasMessageContaining("huge_class_size 3625");
            assertThatThrownBy(() -> dev.recompress(RecompressRequest.parse("algo=lzo"))).hasMessageContaining("algo 'lzo'");
            assertThatThrownBy(() -> dev.recompress(RecompressRequest.parse("priority=2")))
                    .hasMessageContaining("no recompression codec at priority 2");
            assertThat(dev.recompress(RecompressRequest.parse("max_pages=0"))).isEqualTo(
                    new RecompressReport(0, 0, 0, 0, 0, 0, null));
        }
        assertThatThrownBy(() -> StoreConfig.defaults().withRecompressCodecs(List.of(PRIMARY, PRIMARY, PRIMARY, PRIMARY)))
                .hasMessageContaining("priorities 1..3");
    }

    /**
     * A recompressed page gets a new ID and the old one is stale; a pool with no room leaves the old object in place
     * (NO_MEMORY, counted as spent); a same-filled page is never touched.
     */
    @Test
    void recompressHandsOutANewIdAndAFullPoolKeepsTheOldObject() {
        StoreConfig cfg = StoreConfig.defaults().withRecompressCodecs(List.of(CodecSpec.parse("zstd:9")));
        byte[] back = new byte[4096];
        try (PageStore store = new PageStore(cfg)) {
            byte[] p = lowEntropyPage(5);
            long id = store.store(p, 0);
            assertThat(store.kind(id)).isEqualTo(PageStore.Kind.HUGE);
            PageStore.Recompression rc = store.recompress(id, 1, 2, 0);
            assertThat(rc.outcome()).isEqualTo(RecompressOutcome.RECOMPRESSED);
            assertThat(rc.id()).isNotEqualTo(id);
            assertThat(store.contains(id)).isFalse();
            assertThatThrownBy(() -> store.load(id, back, 0)).isInstanceOf(InvalidPageIdException.class)
                    .hasMessageContaining("stale");
            store.load(rc.id(), back, 0);
            assertThat(back).isEqualTo(p);
            assertThat(store.codecOf(rc.id())).isEqualTo(CodecSpec.parse("zstd:9"));
            assertThat(store.mmStat().hugePages()).isZero();
            assertThat(store.mmStat().hugePagesSince()).isEqualTo(1);
            assertThat(store.recompress(rc.id(), 1, 2, 0).outcome()).isEqualTo(RecompressOutcome.AT_PRIORITY);

            long sameId = store.store(new byte[4096], 0);
            assertThat(store.recompress(sameId, 1, 2, 0).outcome()).isEqualTo(RecompressOutcome.SAME_FILLED);
        }
        // A pool of exactly the pages the huge objects take: the smaller object has nowhere to go.
        try (PageStore store = new PageStore(cfg.withCapacityPages(2))) {
            long a = store.store(lowEntropyPage(1), 0);
            long b = store.store(lowEntropyPage(2), 0);
            PageStore.Recompression rc = store.recompress(a, 1, 2, 0);
            assertThat(rc.outcome()).isEqualTo(RecompressOutcome.NO_MEMORY);
            assertThat(rc.spent()).isTrue();
            assertThat(rc.id()).isEqualTo(a);
            store.load(a, back, 0);
            assertThat(back).isEqualTo(lowEntropyPage(1));
            store.load(b, back, 0);
            assertThat(back).isEqualTo(lowEntropyPage(2));
            store.checkInvariants();
        }
    }

    /** The device reports a full pool by name and slot and stops, keeping every page. */
    @Test
    void deviceStopsAtAFullPoolNamingTheSlot() {
        StoreConfig cfg = StoreConfig.defaults().withRecompressCodecs(List.of(CodecSpec.parse("zstd:9"))).withCapacityPages(3);
        try (ZramDevice dev = new ZramDevice(cfg, 3)) {
            for (int i = 0; i < 3; i++) {
                assertThat(dev.write(i, lowEntropyPage(i), 0)).isTrue();
            }
            RecompressReport rep = dev.recompress(RecompressRequest.all());
            assertThat(rep.error()).contains("no pool memory").contains("slot 2");
            assertThat(rep.recompressed()).isZero();
            byte[] back = new byte[4096];
            for (int i = 0; i < 3; i++) {
                dev.read(i, back, 0);
                assertThat(back).isEqualTo(lowEntropyPage(i));
            }
        }
    }

    /** Recompressing pages on several threads while others store, load and free other pages loses nothing. */
    @Test
    void concurrentRecompressionOfDistinctPagesWithOtherTraffic() throws Exception {
        StoreConfig cfg = StoreConfig.defaults().withRecompressCodecs(SECONDARY);
        int threads = 4;
        int perThread = 300;
        try (PageStore store = new PageStore(cfg)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> fs = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int tt = t;
                    fs.add(pool.submit(() -> {
                        byte[] back = new byte[4096];
                        long[] ids = new long[perThread];
                        for (int i = 0; i < perThread; i++) {
                            ids[i] = store.store(TestPages.page(100 + tt, i), 0);
                        }
                        for (int round = 0; round < 2; round++) {
                            for (int i = 0; i < perThread; i++) {
                                if ((i + round) % 3 == 0) {
                                    ids[i] = store.recompress(ids[i], 1, 3, 0).id();
                                } else {
                                    store.load(ids[i], back, 0);
                                    if (!Arrays.equals(back, TestPages.page(100 + tt, i))) {
                                        throw new AssertionError("thread " + tt + " page " + i);
                                    }
                                }
                            }
                        }
                        for (int i = 0; i < perThread; i++) {
                            store.load(ids[i], back, 0);
                            if (!Arrays.equals(back, TestPages.page(100 + tt, i))) {
                                throw new AssertionError("thread " + tt + " page " + i + " after recompression");
                            }
                            if (i % 2 == 0) {
                                store.free(ids[i]);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            store.checkInvariants();
            assertThat(store.mmStat().origDataSize()).isEqualTo((long) threads * (perThread / 2) * 4096);
        }
    }

    /**
     * A free racing a recompression of the same ID: exactly one wins; the loser gets a stale-ID error; no object is
     * leaked and no counter drifts (the zram slot lock forbids this race; the store must still survive it).
     */
    @Test
    void aFreeRacingARecompressionOfTheSameIdLeaksNothing() throws Exception {
        StoreConfig cfg = StoreConfig.defaults().withRecompressCodecs(List.of(CodecSpec.parse("zstd:3")));
        ExecutorService other = Executors.newSingleThreadExecutor();
        int freedFirst = 0;
        int recompressedFirst = 0;
        try (PageStore store = new PageStore(cfg)) {
            for (int k = 0; k < 1500; k++) {
                long id = store.store(lowEntropyPage(k % 7), 0);
                java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                Future<Boolean> free = other.submit(() -> {
                    go.await();
                    try {
                        store.free(id);
                        return true;
                    } catch (InvalidPageIdException e) {
                        return false;
                    }
                });
                go.countDown();
                long survivor = 0;
                try {
                    PageStore.Recompression r = store.recompress(id, 1, 2, 0);
                    if (r.outcome() == RecompressOutcome.RECOMPRESSED) {
                        survivor = r.id();
                    }
                } catch (InvalidPageIdException e) {
                    assertThat(e).hasMessageContaining("stale");
                }
                boolean freed = free.get();
                if (freed) {
                    freedFirst++;
                    assertThat(survivor).as("round %d: freed, yet recompressed", k).isZero();
                } else {
                    recompressedFirst++;
                    assertThat(survivor).as("round %d: neither freed nor recompressed", k).isNotZero();
                    store.free(survivor);
                }
                assertThat(store.pagesStored()).as("round %d", k).isZero();
            }
            store.checkInvariants();
            assertThat(store.mmStat().comprDataSize()).isZero();
            assertThat(store.mmStat().hugePages()).isZero();
        } finally {
            other.shutdownNow();
        }
        assertThat(freedFirst + recompressedFirst).isEqualTo(1500);
    }

    /** Bytes from a 16-symbol alphabet: LZ4 finds no matches (a huge page), zstd's entropy stage halves them. */
    static byte[] lowEntropyPage(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] p = new byte[4096];
        for (int i = 0; i < p.length; i++) {
            p[i] = (byte) (0x30 + r.nextInt(16));
        }
        return p;
    }
}
