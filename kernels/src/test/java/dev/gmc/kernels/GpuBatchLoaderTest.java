package dev.gmc.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.codec.CorruptPageException;
import dev.gmc.core.store.BatchLoader;
import dev.gmc.core.store.InvalidPageIdException;
import dev.gmc.core.store.PageId;
import dev.gmc.core.store.PageStore;
import dev.gmc.core.store.StoreConfig;
import dev.gmc.core.store.LoaderLanes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link GpuBatchLoader} on the OpenCL device (PoCL in CI): batches larger than the restorer's capacity, scattered
 * destinations, and failures (a corrupt block, a stale ID) reported at their index in the whole batch.
 */
class GpuBatchLoaderTest {
    static final int PAGE = 4096;
    static Lz4Program program;
    static byte[] pages;

    @BeforeAll
    static void setUp() {
        program = new Lz4Program(TestData.deviceOrSkip(), 64);
        pages = TestData.concat(TestData.edgeCases(3), TestData.realMix(), TestData.samples());
    }

    @AfterAll
    static void tearDown() {
        if (program != null) {
            program.close();
        }
    }

    /** Page i goes to arrays[n - 1 - i] at offset 5 (reverse order, each in its own array). */
    static BatchLoader.Destinations reversed(byte[][] arrays) {
        return new BatchLoader.Destinations() {
            @Override
            public byte[] array(int i) {
                return arrays[arrays.length - 1 - i];
            }

            @Override
            public int offset(int i) {
                return 5;
            }
        };
    }

    /** Overwrites a stored page's compressed bytes in the pool (package-private in gmc-core: reflection). */
    static void corrupt(PageStore store, long id) throws ReflectiveOperationException {
        java.lang.reflect.Method index = PageId.class.getDeclaredMethod("index", long.class);
        index.setAccessible(true);
        int i = (int) index.invoke(null, id);
        java.lang.reflect.Field values = PageStore.class.getDeclaredField("values");
        values.setAccessible(true);
        long handle = ((long[][]) values.get(store))[i >>> 12][i & 0xFFF];
        java.lang.reflect.Method pool = PageStore.class.getDeclaredMethod("pool");
        pool.setAccessible(true);
        byte[] junk = new byte[store.storedLength(id)];
        Arrays.fill(junk, (byte) 0xF0);
        ((dev.gmc.core.pool.ZsPool) pool.invoke(store)).write(handle, junk, 0, junk.length);
    }

    /** One lane (launches one after another) and three (launches at once, each lane its own restorer). */
    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void batchesBeyondCapacityComeBackExactAndFailuresKeepTheirIndex(int laneCount) throws Exception {
        int n = Math.min(600, pages.length / PAGE);
        List<GpuRestorer> restorers = new ArrayList<>();
        try (PageStore store = new PageStore(StoreConfig.defaults().withCodec(CodecSpec.parse("lz4")));
             LoaderLanes lanes = new LoaderLanes(laneCount)) {
            for (int l = 0; l < laneCount; l++) {
                restorers.add(new GpuRestorer(program, KernelKind.COOP, 64));
            }
            GpuBatchLoader loader = laneCount == 1 ? new GpuBatchLoader(restorers.get(0))
                    : new GpuBatchLoader(restorers, lanes);
            assertThat(loader.name()).isEqualTo(laneCount == 1 ? "gpu:coop" : "gpu:coop:lanes=3");
            long[] ids = new long[n];
            for (int p = 0; p < n; p++) {
                ids[p] = store.store(pages, p * PAGE);
            }
            byte[][] out = new byte[n][PAGE + 5];
            assertThat(loader.loadAll(store, ids, n, reversed(out))).isEmpty();
            for (int p = 0; p < n; p++) {
                assertThat(Arrays.equals(out[n - 1 - p], 5, 5 + PAGE, pages, p * PAGE, p * PAGE + PAGE))
                        .as("page %d (%s)", p, store.kind(ids[p])).isTrue();
            }
            GpuRestorer.Stats s = loader.stats();
            assertThat(s.batches()).isEqualTo((n + 63) / 64);
            assertThat(s.onDevice()).as("pages decoded on the device").isPositive();
            assertThat(s.cpuFallbacks()).isZero();

            // a corrupt block in a later launch, a stale ID in the seventh: both reported at their batch index
            int corrupt = 6 * 64 - 1;
            while (store.kind(ids[corrupt]) != PageStore.Kind.COMPRESSED) {
                corrupt--;
            }
            assertThat(corrupt).as("a compressed page after the first launch").isGreaterThanOrEqualTo(64);
            corrupt(store, ids[corrupt]);
            int stale = 6 * 64 + 3;
            store.free(ids[stale]);
            byte[][] again = new byte[n][PAGE + 5];
            List<BatchLoader.Failure> failed = loader.loadAll(store, ids, n, reversed(again));
            assertThat(failed).extracting(BatchLoader.Failure::index).containsExactly(corrupt, stale);
            assertThat(failed.get(0).error()).isInstanceOf(CorruptPageException.class);
            assertThat(failed.get(0).id()).isEqualTo(ids[corrupt]);
            assertThat(failed.get(1).error()).isInstanceOf(InvalidPageIdException.class);
            assertThat(loader.staleFallbacks()).isEqualTo(1);
            for (int p = 0; p < n; p++) {
                if (p != corrupt && p != stale) {
                    assertThat(Arrays.equals(again[n - 1 - p], 5, 5 + PAGE, pages, p * PAGE, p * PAGE + PAGE))
                            .as("page %d after the failures", p).isTrue();
                }
            }
            assertThat(store.contains(ids[corrupt])).as("nothing freed").isTrue();

            // a caller error thrown on a helper lane reaches the caller
            try (PageStore zstd = new PageStore(StoreConfig.defaults().withCodec(CodecSpec.parse("zstd")))) {
                long[] zids = new long[n];
                for (int p = 0; p < n; p++) {
                    zids[p] = zstd.store(pages, p * PAGE);
                }
                assertThatThrownBy(() -> loader.loadAll(zstd, zids, n, reversed(new byte[n][PAGE + 5])))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not write LZ4 blocks");
            }
        } finally {
            restorers.forEach(GpuRestorer::close);
        }
    }

    @Test
    void restorersMustMatchTheLanes() {
        try (LoaderLanes two = new LoaderLanes(2);
             GpuRestorer coop = new GpuRestorer(program, KernelKind.COOP, 4);
             GpuRestorer wi = new GpuRestorer(program, KernelKind.PER_ITEM, 4)) {
            assertThatThrownBy(() -> new GpuBatchLoader(List.of(coop), two))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 restorers for 2 loader lanes");
            assertThatThrownBy(() -> new GpuBatchLoader(List.of(coop, wi), two))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kinds coop and wi");
        }
    }
}
