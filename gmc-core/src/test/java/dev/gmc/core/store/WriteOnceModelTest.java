package dev.gmc.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.codec.PageCodec;
import dev.gmc.core.codec.TestPages;
import dev.gmc.core.pool.SizeClassTable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The counting model against a real {@link PageStore} (emulated zsmalloc with real bytes) fed the same pages. */
class WriteOnceModelTest {

    @ParameterizedTest
    @CsvSource({"lz4-kernel,8,store-raw,0", "lz4,4,store-raw,0", "zstd:3,16,reject,0", "lz4-kernel,8,reject,2000",
        "lz4hc:9,8,store-raw,1200"})
    void everyFigureEqualsTheRealStores(String codec, int chain, String policy, int threshold) {
        StoreConfig cfg = StoreConfig.defaults().withCodec(CodecSpec.parse(codec))
                .withClasses(SizeClassTable.withChain(chain)).withPolicy(IncompressiblePolicy.parse(policy))
                .withThreshold(threshold);
        int n = 3000;
        byte[] pages = TestPages.pages(chain * 31L + threshold, n);
        WriteOnceModel whole = new WriteOnceModel(cfg);
        WriteOnceModel[] parts = {new WriteOnceModel(cfg), new WriteOnceModel(cfg), new WriteOnceModel(cfg)};
        byte[] comp = new byte[2 * 4096];
        try (PageStore store = new PageStore(cfg); PageCodec codecInstance = cfg.codec().newCodec()) {
            for (int p = 0; p < n; p++) {
                int off = p * 4096;
                long id = store.store(pages, off);
                WriteOnceModel part = parts[(p * 7) % parts.length]; // pages split unevenly and out of order
                if (SameFilled.test(pages, off)) {
                    whole.addSame(SameFilled.fillValue(pages, off));
                    part.addSame(SameFilled.fillValue(pages, off));
                    continue;
                }
                int len = codecInstance.compress(pages, off, 4096, comp, 0, comp.length);
                int stored = whole.addCompressed(len);
                part.addCompressed(len);
                if (id == PageStore.REJECTED) {
                    assertThat(stored).as("page %d", p).isEqualTo(WriteOnceModel.REJECTED);
                } else {
                    assertThat(stored).as("page %d", p).isEqualTo(store.storedLength(id));
                }
            }
            WriteOnceModel merged = new WriteOnceModel(cfg);
            for (WriteOnceModel m : parts) {
                merged.add(m);
            }
            MmStat real = store.mmStat();
            assertThat(whole.mmStat()).isEqualTo(real);
            assertThat(merged.mmStat()).isEqualTo(real);
            GmcCounters rc = store.counters();
            GmcCounters mc = merged.counters();
            assertThat(mc.compressed()).isEqualTo(rc.compressed());
            assertThat(mc.zeroPages()).isEqualTo(rc.zeroPages());
            assertThat(mc.sameNonZeroPages()).isEqualTo(rc.sameNonZeroPages());
            assertThat(mc.rejected()).isEqualTo(rc.rejected());
            assertThat(mc.stores()).isEqualTo(rc.stores());
            assertThat(real.memUsedTotal()).isPositive();
            // the minimum metadata cannot exceed what the real store holds (it has growth slack on top)
            assertThat(merged.metadataBytes()).isPositive().isLessThanOrEqualTo(store.metadataBytes());
        }
    }
}
