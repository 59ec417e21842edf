package dev.gmc.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.codec.PageCodec;
import dev.gmc.core.codec.TestPages;
import dev.gmc.core.pool.SizeClassTable;
import dev.gmc.core.store.ZramDevice.WritebackMode;
import dev.gmc.core.store.ZramDevice.WritebackOrder;
import dev.gmc.core.store.ZramDevice.WritebackReport;
import dev.gmc.core.store.ZramDevice.WritebackRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * zram writeback (CONFIG_ZRAM_WRITEBACK) against a plain model written from the kernel's {@code writeback_store} (6.12:
 * one pass in slot order; 6.18: {@code scan_slots_for_writeback}, {@code place_pp_slot}, {@code select_pp_slot} and
 * {@code zram_writeback_slots}), {@code alloc_block_bdev}, {@code free_block_bdev}, {@code zram_free_page}, {@code
 * mark_idle}, {@code bd_stat_show} and the writeback limit ({@code writeback_limit_enable}, {@code writeback_limit}), with each page's object size from the codec run on its own and the store-raw
 * threshold from the class table.
 * Random writes (synthetic pages: compressible, huge and same-filled), reads, discards, idle marks, writebacks of every
 * mode and compactions; after every step each slot's bytes, ZRAM_WB and ZRAM_IDLE, bd_stat and mm_stat's page and
 * byte counts must be the model's.
 */
class WritebackTest {
    private static final int PAGES = 300;

    /** One slot of the model: what zram's table entry holds. */
    private static final class Slot {
        byte[] content; // null: empty
        int len; // object length: the page size if huge, 0 same-filled or written back
        boolean huge;
        boolean same;
        boolean idle;
        int block = -1; // >= 0: ZRAM_WB, the block that holds it
    }

    private static final class Model {
        final Slot[] slots = new Slot[PAGES];
        final BitSet used = new BitSet();
        final int blocks;
        final int ps; // PAGE_SIZE
        final int units; // 1 << (PAGE_SHIFT - 12): what a page counts in bd_stat and the limit
        final int firstBlock; // 1 up to 6.18 (alloc_block_bdev skips block 0), 0 from 6.19
        final boolean rounded; // 6.19: writeback_limit_store rounds down to a multiple of units
        long bdCount;
        long bdReads;
        long bdWrites;
        boolean limitOn; // writeback_limit_enable
        long limit; // bd_wb_limit

        Model(int blocks, int ps, boolean from619) {
            this.blocks = blocks;
            this.ps = ps;
            this.units = ps / 4096;
            this.firstBlock = from619 ? 0 : 1;
            this.rounded = from619;
            for (int i = 0; i < PAGES; i++) {
                slots[i] = new Slot();
            }
        }

        /** zram_free_page. */
        void free(Slot s) {
            if (s.block >= 0) {
                used.clear(s.block);
                bdCount--;
            }
            s.content = null;
            s.len = 0;
            s.huge = false;
            s.same = false;
            s.idle = false;
            s.block = -1;
        }

        /** The lowest free block from firstBlock, or -1. */
        int alloc() {
            int b = used.nextClearBit(firstBlock);
            if (b >= blocks) {
                return -1;
            }
            used.set(b);
            bdCount++;
            return b;
        }

        boolean chosen(Slot s, WritebackMode mode) {
            if (s.content == null || s.block >= 0 || s.same) {
                return false;
            }
            boolean idleMode = mode == WritebackMode.IDLE || mode == WritebackMode.HUGE_IDLE;
            boolean hugeMode = mode == WritebackMode.HUGE || mode == WritebackMode.HUGE_IDLE;
            // nothing is ZRAM_INCOMPRESSIBLE without recompression
            return !(idleMode && !s.idle || hugeMode && !s.huge || mode == WritebackMode.INCOMPRESSIBLE);
        }

        void writeTo(Slot s, int blk) {
            bdWrites++;
            byte[] c = s.content;
            free(s);
            s.content = c;
            s.block = blk;
        }

