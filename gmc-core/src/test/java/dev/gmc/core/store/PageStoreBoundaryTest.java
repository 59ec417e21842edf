package dev.gmc.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.codec.PageCodec;
import dev.gmc.core.pool.SizeClassTable;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The store's edges that {@link PageStoreTest} does not reach: pages at offsets other than 0, the huge threshold and
 * mem_limit at their exact values, every GMC counter after a known sequence, a closed store, IDs at the entry table's
 * segment edges, entry reuse under churn and the heap-metadata bound. Each test was written against a mutant that PIT
 * showed the other tests let through (docs/TESTING.md, "Mutation score").
 */
class PageStoreBoundaryTest {
    private static final int PAGE = 4096;

    private static byte[] compressiblePage(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] p = new byte[PAGE];
        for (int i = 0; i < PAGE; i += 16) {
            Arrays.fill(p, i, i + 16, (byte) r.nextInt(4));
        }
        return p;
    }

    private static byte[] noise(long seed) {
        byte[] p = new byte[PAGE];
        new SplittableRandom(seed).nextBytes(p);
        return p;
    }

    /** Pages taken from and restored to offsets other than 0 (a buffer of several pages), huge and compressed alike. */
    @ParameterizedTest
    @ValueSource(ints = {1, 100, PAGE + 7})
    void pagesAtAnOffsetRoundTrip(int off) {
        try (PageStore store = new PageStore(StoreConfig.defaults())) {
            byte[][] pages = {compressiblePage(1), noise(2)};
            long[] ids = new long[2];
            for (int i = 0; i < 2; i++) {
                byte[] big = new byte[off + PAGE + 33];
                new SplittableRandom(20 + i).nextBytes(big);
                System.arraycopy(pages[i], 0, big, off, PAGE);
                ids[i] = store.store(big, off);
            }
            assertThat(store.kind(ids[0])).isNotEqualTo(store.kind(ids[1])); // one compressed, one huge
            for (int i = 0; i < 2; i++) {
                byte[] out = new byte[off + PAGE + 5];
                store.load(ids[i], out, off);
                assertThat(Arrays.copyOfRange(out, off, off + PAGE)).as("page %d", i).isEqualTo(pages[i]);
                assertThat(Arrays.copyOf(out, off)).as("bytes before the page").containsOnly(0);
            }
            store.checkInvariants();
        }
    }

    /** storeCompressed with the page and its block at different offsets: each is read from its own. */
    @Test
    void storeCompressedReadsThePageAndTheBlockAtTheirOwnOffsets() {
        try (PageStore store = new PageStore(StoreConfig.defaults());
             PageCodec codec = CodecSpec.parse("lz4-kernel").newCodec()) {
            byte[] page = compressiblePage(3);
            byte[] pageBuf = new byte[PAGE + 300];
            System.arraycopy(page, 0, pageBuf, 300, PAGE);
            byte[] comp = new byte[PAGE * 2];
            int len = codec.compress(page, 0, PAGE, comp, 50, comp.length - 50);
            long id = store.storeCompressed(pageBuf, 300, comp, 50, len);
            byte[] huge = noise(4);
            byte[] hugeBuf = new byte[PAGE + 9];
            System.arraycopy(huge, 0, hugeBuf, 9, PAGE);
            long hid = store.storeCompressed(hugeBuf, 9, comp, 50, PageStore.INCOMPRESSIBLE);
            byte[] out = new byte[PAGE];
            store.load(id, out, 0);
            assertThat(out).isEqualTo(page);
            store.load(hid, out, 0);
            assertThat(out).isEqualTo(huge);
        }
    }

    /** zram: {@code comp_len >= huge_class_size} stores the page raw; one byte less is a compressed object. */
    @Test
    void aBlockOfExactlyTheThresholdIsHuge() {
        SizeClassTable t = SizeClassTable.kernelDefault();
        int threshold = t.hugeClassSize();
        try (PageStore store = new PageStore(StoreConfig.defaults())) {
            byte[] page = noise(5);
            byte[] comp = new byte[PAGE]; // never decoded here: only the lengths matter
            long below = store.storeCompressed(page, 0, comp, 0, threshold - 1);
            long at = store.storeCompressed(page, 0, comp, 0, threshold);
            assertThat(store.kind(below)).isEqualTo(PageStore.Kind.COMPRESSED);
            assertThat(store.storedLength(below)).isEqualTo(threshold - 1);
            assertThat(store.kind(at)).isEqualTo(PageStore.Kind.HUGE);
            assertThat(store.mmStat().hugePages()).isEqualTo(1);
            assertThat(store.mmStat().comprDataSize()).isEqualTo(threshold - 1 + PAGE);
        }
        try (PageStore store = new PageStore(StoreConfig.defaults().withPolicy(IncompressiblePolicy.REJECT)
                .withThreshold(2048))) {
            byte[] page = noise(6);
            byte[] comp = new byte[PAGE];
            assertThat(store.storeCompressed(page, 0, comp, 0, 2047)).isPositive();
            assertThat(store.storeCompressed(page, 0, comp, 0, 2048)).isEqualTo(PageStore.REJECTED);
            assertThat(store.counters().rejected()).isEqualTo(1);
        }
    }

    /** mem_limit refuses only when the pool would go beyond it: the limit itself is reached. */
    @Test
    void memLimitIsReachedExactly() {
        int limitPages = 7;
        try (PageStore store = new PageStore(StoreConfig.defaults().withMemLimitBytes(limitPages * (long) PAGE))) {
            int stored = 0;
            for (int i = 0; i < 20; i++) {
                if (store.store(noise(100 + i), 0) > 0) { // huge: one pool page each
                    stored++;
                }
            }
            assertThat(stored).isEqualTo(limitPages);
            assertThat(store.mmStat().memUsedTotal()).isEqualTo(limitPages * (long) PAGE);
            assertThat(store.ioStat().failedWrites()).isEqualTo(20 - limitPages);
        }
    }

    /** Every GMC counter after a known sequence of stores, loads, frees, refusals and bad IDs. */
    @Test
    void countersCountEachEventOnce() {
        try (PageStore store = new PageStore(StoreConfig.defaults())) {
            long zero = store.store(new byte[PAGE], 0);
            byte[] fill = new byte[PAGE];
            Arrays.fill(fill, (byte) 0x5A);
            long same = store.store(fill, 0);
            long comp = store.store(compressiblePage(7), 0);
            long comp2 = store.store(compressiblePage(8), 0);
            long huge = store.store(noise(9), 0);
            byte[] out = new byte[PAGE];
            for (long id : new long[] {zero, same, comp, huge, comp}) {
                store.load(id, out, 0);
            }
            assertThatThrownBy(() -> store.load(comp2 + (1L << 40), out, 0)).isInstanceOf(InvalidPageIdException.class);
            assertThatThrownBy(() -> store.free(-5)).isInstanceOf(InvalidPageIdException.class);
            GmcCounters c = store.counters();
            assertThat(c.stores()).isEqualTo(5);
            assertThat(c.compressed()).isEqualTo(2);
            assertThat(c.zeroPages()).isEqualTo(1);
            assertThat(c.sameNonZeroPages()).isEqualTo(1);
            assertThat(c.loads()).isEqualTo(5);
            assertThat(c.invalidIds()).isEqualTo(2);
            assertThat(c.corruptObjects()).isZero();
            assertThat(store.mmStat().samePages()).isEqualTo(2);
            store.free(zero);
            store.free(comp);
            c = store.counters();
            assertThat(c.zeroPages()).isZero();
            assertThat(c.sameNonZeroPages()).isEqualTo(1);
            assertThat(c.compressed()).isEqualTo(1);
            assertThat(store.mmStat().samePages()).isEqualTo(1);
            store.checkInvariants();
        }
    }

    @Test
    void aClosedStoreRefusesEveryOperation() {
        PageStore store = new PageStore(StoreConfig.defaults());
        long id = store.store(compressiblePage(11), 0);
        store.close();
        byte[] out = new byte[PAGE];
        for (Runnable op : new Runnable[] {() -> store.store(out, 0), () -> store.load(id, out, 0),
            () -> store.free(id), store::compact, () -> store.storeCompressed(out, 0, out, 0, 10)}) {
            assertThatThrownBy(op::run).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        }
    }

    @Test
    void idsAtEverySegmentEdgeAreRefusedAsNeverHandedOut() {
        int seg = 4096; // PageStore's entry-table segment
        try (PageStore store = new PageStore(StoreConfig.defaults())) {
            byte[] page = compressiblePage(12);
            long first = store.store(page, 0);
            for (int i = 1; i < 2 * seg + 3; i++) {
                store.store(page, 0);
            }
            byte[] out = new byte[PAGE];
            for (int s = 3; s < 70; s++) {
                for (int index : new int[] {s * seg - 1, s * seg, s * seg + 1}) {
                    long forged = PageId.id(index, 1);
                    assertThat(store.contains(forged)).as("index %d", index).isFalse();
                    assertThatThrownBy(() -> store.load(forged, out, 0)).as("index %d", index)
                            .isInstanceOf(InvalidPageIdException.class);
                }
            }
            store.load(first, out, 0);
            assertThat(out).isEqualTo(page);
        }
    }

    /** Freed entries are reused: storing and freeing over and over keeps the metadata of the first round. */
    @Test
    void churnReusesEntries() {
        try (PageStore store = new PageStore(StoreConfig.defaults())) {
            byte[] page = compressiblePage(13);
            int n = 3 * 4096;
            long[] ids = new long[n];
            long meta = 0;
            for (int round = 0; round < 4; round++) {
                for (int i = 0; i < n; i++) {
                    ids[i] = store.store(page, 0);
                }
                if (round == 1) {
                    meta = store.metadataBytes();
                } else if (round > 1) {
                    assertThat(store.metadataBytes()).as("round %d", round).isEqualTo(meta);
                }
                for (long id : ids) {
                    store.free(id);
                }
            }
            store.checkInvariants();
        }
    }

    /**
     * Issue 2's bound, as a count rather than a benchmark: heap metadata beyond the pool's pages is at least the
     * entry (12 bytes) and the pool handle (8 bytes) of each page and at most 24 bytes a page.
     */
    @Test
    void heapMetadataIsBetween20And24BytesAPage() {
        try (PageStore store = new PageStore(StoreConfig.defaults())) {
            int n = 200_000;
            SplittableRandom r = new SplittableRandom(14);
            byte[] page = new byte[PAGE];
            for (int i = 0; i < n; i++) {
                Arrays.fill(page, (byte) 0);
                for (int k = r.nextInt(64); k > 0; k--) { // sizes from a few bytes to a few hundred
                    page[r.nextInt(PAGE)] = (byte) r.nextInt();
                }
                page[0] = (byte) (1 + r.nextInt(255)); // never same-filled
                assertThat(store.store(page, 0)).isPositive();
            }
            double perPage = store.metadataBytes() / (double) n;
            assertThat(perPage).isBetween(20.0, 24.0);
        }
    }

    @Test
    void samePagesAreFoundAtEveryPageSizeAndOneDifferentWordIsSeen() {
        SplittableRandom r = new SplittableRandom(15);
        for (int size : new int[] {512, 1024, 4096, 16384}) {
            byte[] p = new byte[size + 16];
            for (long v : new long[] {0, 0x0101010101010101L, r.nextLong()}) {
                SameFilled.fill(p, 8, v, size);
                assertThat(SameFilled.testPage(p, 8, size)).as("size %d value %x", size, v).isTrue();
                for (int t = 0; t < 20; t++) {
                    int at = 8 + r.nextInt(size);
                    byte was = p[at];
                    p[at] ^= (byte) (1 + r.nextInt(255));
                    assertThat(SameFilled.testPage(p, 8, size)).as("size %d changed at %d", size, at - 8).isFalse();
                    p[at] = was;
                }
            }
        }
        byte[] page = new byte[PAGE];
        SameFilled.fill(page, 0, 0x1122334455667788L);
        assertThat(SameFilled.fillValue(page, PAGE - 8)).isEqualTo(0x1122334455667788L);
        assertThat(SameFilled.test(page, 0)).isTrue();
    }
}
