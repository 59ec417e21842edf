package dev.gmc.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gmc.core.codec.CorruptPageException;
import dev.gmc.core.codec.TestPages;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link BatchLoader#CPU} and {@link BatchLoader#cpu(LoaderLanes)}: scattered destinations, every page exact, a stale
 * or corrupt page listed at its index and kept.
 */
class BatchLoaderTest {
    /** One lane, and three (the batch cut into three ranges: the corrupt page in the second, the stale in the third). */
    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void cpuLoaderRestoresIntoScatteredDestinationsAndListsWhatItCannot(int laneCount) {
        try (PageStore store = new PageStore(StoreConfig.defaults()); LoaderLanes lanes = new LoaderLanes(laneCount)) {
            int n = 800;
            long[] ids = new long[n];
            for (int i = 0; i < n; i++) {
                ids[i] = store.store(TestPages.page(6, i), 0);
            }
            int corrupt = 6 + 25 * TestPages.KINDS; // a text page: stored compressed
            assertThat(store.kind(ids[corrupt])).isEqualTo(PageStore.Kind.COMPRESSED);
            byte[] junk = new byte[store.storedLength(ids[corrupt])];
            Arrays.fill(junk, (byte) 0xF0);
            store.pool().write(PageStoreTest.valueOf(store, ids[corrupt]), junk, 0, junk.length);
            int stale = 700;
            store.free(ids[stale]);

            // destinations in reverse order, each in its own array at an odd offset
            byte[][] arrays = new byte[n][4096 + 13];
            BatchLoader.Destinations dst = new BatchLoader.Destinations() {
                @Override
                public byte[] array(int i) {
                    return arrays[n - 1 - i];
                }

                @Override
                public int offset(int i) {
                    return 13;
                }
            };
            BatchLoader loader = BatchLoader.cpu(lanes);
            assertThat(loader.name()).isEqualTo(laneCount == 1 ? "cpu" : "cpu:lanes=3");
            List<BatchLoader.Failure> failed = loader.loadAll(store, ids, n, dst);

            assertThat(failed).extracting(BatchLoader.Failure::index).containsExactly(corrupt, stale);
            assertThat(failed.get(0).id()).isEqualTo(ids[corrupt]);
            assertThat(failed.get(0).error()).isInstanceOf(CorruptPageException.class);
            assertThat(failed.get(1).error()).isInstanceOf(InvalidPageIdException.class);
            for (int i = 0; i < n; i++) {
                if (i != corrupt && i != stale) {
                    assertThat(Arrays.copyOfRange(arrays[n - 1 - i], 13, 13 + 4096)).as("page %d", i)
                            .isEqualTo(TestPages.page(6, i));
                }
            }
            assertThat(store.contains(ids[corrupt])).as("a loader never frees").isTrue();
            assertThat(store.pagesStored()).isEqualTo(n - 1);
        }
    }
}