        /**
         * 6.18: scan_slots_for_writeback puts each chosen slot at the head of its bucket's list (size / 64; huge =
         * PAGE_SIZE); zram_writeback_slots takes the first slot of the highest non-empty bucket, a block for it, and so on.
         */
        WritebackReport writebackLargestFirst(WritebackMode mode, int page) {
            List<List<Integer>> buckets = new ArrayList<>();
            for (int b = 0; b <= ps / 64; b++) {
                buckets.add(new ArrayList<>());
            }
            int from = mode == WritebackMode.PAGE ? page : 0;
            int to = mode == WritebackMode.PAGE ? page + 1 : PAGES;
            for (int index = from; index < to; index++) {
                if (chosen(slots[index], mode)) {
                    buckets.get(slots[index].len / 64).add(0, index); // list_add
                }
            }
            int written = 0;
            for (int b = ps / 64; b >= 0; b--) {
                for (int index : buckets.get(b)) {
                    if (limitOn && limit == 0) {
                        return new WritebackReport(written, "EIO");
                    }
                    int blk = alloc();
                    if (blk < 0) {
                        return new WritebackReport(written, "ENOSPC");
                    }
                    writeTo(slots[index], blk);
                    written++;
                    if (limitOn && limit != 0) { // u64: a limit below a page's units wraps, as in the kernel
                        limit -= units; // 1UL << (PAGE_SHIFT - 12)
                    }
                }
            }
            return new WritebackReport(written, null);
        }

        /** 6.12's writeback_store, its loop as the kernel writes it. */
        WritebackReport writeback(WritebackMode mode, int page) {
            int from = mode == WritebackMode.PAGE ? page : 0;
            int n = mode == WritebackMode.PAGE ? 1 : PAGES;
            int blk = -1;
            int written = 0;
            String error = null;
            for (int index = from; n != 0; index++, n--) {
                if (limitOn && limit == 0) {
                    error = "EIO";
                    break;
                }
                if (blk < 0) {
                    blk = alloc();
                    if (blk < 0) {
                        error = "ENOSPC";
                        break;
                    }
                }
                Slot s = slots[index];
                if (!chosen(s, mode)) {
                    continue;
                }
                writeTo(s, blk);
                blk = -1;
                written++;
                if (limitOn && limit != 0) {
                    limit -= units;
                }
            }
            if (blk >= 0) {
                used.clear(blk);
                bdCount--;
            }
            return new WritebackReport(written, error);
        }
    }

