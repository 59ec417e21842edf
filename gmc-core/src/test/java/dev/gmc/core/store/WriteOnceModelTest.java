package dev.gmc.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.codec.PageCodec;
import dev.gmc.core.codec.TestPages;
import dev.gmc.core.pool.SizeClassTable;
import java.util.List;
import org.junit.jupiter.api.Test;
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
            // more zero pages than non-zero same-filled ones (the set has as many of each): a model that swapped
            // the two counts would otherwise agree
            byte[] zeros = new byte[4096];
            for (int p = 0; p < 17; p++) {
                store.store(zeros, 0);
                whole.addSame(0);
                parts[p % parts.length].addSame(0);
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
            assertThat(merged.zeroPages()).isEqualTo(rc.zeroPages()).isGreaterThan(rc.sameNonZeroPages());
            assertThat(merged.rejected()).isEqualTo(rc.rejected());
            assertThat(merged.pageSize()).isEqualTo(4096);
            assertThat(real.memUsedTotal()).isPositive();
            // the minimum metadata cannot exceed what the real store holds (it has growth slack on top)
            assertThat(merged.metadataBytes()).isPositive().isLessThanOrEqualTo(store.metadataBytes());
        }
    }

    /**
     * Writes, one recompress pass and a compaction on a real device against the model fed the primary and secondary
     * lengths: every mm_stat field agrees except pages_compacted, which the model leaves unknown (-1).
     */
    @ParameterizedTest
    @CsvSource({"all,0", "huge,0", "all,1500", "huge_idle,0"})
    void recompressionThenCompactionEqualsTheRealDevice(String type, int threshold) {
        List<CodecSpec> secondary = List.of(CodecSpec.parse("lz4hc:12"), CodecSpec.parse("zstd:6"));
        StoreConfig cfg = StoreConfig.defaults().withRecompressCodecs(secondary);
        SizeClassTable t = cfg.classes();
        int n = 2400;
        byte[] pages = TestPages.pages(515, n);
        boolean hugeOnly = type.startsWith("huge");
        WriteOnceModel[] parts = {new WriteOnceModel(cfg), new WriteOnceModel(cfg)};
        byte[] comp = new byte[2 * 4096];
        try (ZramDevice dev = new ZramDevice(cfg, n); PageCodec primary = cfg.codec().newCodec();
             PageCodec s1 = secondary.get(0).newCodec(); PageCodec s2 = secondary.get(1).newCodec()) {
            for (int p = 0; p < n; p++) {
                int off = p * 4096;
                dev.write(p, pages, off);
                WriteOnceModel part = parts[p % 2];
                if (SameFilled.test(pages, off)) {
                    part.addSame(SameFilled.fillValue(pages, off));
                    continue;
                }
                int len = primary.compress(pages, off, 4096, comp, 0, comp.length);
                boolean huge = len >= t.hugeClassSize();
                int objLen = huge ? 4096 : len;
                int newLen = -1;
                if ((!hugeOnly || huge) && objLen >= threshold) {
                    for (PageCodec c : List.of(s1, s2)) {
                        int l = c.compress(pages, off, 4096, comp, 0, comp.length);
                        if (PageStore.recompressionGains(t, objLen, l, threshold)) {
                            newLen = l;
                            break;
                        }
                    }
                }
                part.addRecompressed(len, newLen);
            }
            long comprAfterWrites = dev.mmStat().comprDataSize();
            dev.markIdle();
            ZramDevice.RecompressReport rep = dev.recompress(ZramDevice.RecompressRequest.parse("type=" + type
                    + (threshold > 0 ? " threshold=" + threshold : "")));
            dev.compact();
            WriteOnceModel model = new WriteOnceModel(cfg);
            model.add(parts[1]);
            model.add(parts[0]);
            MmStat real = dev.mmStat();
            MmStat m = model.mmStat();
            assertThat(m.pagesCompacted()).isEqualTo(-1);
            assertThat(new MmStat(m.origDataSize(), m.comprDataSize(), m.memUsedTotal(), m.memLimit(), m.memUsedMax(),
                    m.samePages(), real.pagesCompacted(), m.hugePages(), m.hugePagesSince())).isEqualTo(real);
            assertThat(model.recompressed()).isEqualTo(rep.recompressed()).isPositive();
            assertThat(model.writtenPoolPages() * 4096).isEqualTo(real.memUsedMax());
            assertThat(model.writtenComprBytes()).isEqualTo(comprAfterWrites).isGreaterThan(real.comprDataSize());
            if (hugeOnly) {
                assertThat(model.recompressedHuge()).isEqualTo(model.recompressed());
            }
        }
    }

    /**
     * A class whose objects fill whole zspages is charged exactly its pages, whatever the class: the amortised cost
     * ({@code ppz * PAGE_SIZE / objs} an object) adds up to the pool's own figure, and the shares of two models add up
     * to the merged model's.
     */
    @Test
    void amortisedBytesAddUpToThePoolWhereZspagesAreFull() {
        StoreConfig cfg = StoreConfig.defaults();
        SizeClassTable t = cfg.classes();
        WriteOnceModel a = new WriteOnceModel(cfg);
        WriteOnceModel b = new WriteOnceModel(cfg);
        assertThat(a.amortisedPoolBytes()).isZero();
        int[] lengths = {40, 700, 1500, 3000};
        for (int k = 0; k < lengths.length; k++) {
            int c = t.classFor(lengths[k]);
            WriteOnceModel m = k % 2 == 0 ? a : b;
            for (int i = 0; i < (k + 1) * t.objsPerZspage(c); i++) {
                m.addCompressed(lengths[k]);
            }
        }
        assertThat(a.amortisedPoolBytes()).isPositive().isCloseTo(a.poolPages() * 4096.0, offset(1e-6));
        assertThat(b.amortisedPoolBytes()).isPositive().isCloseTo(b.poolPages() * 4096.0, offset(1e-6));
        double sum = a.amortisedPoolBytes() + b.amortisedPoolBytes();
        a.add(b);
        assertThat(a.amortisedPoolBytes()).isCloseTo(sum, offset(1e-6));
        // one object more is charged its class's share only, not a whole zspage as the pool is
        double before = a.amortisedPoolBytes();
        a.addCompressed(700);
        int c = t.classFor(700);
        assertThat(a.amortisedPoolBytes() - before)
                .isCloseTo(t.pagesPerZspage(c) * 4096.0 / t.objsPerZspage(c), offset(1e-6));
    }
}
