package dev.gmc.core.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The class table gmc builds equals the kernel-derived reference tables (shared/reference, copied into test
 * resources) row for row, and the comp_len ranges of the CSV map to the same class through {@link
 * SizeClassTable#classFor(int)}.
 */
class SizeClassTableTest {

    @ParameterizedTest
    @CsvSource({"zsmalloc-classes-chain8.csv, 8, MIN_TAIL_WASTE", "zsmalloc-classes-chain4-legacy.csv, 4, LEGACY_USED_PERCENT"})
    void matchesReferenceCsvRowForRow(String csv, int chain, SizeClassTable.ChainRule rule) throws Exception {
        SizeClassTable t = SizeClassTable.of(chain, rule);
        List<String[]> rows = new ArrayList<>();
        int hugeFromHeader = -1;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                getClass().getResourceAsStream("/zsmalloc/" + csv), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("#")) {
                    Matcher m = Pattern.compile("huge_class_size=(\\d+)").matcher(line);
                    if (m.find()) {
                        hugeFromHeader = Integer.parseInt(m.group(1));
                    }
                } else if (!line.startsWith("class_index")) {
                    rows.add(line.split(","));
                }
            }
        }
        assertThat(t.classCount()).as("distinct classes").isEqualTo(rows.size());
        assertThat(t.hugeClassSize()).isEqualTo(hugeFromHeader);
        for (int c = 0; c < rows.size(); c++) {
            String[] row = rows.get(c);
            String at = csv + " row " + c;
            assertThat(t.kernelIndex(c)).as(at + " class_index").isEqualTo(Integer.parseInt(row[0]));
            assertThat(t.size(c)).as(at + " class_size").isEqualTo(Integer.parseInt(row[1]));
            assertThat(t.pagesPerZspage(c)).as(at + " pages_per_zspage").isEqualTo(Integer.parseInt(row[2]));
            assertThat(t.objsPerZspage(c)).as(at + " objs_per_zspage").isEqualTo(Integer.parseInt(row[3]));
            assertThat(t.bytesPerObject(c)).as(at + " bytes_per_object").isCloseTo(Double.parseDouble(row[4]),
                    org.assertj.core.data.Offset.offset(0.006));
            int lo = Integer.parseInt(row[5]);
            int hi = Integer.parseInt(row[6]);
            assertThat(t.classFor(lo)).as(at + " comp_len_min").isEqualTo(c);
            assertThat(t.classFor(hi)).as(at + " comp_len_max").isEqualTo(c);
            if (lo > 1) {
                assertThat(t.classFor(lo - 1)).as(at + " below comp_len_min").isEqualTo(c - 1);
            }
            assertThat(t.isHuge(c)).as(at + " is_huge").isEqualTo(row[7].equals("1"));
        }
    }

    @Test
    void everyLengthMapsToTheSmallestSlotThatHoldsItPlusHandle() {
        for (SizeClassTable t : List.of(SizeClassTable.kernelDefault(), SizeClassTable.legacy(), SizeClassTable.withChain(16),
                SizeClassTable.kernelDefault().withPageSize(16384), SizeClassTable.legacy().withPageSize(16384))) {
            for (int len = 1; len <= t.pageSize(); len++) {
                int c = t.classFor(len);
                if (len < t.hugeClassSize()) {
                    assertThat(t.size(c)).as("slot for %d in %s", len, t).isGreaterThanOrEqualTo(len + 8);
                    assertThat(t.isHuge(c)).isFalse();
                } else {
                    assertThat(t.isHuge(c)).as("%d in %s", len, t).isTrue();
                }
                if (c > 0) { // monotone and tight: the next smaller class cannot hold it
                    assertThat(t.size(c - 1)).isLessThan(len + 8);
                }
            }
        }
    }

    @Test
    void classCountsAndHugeSizesFromKernelFacts() {
        // kernel-facts.md §1.3: chain 4 → 69, chain 8 → 119, chain 16 → 192; huge_class_size 3257 / 3625 / 3833.
        assertThat(SizeClassTable.legacy().classCount()).isEqualTo(69);
        assertThat(SizeClassTable.withChain(4).classCount()).isEqualTo(69);
        assertThat(SizeClassTable.kernelDefault().classCount()).isEqualTo(119);
        assertThat(SizeClassTable.withChain(16).classCount()).isEqualTo(192);
        assertThat(SizeClassTable.legacy().hugeClassSize()).isEqualTo(3257);
        assertThat(SizeClassTable.kernelDefault().hugeClassSize()).isEqualTo(3625);
        assertThat(SizeClassTable.withChain(16).hugeClassSize()).isEqualTo(3833);
        // §1.2: size 208 gets 2 pages under the old rule and 3 under the new one with chain 4.
        assertThat(SizeClassTable.legacyPagesPerZspage(208, 4)).isEqualTo(2);
        assertThat(SizeClassTable.chainSize(208, 4)).isEqualTo(3);
    }

    @ParameterizedTest
    @CsvSource({"24, 1000, 8", "100, 10000, 280", "585, 10000, 1491", "1000, 1000, 250", "2048, 1000, 536",
            "3600, 100, 96", "3630, 100, 100"})
    void workedExamplesOfKernelFactsChain8(int compLen, int n, long pages) {
        SizeClassTable t = SizeClassTable.kernelDefault();
        long[] counts = new long[t.classCount()];
        counts[t.classFor(compLen)] = n;
        assertThat(t.compactedPages(counts)).isEqualTo(pages);
        // and the pool itself, filled with n such objects, owns exactly that many pages
        ZsPool pool = new ZsPool(t);
        for (int i = 0; i < n; i++) {
            pool.malloc(compLen);
        }
        assertThat(pool.totalPages()).isEqualTo(pages);
    }

    @Test
    void thirtyTwoBitKernelsFollowTheKernelsFormulas() {
        // ZS_MIN_ALLOC_SIZE = MAX(32, chain << 12 >> OBJ_INDEX_BITS), OBJ_INDEX_BITS = 32 - (phys - 12) - tag bits.
        for (int chain = 1; chain <= 16; chain++) {
            for (SizeClassTable.ChainRule rule : SizeClassTable.ChainRule.values()) {
                assertThat(KernelArch.BIT64.minAllocSize(chain, rule)).isEqualTo(32);
                assertThat(KernelArch.ARM32.minAllocSize(chain, rule)).isEqualTo(32); // 11-12 index bits
                int indexBits = 32 - (40 - 12) - (rule == SizeClassTable.ChainRule.LEGACY_USED_PERCENT ? 1 : 0);
                assertThat(KernelArch.ARM32_LPAE.minAllocSize(chain, rule))
                        .isEqualTo(Math.max(32, (chain << 12) >> indexBits));
            }
        }
        // Measured on Debian's armhf kernels: 2048 with LPAE for both 6.1 (chain 4, tag bit) and 6.12 (chain 8).
        assertThat(KernelArch.ARM32_LPAE.minAllocSize(4, SizeClassTable.ChainRule.LEGACY_USED_PERCENT)).isEqualTo(2048);
        assertThat(KernelArch.ARM32_LPAE.minAllocSize(8, SizeClassTable.ChainRule.MIN_TAIL_WASTE)).isEqualTo(2048);

        SizeClassTable arm = SizeClassTable.of(8, SizeClassTable.ChainRule.MIN_TAIL_WASTE, KernelArch.ARM32);
        SizeClassTable x64 = SizeClassTable.kernelDefault();
        // The same sizes and chains, only the handle differs: huge_class_size moves up by 4 (size - (handle - 1)).
        assertThat(arm.classCount()).isEqualTo(x64.classCount());
        assertThat(arm.hugeClassSize()).isEqualTo(x64.hugeClassSize() + 4);
        for (int len = 1; len <= 4096; len++) {
            assertThat(arm.size(arm.classFor(len))).as("length %d", len)
                    .isEqualTo(x64.size(x64.classFor(Math.max(1, len - 4))));
        }
        SizeClassTable lpae = SizeClassTable.of(8, SizeClassTable.ChainRule.MIN_TAIL_WASTE, KernelArch.ARM32_LPAE);
        assertThat(lpae.minAllocSize()).isEqualTo(2048);
        assertThat(lpae.sizeIndices()).isEqualTo(129);
        assertThat(lpae.size(lpae.classFor(1))).isEqualTo(2048);
        assertThat(lpae.hugeClassSize()).isEqualTo(arm.hugeClassSize()); // the top classes are the same
        // One class of 4096 (chain 16 with LPAE): no class holds two objects, so huge_class_size is 0.
        SizeClassTable one = SizeClassTable.of(16, SizeClassTable.ChainRule.MIN_TAIL_WASTE, KernelArch.ARM32_LPAE);
        assertThat(one.classCount()).isEqualTo(1);
        assertThat(one.hugeClassSize()).isZero();
    }

    /**
     * 16 KiB pages (arm64's CONFIG_ARM64_16K_PAGES): the same loops with ZS_SIZE_CLASS_DELTA = 16384 >> 8 = 64 and 257
     * size indices, the last one capped at the page. Checked here against the rules restated through the public
     * accessors; ArmKernelTest checks the resulting mm_stat against Debian's arm64-16k kernels 6.12 and 6.18.
     */
    @Test
    void sixteenKiBPagesTakeTheKernelsLoopsWithA64ByteDelta() {
        for (SizeClassTable t : List.of(SizeClassTable.kernelDefault().withPageSize(16384),
                SizeClassTable.legacy().withPageSize(16384))) {
            assertThat(t.pageSize()).isEqualTo(16384);
            assertThat(t.classDelta()).isEqualTo(64);
            assertThat(t.sizeIndices()).isEqualTo(257);
            assertThat(t.minAllocSize()).isEqualTo(32);
            assertThat(t.size(t.classCount() - 1)).isEqualTo(16384);
            int hugeFrom = 0;
            for (int c = 0; c < t.classCount(); c++) {
                int size = t.size(c);
                int ppz = t.pagesPerZspage(c);
                assertThat(size == 16384 || (size - 32) % 64 == 0).as("size %d", size).isTrue();
                assertThat(ppz).isBetween(1, t.maxChain());
                assertThat(t.objsPerZspage(c)).isEqualTo(ppz * 16384 / size);
                if (t.rule() == SizeClassTable.ChainRule.MIN_TAIL_WASTE && Integer.bitCount(size) != 1) {
                    for (int i = 1; i <= t.maxChain(); i++) { // no chain wastes less; ties go to the shorter
                        assertThat(i * 16384 % size).as("size %d, %d pages", size, i)
                                .isGreaterThanOrEqualTo(ppz * 16384 % size);
                        if (i < ppz) {
                            assertThat(i * 16384 % size).isGreaterThan(ppz * 16384 % size);
                        }
                    }
                }
                if (c > 0) { // merged: neighbours differ in (pages, objects)
                    assertThat(t.pagesPerZspage(c - 1) == ppz && t.objsPerZspage(c - 1) == t.objsPerZspage(c)).isFalse();
                }
                if (ppz != 1 && t.objsPerZspage(c) != 1) {
                    hugeFrom = size - 7; // the largest class with more than one page and object, minus handle - 1
                }
            }
            assertThat(t.hugeClassSize()).isEqualTo(hugeFrom);
            assertThat(t.isHuge(t.classFor(hugeFrom))).isTrue();
            assertThat(t.isHuge(t.classFor(hugeFrom - 1))).isFalse();
        }
        assertThat(SizeClassTable.kernelDefault().withPageSize(16384).hugeClassSize()).isEqualTo(14553);
        SizeClassTable fourK = SizeClassTable.kernelDefault();
        assertThat(fourK.withPageSize(4096)).isSameAs(fourK);
    }

    @Test
    void otherPageSizesAreRefusedWhereNoKernelHasThem() {
        assertThatThrownBy(() -> SizeClassTable.kernelDefault().withPageSize(8192))
                .hasMessage("page size: 8192 bytes (expected 4096, 16384 or 65536)");
        assertThatThrownBy(() -> SizeClassTable.of(8, SizeClassTable.ChainRule.MIN_TAIL_WASTE, KernelArch.ARM32)
                .withPageSize(16384)).hasMessageContaining("32-bit ARM kernels have 4 KiB pages only");
    }

    /**
     * The pool's handle keeps 12 bits for an object's index in its zspage (PoolHandle), and its per-zspage counts are
     * shorts: enough for every table the kernel's rules give, at most 256 objects per zspage at 4 KiB pages, 512 at
     * 16 KiB and 2,048 at 64 KiB (32-byte slots in one page), so a pool can be built over each.
     */
    @Test
    void everyKernelTableFitsThePoolsObjectIndex() {
        for (int page : new int[] {4096, 16384, 65536}) {
            int most = 0;
            for (int chain = 1; chain <= 16; chain++) {
                for (SizeClassTable.ChainRule rule : SizeClassTable.ChainRule.values()) {
                    SizeClassTable t = SizeClassTable.of(chain, rule).withPageSize(page);
                    for (int c = 0; c < t.classCount(); c++) {
                        most = Math.max(most, t.objsPerZspage(c));
                    }
                    new ZsPool(t);
                }
            }
            assertThat(most).as("%d-byte pages", page).isEqualTo(page == 4096 ? 256 : page == 16384 ? 512 : 2048);
        }
    }
}