    /**
     * 6.12 ({@code SLOT_INDEX}), 6.18 ({@code LARGEST_FIRST}) and 6.19 ({@code BATCHED}: 6.18's order with block 0
     * used and the limit rounded down; one scan per request lists no slot twice, so completing writes later changes
     * nothing here).
     */
    @ParameterizedTest(name = "{2}, seed {0}, backing device of {1} blocks, {3}-byte pages")
    @CsvSource({"1, 400, SLOT_INDEX, 4096", "2, 40, SLOT_INDEX, 4096", "3, 2, SLOT_INDEX, 4096",
            "4, 1, SLOT_INDEX, 4096", "1, 400, LARGEST_FIRST, 4096", "2, 40, LARGEST_FIRST, 4096",
            "3, 2, LARGEST_FIRST, 4096", "4, 1, LARGEST_FIRST, 4096",
            "5, 400, SLOT_INDEX, 16384", "6, 40, LARGEST_FIRST, 16384", "7, 2, LARGEST_FIRST, 16384",
            "1, 400, BATCHED, 4096", "2, 40, BATCHED, 4096", "3, 2, BATCHED, 4096", "4, 1, BATCHED, 4096",
            "6, 40, BATCHED, 16384", "7, 2, BATCHED, 16384",
            "1, 400, COMPRESSED, 4096", "3, 2, COMPRESSED, 4096", "6, 40, COMPRESSED, 16384"})
    void randomOperationsMatchTheKernelsRules(long seed, int blocks, String kind, int ps) {
        boolean compressed = kind.equals("COMPRESSED"); // 7.3 with compressed_writeback: 6.19's rules, other blocks
        boolean from619 = kind.equals("BATCHED") || compressed;
        WritebackOrder order = kind.equals("SLOT_INDEX") ? WritebackOrder.SLOT_INDEX : WritebackOrder.LARGEST_FIRST;
        ZramDevice.Behaviour behaviour = compressed ? ZramDevice.Behaviour.LINUX_7_3
                : from619 ? ZramDevice.Behaviour.LINUX_6_19
                : order == WritebackOrder.SLOT_INDEX ? ZramDevice.Behaviour.LINUX_6_12 : ZramDevice.Behaviour.LINUX_6_18;
        StoreConfig config = StoreConfig.defaults().withCodec(CodecSpec.parse("lz4-kernel"))
                .withClasses(SizeClassTable.kernelDefault().withPageSize(ps));
        int hugeClass = config.threshold(); // store-raw at this compressed length (huge_class_size)
        byte[] src = new byte[200 * ps]; // compressible, huge and same-filled pages
        for (int p = 0; p < 200; p++) {
            System.arraycopy(PageStoreTest.page(ps, seed, p), 0, src, p * ps, ps);
        }
        for (int p = 1; p < 200; p += 12) { // same-filled at any page size (at 16 KiB the 4 quarters' words differ)
            SameFilled.fill(src, p * ps, 0x0101_0101_0101_0101L * p, ps);
        }
        PageCodec codec = config.codec().newCodec();
        byte[] out = new byte[2 * ps];
        int[] objLen = new int[200];
        boolean[] same = new boolean[200];
        for (int p = 0; p < 200; p++) {
            same[p] = SameFilled.test(src, p * ps, 8, ps);
            int len = codec.compress(src, p * ps, ps, out, 0, out.length);
            objLen[p] = same[p] ? 0 : len >= hugeClass ? ps : len;
        }
        Model m = new Model(blocks, ps, from619);
        SplittableRandom rnd = new SplittableRandom(seed);
        int enospc = 0;
        int eio = 0;
        int writtenBack = 0;
        try (ZramDevice dev = new ZramDevice(config, PAGES, blocks, behaviour)) {
            if (compressed) {
                dev.compressedWriteback(true);
            }
            byte[] back = new byte[ps];
            byte[] zero = new byte[ps];
            for (int step = 0; step < 6000; step++) {
                int op = rnd.nextInt(100);
                int i = rnd.nextInt(PAGES);
                Slot s = m.slots[i];
                if (op < 45) {
                    int p = rnd.nextInt(200);
                    assertThat(dev.write(i, src, p * ps)).isTrue();
                    m.free(s);
                    s.content = Arrays.copyOfRange(src, p * ps, p * ps + ps);
                    s.same = same[p];
                    s.len = objLen[p];
                    s.huge = objLen[p] == ps;
                } else if (op < 65) {
                    dev.read(i, back, 0);
                    assertThat(back).as("step %d slot %d", step, i)
                            .isEqualTo(s.content == null ? zero : s.content);
                    if (s.block >= 0) {
                        m.bdReads++;
                    }
                    s.idle = false;
                } else if (op < 72) {
                    dev.discard(i);
                    m.free(s);
                } else if (op < 80) {
                    dev.markIdle();
                    for (Slot t : m.slots) {
                        t.idle |= t.content != null && t.block < 0 && !t.same;
                    }
                } else if (op < 96) {
                    WritebackMode mode = WritebackMode.values()[rnd.nextInt(WritebackMode.values().length)];
                    WritebackReport want = order == WritebackOrder.SLOT_INDEX ? m.writeback(mode, i)
                            : m.writebackLargestFirst(mode, i);
                    WritebackReport got = dev.writeback(new WritebackRequest(mode, mode == WritebackMode.PAGE ? i : -1));
                    assertThat(got).as("step %d %s", step, mode).isEqualTo(want);
                    enospc += "ENOSPC".equals(got.error()) ? 1 : 0;
                    eio += "EIO".equals(got.error()) ? 1 : 0;
                    writtenBack += got.written();
                } else if (op < 98) { // writeback_limit_enable, writeback_limit: small limits, so they run out
                    if (rnd.nextBoolean()) {
                        m.limitOn = rnd.nextInt(3) > 0;
                        dev.writebackLimitEnable(m.limitOn);
                    } else {
                        long limit = rnd.nextInt(6);
                        m.limit = m.rounded ? limit / m.units * m.units : limit;
                        dev.writebackLimit(limit);
                    }
                } else {
                    dev.compact();
                    dev.store().checkInvariants();
                }
                check(dev, m, step);
            }
            for (int i = 0; i < PAGES; i++) { // every page, pool or backing device, reads back
                dev.read(i, back, 0);
                assertThat(back).as("slot %d", i).isEqualTo(m.slots[i].content == null ? zero : m.slots[i].content);
            }
            dev.store().checkInvariants();
        }
        assertThat(writtenBack).as("pages written back").isGreaterThan(blocks >= 40 ? 50 : blocks >= 2 ? 3 : -1);
        if (blocks <= 40) {
            assertThat(enospc).as("writebacks stopped by a full backing device").isPositive();
        }
        assertThat(eio).as("writebacks stopped by the writeback limit").isPositive();
    }

