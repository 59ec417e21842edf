package dev.gmc.core.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pool's edges that its model tests ({@link ZsPoolTest}) do not reach: lengths at the slot's capacity, handles
 * at the handle table's segment edges, a capacity filled exactly, the last generation of a handle, refusals and
 * churn that must leak nothing, and which zspages compaction moves objects between. Each test was written against a
 * mutant that PIT showed the other tests let through (docs/TESTING.md, "Mutation score").
 */
class ZsPoolBoundaryTest {
    private static final int SEG_SIZE = 4096; // ZsPool's handle-table segment

    @Test
    void writesAndReadsBeyondTheSlotAreRefusedAndTheObjectKept() {
        ZsPool pool = new ZsPool(SizeClassTable.kernelDefault());
        long h = pool.malloc(100);
        int cap = pool.capacityOf(h);
        assertThat(cap).isGreaterThanOrEqualTo(100);
        byte[] data = new byte[cap + 1];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7 + 1);
        }
        pool.write(h, data, 0, cap); // the whole slot: allowed
        assertThatThrownBy(() -> pool.write(h, new byte[cap + 1], 0, cap + 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("length: " + (cap + 1));
        byte[] scratch = new byte[4096];
        byte[] seen = new byte[cap];
        ZsPool.ObjectReader copy = (buf, off, len) -> System.arraycopy(buf, off, seen, 0, len);
        for (boolean optimistic : new boolean[] {true, false}) {
            assertThatThrownBy(() -> pool.access(h, cap + 1, scratch, copy, optimistic))
                    .as("optimistic %s", optimistic)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("length: " + (cap + 1));
            pool.access(h, cap, scratch, copy, optimistic);
            assertThat(seen).as("optimistic %s", optimistic).isEqualTo(java.util.Arrays.copyOf(data, cap));
        }
        pool.checkInvariants();
    }

    @Test
    void handlesAtEverySegmentEdgeAreRefusedAsForgedNotAsAnArrayIndexError() {
        ZsPool pool = new ZsPool(SizeClassTable.kernelDefault());
        List<Long> live = new ArrayList<>();
        for (int i = 0; i < 2 * SEG_SIZE + 5; i++) { // three segments handed out
            live.add(pool.malloc(40));
        }
        byte[] out = new byte[8];
        for (int seg = 3; seg < 80; seg++) {
            for (int index : new int[] {seg * SEG_SIZE - 1, seg * SEG_SIZE, seg * SEG_SIZE + 1}) {
                long forged = PoolHandle.handle(index, 1); // beyond the high-water mark: never handed out
                assertThat(pool.isLive(forged)).as("index %d", index).isFalse();
                assertThatThrownBy(() -> pool.read(forged, out, 0, 8)).as("index %d", index)
                        .isInstanceOf(InvalidHandleException.class).hasMessageContaining("never handed out");
                assertThatThrownBy(() -> pool.free(forged)).as("index %d", index)
                        .isInstanceOf(InvalidHandleException.class);
            }
        }
        assertThat(pool.isLive(PoolHandle.handle(-1, 1))).isFalse(); // index bits all set
        assertThat(pool.isLive(0)).isFalse();
        assertThat(pool.isLive(live.get(0) | 1L << 60)).isFalse();
        long h = live.get(0);
        assertThat(pool.isLive(h)).isTrue();
        assertThat(pool.isLive(PoolHandle.handle(PoolHandle.index(h), PoolHandle.generation(h) + 1))).isFalse();
        pool.free(h);
        assertThat(pool.isLive(h)).isFalse();
        for (long other : live.subList(1, live.size())) {
            assertThat(pool.isLive(other)).isTrue();
        }
        pool.checkInvariants();
    }

    @Test
    void classForTakesOneToThePageSize() {
        for (int page : new int[] {4096, 16384}) {
            SizeClassTable t = SizeClassTable.kernelDefault().withPageSize(page);
            assertThat(t.classFor(1)).isZero();
            assertThat(t.classFor(page)).isEqualTo(t.hugeClassId());
            assertThatThrownBy(() -> t.classFor(0)).hasMessageContaining("size: 0");
            assertThatThrownBy(() -> t.classFor(page + 1)).hasMessageContaining("size: " + (page + 1));
        }
    }

    /** reservePages: the capacity is a bound that can be reached exactly (as alloc_page succeeding to the last page). */
    @ParameterizedTest
    @ValueSource(ints = {4096, 1000})
    void aCapacityIsFilledToItsLastPage(int size) {
        SizeClassTable t = SizeClassTable.kernelDefault();
        int ppz = t.pagesPerZspage(t.classFor(size));
        long capacity = 3L * ppz;
        ZsPool pool = new ZsPool(t, capacity);
        int stored = 0;
        while (pool.malloc(size) != 0) {
            stored++;
        }
        assertThat(pool.totalPages()).isEqualTo(capacity);
        assertThat(stored).isEqualTo(3 * t.objsPerZspage(t.classFor(size)));
        pool.checkInvariants();
    }

    /** A handle index lives 2^20 − 1 generations, then is retired: a stale handle can never match a reused index. */
    @Test
    void anIndexAtItsLastGenerationIsRetiredOnFree() {
        ZsPool pool = new ZsPool(SizeClassTable.kernelDefault());
        long keep = pool.malloc(64);
        long h = pool.malloc(64);
        int index = PoolHandle.index(h);
        long first = h;
        // the class's handle cache is LIFO: a free followed by a malloc reuses the index with the next generation
        while (PoolHandle.generation(h) < PoolHandle.MAX_GEN) {
            int gen = PoolHandle.generation(h);
            pool.free(h);
            h = pool.malloc(64);
            assertThat(PoolHandle.index(h)).isEqualTo(index);
            assertThat(PoolHandle.generation(h)).isEqualTo(gen + 1);
        }
        long last = h;
        pool.free(last);
        long next = pool.malloc(64);
        assertThat(PoolHandle.index(next)).as("the retired index is not handed out again").isNotEqualTo(index);
        for (long stale : new long[] {first, last}) {
            assertThat(pool.isLive(stale)).isFalse();
            assertThatThrownBy(() -> pool.read(stale, new byte[8], 0, 8)).isInstanceOf(InvalidHandleException.class);
        }
        for (int i = 0; i < 10_000; i++) { // many more indices: the retired one never comes back
            assertThat(PoolHandle.index(pool.malloc(64))).isNotEqualTo(index);
        }
        assertThat(pool.isLive(keep)).isTrue();
        assertThat(pool.isLive(next)).isTrue();
        pool.checkInvariants();
    }

    /** A refused malloc gives its handle index back: refusals under a full pool grow nothing. */
    @Test
    void refusalsLeakNoHandles() {
        ZsPool pool = new ZsPool(SizeClassTable.kernelDefault(), 4);
        for (int size : new int[] {3000, 4096}) { // the class's zspages, then single huge pages up to the capacity
            while (pool.malloc(size) != 0) {
                // fill
            }
        }
        assertThat(pool.totalPages()).isEqualTo(4);
        long meta = pool.metadataBytes();
        for (int i = 0; i < 3 * SEG_SIZE; i++) {
            assertThat(pool.malloc(3000)).isZero();
            assertThat(pool.malloc(4096)).isZero(); // the huge class's refusal too
        }
        assertThat(pool.metadataBytes()).isEqualTo(meta);
        pool.checkInvariants();
    }

    /**
     * Freed zspages' ids and frames and freed handle indices are reused: filling, emptying and refilling a pool many
     * times over holds the heap of the first refill (a huge class and a small one, beyond the handle caches' batches).
     */
    @ParameterizedTest
    @ValueSource(ints = {4096, 3000, 100})
    void churnReusesFramesAndHandles(int size) {
        ZsPool pool = new ZsPool(SizeClassTable.kernelDefault());
        int n = 3 * SEG_SIZE;
        long[] handles = new long[n];
        long frames = 0;
        long meta = 0;
        for (int round = 0; round < 4; round++) {
            for (int i = 0; i < n; i++) {
                handles[i] = pool.malloc(size);
            }
            if (round == 1) { // after one free of everything: the free stacks have grown to hold what was freed
                frames = pool.frameBytes();
                meta = pool.metadataBytes();
            }
            if (round >= 1) {
                assertThat(pool.frameBytes()).as("round %d", round).isEqualTo(frames);
                assertThat(pool.metadataBytes()).as("round %d", round).isEqualTo(meta);
            }
            for (int i = round % 2 == 0 ? 0 : n - 1; i >= 0 && i < n; i += round % 2 == 0 ? 1 : -1) {
                pool.free(handles[i]);
            }
            assertThat(pool.totalPages()).isZero();
        }
        pool.checkInvariants();
    }

    /** zs_can_compact is 0 while fewer than a zspage's worth of slots are free: compaction moves nothing. */
    @Test
    void compactionMovesNothingWhenNoZspageCanBeFreed() {
        SizeClassTable t = SizeClassTable.kernelDefault();
        int size = 1000;
        int objs = t.objsPerZspage(t.classFor(size));
        ZsPool pool = new ZsPool(t);
        List<Long> hs = malloc(pool, size, objs + 2);
        pool.free(hs.remove(0)); // inuse objs + 1 over two zspages: objs − 1 slots free
        Map<Long, List<Integer>> before = places(pool, hs);
        assertThat(pool.compact()).isZero();
        assertThat(places(pool, hs)).isEqualTo(before);
        pool.checkInvariants();
    }

    /**
     * __zs_compact takes the fullest zspage as destination and the emptiest as source: with zspages holding 1, half
     * and all-but-one objects, the single object moves into the nearly full one and the half-full one is untouched.
     */
    @Test
    void compactionMovesTheEmptiestZspageIntoTheFullest() {
        SizeClassTable t = SizeClassTable.kernelDefault();
        int size = 1000;
        int objs = t.objsPerZspage(t.classFor(size));
        assertThat(objs).isGreaterThanOrEqualTo(4);
        ZsPool pool = new ZsPool(t);
        List<List<Long>> zspages = new ArrayList<>();
        for (int z = 0; z < 3; z++) {
            zspages.add(malloc(pool, size, objs)); // one full zspage each
        }
        int[] keep = {1, objs / 2, objs - 1};
        for (int z = 0; z < 3; z++) {
            List<Long> hs = zspages.get(z);
            while (hs.size() > keep[z]) {
                pool.free(hs.remove(hs.size() - 1));
            }
        }
        int[] ids = new int[3];
        for (int z = 0; z < 3; z++) {
            ids[z] = pool.locate(zspages.get(z).get(0))[1];
        }
        Map<Long, List<Integer>> half = places(pool, zspages.get(1));
        Map<Long, List<Integer>> full = places(pool, zspages.get(2));
        long pages = pool.totalPages();
        assertThat(pool.compact()).isEqualTo(t.pagesPerZspage(t.classFor(size)));
        assertThat(pool.totalPages()).isEqualTo(pages - t.pagesPerZspage(t.classFor(size)));
        assertThat(pool.locate(zspages.get(0).get(0))[1]).as("the lone object's zspage").isEqualTo(ids[2]);
        assertThat(places(pool, zspages.get(1))).isEqualTo(half);
        assertThat(places(pool, zspages.get(2))).isEqualTo(full);
        pool.checkInvariants();
    }

    private static List<Long> malloc(ZsPool pool, int size, int n) {
        List<Long> hs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            hs.add(pool.malloc(size));
        }
        return hs;
    }

    private static Map<Long, List<Integer>> places(ZsPool pool, List<Long> handles) {
        Map<Long, List<Integer>> m = new HashMap<>();
        for (long h : handles) {
            int[] at = pool.locate(h);
            m.put(h, List.of(at[0], at[1], at[2]));
        }
        return m;
    }
}