    private static void check(ZramDevice dev, Model m, int step) {
        long stored = 0;
        long compr = 0;
        long sameCount = 0;
        long huge = 0;
        for (int i = 0; i < PAGES; i++) {
            Slot s = m.slots[i];
            assertThat(dev.isWrittenBack(i)).as("step %d slot %d ZRAM_WB", step, i).isEqualTo(s.block >= 0);
            assertThat(dev.isIdle(i)).as("step %d slot %d ZRAM_IDLE", step, i).isEqualTo(s.idle);
            if (s.content != null) {
                stored++;
                if (s.block < 0) {
                    compr += s.len;
                    sameCount += s.same ? 1 : 0;
                    huge += s.huge ? 1 : 0;
                }
            }
        }
        assertThat(dev.bdStat()).as("step %d bd_stat", step)
                .isEqualTo(new BdStat(m.bdCount * m.units, m.bdReads * m.units, m.bdWrites * m.units));
        assertThat(dev.writebackLimit()).as("step %d writeback_limit", step).isEqualTo(m.limit);
        MmStat mm = dev.mmStat();
        assertThat(new long[] {mm.origDataSize(), mm.comprDataSize(), mm.samePages(), mm.hugePages()})
                .as("step %d mm_stat orig, compr, same, huge", step)
                .containsExactly(stored * m.ps, compr, sameCount, huge);
    }

    @Test
    void requestsParseAsTheKernelsAndBadOnesAreNamed() {
        assertThat(WritebackRequest.parse("huge_idle", 10)).isEqualTo(new WritebackRequest(WritebackMode.HUGE_IDLE, -1));
        assertThat(WritebackRequest.parse(" idle\n", 10).mode()).isEqualTo(WritebackMode.IDLE);
        assertThat(WritebackRequest.parse("page_index=9", 10)).isEqualTo(new WritebackRequest(WritebackMode.PAGE, 9));
        for (String bad : new String[] {"page_index=10", "page_index=-1", "page_index=x", "all", "", "page=9"}) {
            assertThatThrownBy(() -> WritebackRequest.parse(bad, 10)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("writeback: '" + bad + "'");
        }
    }

    /**
     * 6.19's batched writeback ({@code zram_writeback_slots} with {@code writeback_batch_size}): a slot listed twice
     * in one pass ({@code page_index=5 page_index=5} scans it twice) is still marked while its first write is in
     * flight, so a batch of two or more writes it twice (both writes count in bd_writes and in the limit, the second
     * to complete gives its block back), and a batch of one completes the first write before it looks at the second
     * entry, which it then skips, as 6.18 does. The page reads back from its block either way.
     */
    @ParameterizedTest(name = "batch {0}")
    @CsvSource({"32, 2", "2, 2", "1, 1", "2147483647, 2"})
    void aSlotListedTwiceIsWrittenTwiceWithinOneBatch(int batch, int writes) {
        StoreConfig config = StoreConfig.defaults().withCodec(CodecSpec.parse("lz4-kernel"));
        byte[] src = TestPages.pages(3, 8);
        try (ZramDevice dev = new ZramDevice(config, 8, 4, ZramDevice.Behaviour.LINUX_6_19)) {
            for (int i = 0; i < 8; i++) {
                dev.write(i, src, i * 4096);
            }
            dev.writebackBatchSize(batch);
            dev.writebackLimitEnable(true);
            dev.writebackLimit(10);
            int slot = SameFilled.testPage(src, 5 * 4096, 4096) ? 6 : 5;
            assertThat(dev.writeback("page_index=" + slot + " page_index=" + slot))
                    .isEqualTo(new WritebackReport(1, null));
            assertThat(dev.bdStat()).isEqualTo(new BdStat(1, 0, writes));
            assertThat(dev.writebackLimit()).isEqualTo(10 - writes);
            assertThat(dev.isWrittenBack(slot)).isTrue();
            byte[] back = new byte[4096];
            dev.read(slot, back, 0);
            assertThat(back).isEqualTo(Arrays.copyOfRange(src, slot * 4096, slot * 4096 + 4096));
            // 4 blocks, block 0 among them: three more pages fit, the fourth finds none
            assertThat(dev.markIdle()).isGreaterThanOrEqualTo(4);
            WritebackReport idle = dev.writeback("idle");
            assertThat(dev.bdStat().bdCount()).isEqualTo(4);
            assertThat(idle.written()).isEqualTo(3);
            assertThat(idle.error()).isEqualTo("ENOSPC");
        }
    }

    /**
     * {@code compressed_writeback} (7.0 and later): a block holds the slot's object as the pool held it (a huge page
     * raw), and a read decodes it with the codec of the slot's priority: zstd for the slots a recompression replaced.
     * Every figure equals that of a device that writes pages back decompressed, as on Linux 7.3.
     */
    @Test
    void compressedWritebackKeepsTheObjectAndReadsDecodeItWithTheSlotsCodec() {
        StoreConfig config = StoreConfig.defaults().withCodec(CodecSpec.parse("lz4-kernel"))
                .withRecompressCodecs(java.util.List.of(CodecSpec.parse("zstd:9")));
        int n = 96;
        byte[] src = TestPages.pages(9, n);
        try (ZramDevice dev = new ZramDevice(config, n, n + 1, ZramDevice.Behaviour.LINUX_7_3);
             ZramDevice plain = new ZramDevice(config, n, n + 1, ZramDevice.Behaviour.LINUX_7_3)) {
            dev.compressedWriteback(true);
            assertThat(dev.compressedWriteback()).isTrue();
            assertThat(plain.compressedWriteback()).isFalse();
            for (ZramDevice d : new ZramDevice[] {dev, plain}) {
                for (int i = 0; i < n; i++) {
                    d.write(i, src, i * 4096);
                }
                d.recompress(new ZramDevice.RecompressRequest(ZramDevice.RecompressType.ALL, n / 2, 0, null, 0));
            }
            byte[][] objects = new byte[n][];
            int recompressed = 0;
            int huge = 0;
            for (int i = 0; i < n; i++) {
                long id = dev.idAt(i);
                int len = dev.store().storedLength(id);
                if (len > 0) {
                    objects[i] = new byte[len];
                    dev.store().readStored(id, objects[i], 0);
                    recompressed += dev.store().priorityOf(id) > 0 ? 1 : 0;
                    huge += len == 4096 ? 1 : 0;
                }
            }
            assertThat(recompressed).as("zstd objects").isPositive();
            assertThat(huge).as("huge pages").isPositive();
            for (ZramDevice d : new ZramDevice[] {dev, plain}) {
                d.markIdle();
                assertThat(d.writeback("idle").error()).isNull();
            }
            byte[] back = new byte[4096];
            for (int i = 0; i < n; i++) {
                byte[] page = Arrays.copyOfRange(src, i * 4096, i * 4096 + 4096);
                if (objects[i] != null) {
                    assertThat(dev.isWrittenBack(i)).as("slot %d", i).isTrue();
                    assertThat(Arrays.copyOf(dev.blockOf(i), objects[i].length)).as("block of slot %d", i)
                            .isEqualTo(objects[i]);
                    assertThat(plain.blockOf(i)).as("plain block of slot %d", i).isEqualTo(page);
                }
                dev.read(i, back, 0);
                assertThat(back).as("slot %d", i).isEqualTo(page);
                plain.read(i, back, 0);
            }
            assertThat(dev.mmStat()).isEqualTo(plain.mmStat());
            assertThat(dev.bdStat()).isEqualTo(plain.bdStat());
        }
    }

    @Test
    void compressedWritebackIsSetBeforeTheFirstWriteOn70AndLater() {
        try (ZramDevice dev = new ZramDevice(StoreConfig.defaults(), 4, 4, ZramDevice.Behaviour.LINUX_7_0);
             ZramDevice old = new ZramDevice(StoreConfig.defaults(), 4, 4, ZramDevice.Behaviour.LINUX_6_19)) {
            assertThatThrownBy(() -> old.compressedWriteback(true)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("came with 7.0");
            dev.compressedWriteback(true);
            dev.compressedWriteback(false);
            dev.write(0, new byte[4096], 0);
            assertThatThrownBy(() -> dev.compressedWriteback(true)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("EBUSY");
            assertThat(dev.compressedWriteback()).isFalse();
        }
    }

    @Test
    void theBatchSizeIsAtLeastOneAndOnlyOn619AndLater() {
        try (ZramDevice dev = new ZramDevice(StoreConfig.defaults(), 4, 4, ZramDevice.Behaviour.LINUX_6_19);
             ZramDevice old = new ZramDevice(StoreConfig.defaults(), 4, 4, ZramDevice.Behaviour.LINUX_6_18)) {
            assertThat(dev.writebackBatchSize()).isEqualTo(32);
            assertThatThrownBy(() -> dev.writebackBatchSize(0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("EINVAL");
            assertThatThrownBy(() -> old.writebackBatchSize(8)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("came with 6.19");
        }
    }

    @Test
    void theLimitIsRoundedDownToWholePagesFrom619() {
        StoreConfig sixteen = StoreConfig.defaults().withClasses(SizeClassTable.kernelDefault().withPageSize(16384));
        try (ZramDevice dev = new ZramDevice(sixteen, 4, 4, ZramDevice.Behaviour.LINUX_6_19);
             ZramDevice old = new ZramDevice(sixteen, 4, 4, ZramDevice.Behaviour.LINUX_6_18)) {
            dev.writebackLimit(7);
            old.writebackLimit(7);
            assertThat(dev.writebackLimit()).isEqualTo(4);
            assertThat(old.writebackLimit()).isEqualTo(7);
            dev.writebackLimit(-1); // u64: 2^64 - 1 rounds down to 2^64 - 4
            assertThat(Long.toUnsignedString(dev.writebackLimit())).isEqualTo("18446744073709551612");
        }
    }

    @Test
    void withoutABackingDeviceWritebackIsRefusedAndNothingChanges() {
        StoreConfig config = StoreConfig.defaults();
        byte[] src = TestPages.pages(5, 4);
        try (ZramDevice dev = new ZramDevice(config, 4)) {
            for (int i = 0; i < 4; i++) {
                dev.write(i, src, i * 4096);
            }
            MmStat before = dev.mmStat();
            dev.markIdle();
            assertThatThrownBy(() -> dev.writeback(WritebackRequest.parse("idle", 4)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("no backing device (ENODEV)");
            assertThat(dev.mmStat()).isEqualTo(before);
            assertThat(dev.bdStat()).isEqualTo(new BdStat(0, 0, 0));
        }
        assertThatThrownBy(() -> new ZramDevice(config, 4, -1, WritebackOrder.LARGEST_FIRST))
                .hasMessageContaining("backing device: -1 pages");
    }

    /**
     * A written-back page leaves the pool: once every page is on the backing device and the pool is compacted,
     * mem_used_total is zero while orig_data_size still counts them all, as the kernel's pages_stored does.
     */
    @Test
    void everyPageWrittenBackLeavesAnEmptyPool() {
        byte[] src = TestPages.pages(7, 64);
        try (ZramDevice dev = new ZramDevice(StoreConfig.defaults(), 64, 65, WritebackOrder.LARGEST_FIRST)) {
            int nonSame = 0;
            for (int i = 0; i < 64; i++) {
                dev.write(i, src, i * 4096);
                nonSame += SameFilled.test(src, i * 4096, 8) ? 0 : 1;
            }
            dev.markIdle();
            assertThat(dev.writeback(WritebackRequest.parse("idle", 64))).isEqualTo(new WritebackReport(nonSame, null));
            dev.compact();
            MmStat m = dev.mmStat();
            assertThat(m.origDataSize()).isEqualTo(64 * 4096L);
            assertThat(m.comprDataSize()).isZero();
            assertThat(m.memUsedTotal()).isZero();
            assertThat(dev.bdStat()).isEqualTo(new BdStat(nonSame, 0, nonSame));
            byte[] back = new byte[4096];
            for (int i = 0; i < 64; i++) {
                dev.read(i, back, 0);
                assertThat(back).isEqualTo(Arrays.copyOfRange(src, i * 4096, i * 4096 + 4096));
            }
            assertThat(dev.bdStat().bdReads()).isEqualTo(nonSame);
        }
    }
}
