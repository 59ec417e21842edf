package dev.gmc.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.codec.PageCodec;
import dev.gmc.core.store.InvalidPageIdException;
import dev.gmc.core.store.PageId;
import dev.gmc.core.store.PageStore;
import dev.gmc.core.store.StoreConfig;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Batch restore on the OpenCL device (PoCL's CPU device in CI). Oracles: the original pages, and lz4-java's safe
 * decompressor (liblz4), which must accept exactly the blocks the device accepts and decode them to the same bytes.
 */
class GpuRestoreTest {
    static final int PAGE = 4096;
    static Lz4Program program;
    static byte[] pages;

    @BeforeAll
    static void setUp() {
        ClDevice d = TestData.deviceOrSkip();
        program = new Lz4Program(d, 64);
        pages = TestData.concat(TestData.edgeCases(7), TestData.realMix(), TestData.samples());
    }

    @AfterAll
    static void tearDown() {
        if (program != null) {
            program.close();
        }
    }

    /** Blocks of the pages that compress to at most 4096 bytes (others are stored raw, not as LZ4). */
    static final class Blocks {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final List<Integer> source = new ArrayList<>(); // the page each block encodes
        final List<Integer> offsets = new ArrayList<>();
        final List<Integer> lengths = new ArrayList<>();

        void add(int page, byte[] block, int len) {
            offsets.add(bytes.size());
            lengths.add(len);
            source.add(page);
            bytes.write(block, 0, len);
        }

        int count() {
            return source.size();
        }

        int[] offsets() {
            return offsets.stream().mapToInt(Integer::intValue).toArray();
        }

        int[] lengths() {
            return lengths.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    static Blocks encode(String codec) {
        PageCodec c = CodecSpec.parse(codec).newCodec();
        Blocks b = new Blocks();
        byte[] out = new byte[Math.max(2 * PAGE, c.maxCompressedLength(PAGE))];
        for (int p = 0; p < pages.length / PAGE; p++) {
            int n = c.compress(pages, p * PAGE, PAGE, out, 0, out.length);
            if (n <= PAGE) {
                b.add(p, out, n);
            }
        }
        return b;
    }

    /** dst's pages 0..n-1 are the originals of blocks first..first+n-1. */
    static void assertRestored(String what, byte[] dst, Blocks b, int first, int n) {
        for (int i = 0; i < n; i++) {
            int src = b.source.get(first + i);
            assertThat(Arrays.equals(dst, i * PAGE, i * PAGE + PAGE, pages, src * PAGE, src * PAGE + PAGE))
                    .as("%s: block %d (page %d)", what, first + i, src).isTrue();
        }
    }

    /** Three encoders (liblz4 fast, liblz4 HC with long matches, gmc's port of the kernel's LZ4) × both kernels. */
    @ParameterizedTest
    @EnumSource(KernelKind.class)
    void everyBlockOfThreeEncodersRestoresExactly(KernelKind kind) {
        for (String codec : List.of("lz4", "lz4hc:12", "lz4-kernel")) {
            Blocks b = encode(codec);
            assertThat(b.count()).isGreaterThan(300);
            byte[] blocks = b.bytes.toByteArray();
            int[] off = b.offsets();
            int[] len = b.lengths();
            int cap = 128; // several batches, the last one partial
            try (GpuRestorer r = new GpuRestorer(program, kind, cap)) {
                for (int first = 0; first < b.count(); first += cap) {
                    int n = Math.min(cap, b.count() - first);
                    byte[] dst = new byte[n * PAGE];
                    Arrays.fill(dst, (byte) 0x5A);
                    GpuRestorer.Report rep = r.restore(blocks, Arrays.copyOfRange(off, first, first + n),
                            Arrays.copyOfRange(len, first, first + n), n, dst, 0);
                    assertThat(rep.failures()).as(codec).isEmpty();
                    assertThat(rep.onDevice()).as(codec + " pages decoded on the device").isEqualTo(n);
                    assertRestored(codec + " " + kind, dst, b, first, n);
                }
                assertThat(r.stats().onDevice()).isEqualTo(b.count());
                assertThat(r.stats().cpuFallbacks()).isZero();
            }
        }
    }

    /** Hand-made blocks at the format's limits. */
    @ParameterizedTest
    @EnumSource(KernelKind.class)
    void handMadeBlocksAtTheFormatsLimits(KernelKind kind) {
        List<byte[]> blocks = new ArrayList<>();
        List<byte[]> expect = new ArrayList<>();
        // 4096 literals: 15 + 16 x 255 + 1 in the length field
        byte[] lits = new byte[PAGE];
        new SplittableRandom(3).nextBytes(lits);
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(0xF0);
        for (int i = 0; i < 16; i++) {
            o.write(255);
        }
        o.write(1);
        o.write(lits, 0, PAGE);
        blocks.add(o.toByteArray());
        expect.add(lits);
        // one literal, a match of offset 1 and length 4090 (a chain 4090 long), 5 last literals
        byte[] rle = new byte[PAGE];
        Arrays.fill(rle, 0, 4091, (byte) 7);
        rle[4091] = 1;
        rle[4092] = 2;
        rle[4093] = 3;
        rle[4094] = 4;
        rle[4095] = 5;
        o = new ByteArrayOutputStream();
        o.write(0x1F);
        o.write(7);
        o.write(1);
        o.write(0);
        int ml = 4090 - 4 - 15;
        while (ml >= 255) {
            o.write(255);
            ml -= 255;
        }
        o.write(ml);
        o.write(0x50);
        o.write(rle, 4091, 5);
        blocks.add(o.toByteArray());
        expect.add(rle);
        // a 3-byte period: offset 3 overlapping copies, match length exactly 15 + 4 (a length byte of 0)
        byte[] per = new byte[PAGE];
        for (int i = 0; i < PAGE; i++) {
            per[i] = (byte) (i % 3 * 40);
        }
        o = new ByteArrayOutputStream();
        int op = 3;
        o.write(0x3F);
        o.write(per, 0, 3);
        o.write(3);
        o.write(0);
        o.write(0); // match length 15 + 0 + 4 = 19
        op += 19;
        while (PAGE - op > 5 + 19) {
            o.write(0x0F);
            o.write(3);
            o.write(0);
            o.write(0);
            op += 19;
        }
        int rest = PAGE - op; // the last literals, at least 5
        o.write(Math.min(rest, 15) << 4);
        if (rest >= 15) {
            o.write(rest - 15);
        }
        o.write(per, op, rest);
        blocks.add(o.toByteArray());
        expect.add(per);
        restoreAndCheck(kind, blocks, expect);
    }

    private static void restoreAndCheck(KernelKind kind, List<byte[]> blocks, List<byte[]> expect) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        int[] off = new int[blocks.size()];
        int[] len = new int[blocks.size()];
        LZ4SafeDecompressor ref = LZ4Factory.fastestInstance().safeDecompressor();
        for (int i = 0; i < blocks.size(); i++) {
            off[i] = all.size();
            len[i] = blocks.get(i).length;
            all.writeBytes(blocks.get(i));
            byte[] check = new byte[PAGE];
            assertThat(ref.decompress(blocks.get(i), 0, len[i], check, 0, PAGE)).as("lz4-java, block %d", i).isEqualTo(PAGE);
            assertThat(check).as("lz4-java, block %d", i).isEqualTo(expect.get(i));
        }
        byte[] dst = new byte[blocks.size() * PAGE];
        try (GpuRestorer r = new GpuRestorer(program, kind, blocks.size())) {
            GpuRestorer.Report rep = r.restore(all.toByteArray(), off, len, blocks.size(), dst, 0);
            assertThat(rep.deviceStatus()).containsOnly(RestoreStatus.OK);
            for (int i = 0; i < blocks.size(); i++) {
                assertThat(Arrays.copyOfRange(dst, i * PAGE, i * PAGE + PAGE)).as("block %d", i).isEqualTo(expect.get(i));
            }
        }
    }

    /** Each kind of damage: the device names it, lz4-java rejects it too, the page is zeroed, the neighbours are intact. */
    @ParameterizedTest
    @EnumSource(KernelKind.class)
    void corruptBlocksAreNamedAndTheirNeighboursRestored(KernelKind kind) {
        Blocks b = encode("lz4");
        // pick ten ordinary blocks (at least 40 bytes, with a match) as the batch
        List<Integer> picks = new ArrayList<>();
        for (int i = 0; i < b.count() && picks.size() < 10; i++) {
            if (b.lengths.get(i) >= 40 && b.lengths.get(i) < 3000) {
                picks.add(i);
            }
        }
        byte[] src = b.bytes.toByteArray();
        byte[][] blocks = new byte[10][];
        for (int i = 0; i < 10; i++) {
            int k = picks.get(i);
            blocks[i] = Arrays.copyOfRange(src, b.offsets.get(k), b.offsets.get(k) + b.lengths.get(k));
        }
        int[] expected = new int[10];
        Arrays.fill(expected, RestoreStatus.OK);
        // 1: cut off the last byte -> the last literal run reads past the end
        blocks[1] = Arrays.copyOf(blocks[1], blocks[1].length - 1);
        expected[1] = RestoreStatus.TRUNCATED;
        // 3: first match offset made 0
        int m3 = firstOffsetAt(blocks[3]);
        blocks[3][m3] = 0;
        blocks[3][m3 + 1] = 0;
        expected[3] = RestoreStatus.BAD_OFFSET;
        // 5: first match offset pointing before the page
        int m5 = firstOffsetAt(blocks[5]);
        blocks[5][m5] = (byte) 0xFF;
        blocks[5][m5 + 1] = (byte) 0xFF;
        expected[5] = RestoreStatus.BAD_OFFSET;
        // 6: a literals-only block of 100 bytes -> ends short of 4096
        blocks[6] = new byte[102];
        blocks[6][0] = (byte) 0xF0;
        blocks[6][1] = 85;
        expected[6] = RestoreStatus.SHORT;
        // 8: a literal run longer than the page (length field 15 + 17 x 255), with enough bytes behind it
        blocks[8] = new byte[GpuRestorer.MAX_BLOCK];
        blocks[8][0] = (byte) 0xF0;
        Arrays.fill(blocks[8], 1, 18, (byte) 255);
        blocks[8][18] = 0;
        expected[8] = RestoreStatus.OVERFLOW;
        // 9: a match that ends in the last 5 bytes of the page: literal 'a', offset 1, length 4091, 4 literals
        ByteArrayOutputStream e9 = new ByteArrayOutputStream();
        e9.writeBytes(new byte[] {0x1F, 'a', 1, 0});
        for (int i = 0; i < 15; i++) {
            e9.write(255);
        }
        e9.write(247); // match length 4 + 15 + 15 x 255 + 247 = 4091: it ends at byte 4092 of 4096
        e9.writeBytes(new byte[] {0x40, 'b', 'c', 'd', 'e'});
        blocks[9] = e9.toByteArray();
        expected[9] = RestoreStatus.END_RULES;
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        int[] off = new int[10];
        int[] len = new int[10];
        for (int i = 0; i < 10; i++) {
            off[i] = all.size();
            len[i] = blocks[i].length;
            all.writeBytes(blocks[i]);
        }
        byte[] dst = new byte[10 * PAGE];
        Arrays.fill(dst, (byte) 0x5A);
        try (GpuRestorer r = new GpuRestorer(program, kind, 16)) {
            GpuRestorer.Report rep = r.restore(all.toByteArray(), off, len, 10, dst, 0);
            assertThat(rep.deviceStatus()).as("device statuses").containsExactly(expected);
            List<Integer> bad = rep.failures().stream().map(GpuRestorer.Failure::page).toList();
            assertThat(bad).containsExactly(1, 5, 6, 8, 9);
            // Offset 0: the device refuses it (the format forbids it), liblz4 decodes it (copying the page's own
            // bytes, zeroed first). The CPU's verdict stands, so that a batch restore equals a CPU load; the
            // disagreement is counted.
            assertThat(rep.disagreements()).isEqualTo(1);
            byte[] liblz4 = new byte[PAGE];
            assertThat(LZ4Factory.fastestInstance().safeDecompressor().decompress(blocks[3], 0, len[3], liblz4, 0, PAGE))
                    .isEqualTo(PAGE);
            assertThat(Arrays.copyOfRange(dst, 3 * PAGE, 4 * PAGE)).isEqualTo(liblz4);
            for (GpuRestorer.Failure f : rep.failures()) {
                assertThat(f.error()).hasMessageContaining("page " + f.page() + " of restore batch")
                        .hasMessageContaining(RestoreStatus.name(expected[f.page()]));
                assertThat(Arrays.copyOfRange(dst, f.page() * PAGE, f.page() * PAGE + PAGE)).containsOnly(0);
            }
            for (int i : new int[] {0, 2, 4, 7}) {
                int p = b.source.get(picks.get(i));
                assertThat(Arrays.equals(dst, i * PAGE, i * PAGE + PAGE, pages, p * PAGE, p * PAGE + PAGE)).as("page %d", i)
                        .isTrue();
            }
        }
    }

    /** The input position of the first match offset of a block (after the first literal run). */
    private static int firstOffsetAt(byte[] block) {
        return offsetPositions(block).get(0);
    }

    /**
     * Random damage to real blocks (seeded): wherever lz4-java decodes a block to 4096 bytes the device must say OK
     * and give the same bytes, and wherever lz4-java rejects it the device must reject it too.
     */
    @ParameterizedTest
    @EnumSource(KernelKind.class)
    void randomDamageIsJudgedAsLiblz4JudgesIt(KernelKind kind) {
        Blocks b = encode("lz4");
        byte[] src = b.bytes.toByteArray();
        SplittableRandom rnd = new SplittableRandom(11 + Long.getLong("gmc.stress.seed", 0)); // soak runs move the seed
        LZ4SafeDecompressor ref = LZ4Factory.fastestInstance().safeDecompressor();
        int n = 256;
        int accepted = 0;
        int rejected = 0;
        try (GpuRestorer r = new GpuRestorer(program, kind, n, false, FaultInjector.NONE)) {
            for (int round = 0; round < 8; round++) {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                int[] off = new int[n];
                int[] len = new int[n];
                byte[][] blocks = new byte[n][];
                for (int i = 0; i < n; i++) {
                    int k = rnd.nextInt(b.count());
                    byte[] blk = Arrays.copyOfRange(src, b.offsets.get(k), b.offsets.get(k) + b.lengths.get(k));
                    switch (rnd.nextInt(3)) {
                        case 0 -> blk[rnd.nextInt(blk.length)] = (byte) rnd.nextInt(256);
                        case 1 -> blk[rnd.nextInt(Math.min(blk.length, 8))] ^= (byte) (1 << rnd.nextInt(8));
                        default -> blk = Arrays.copyOf(blk, Math.max(1, blk.length - 1 - rnd.nextInt(4)));
                    }
                    blocks[i] = blk;
                    off[i] = all.size();
                    len[i] = blk.length;
                    all.writeBytes(blk);
                }
                byte[] dst = new byte[n * PAGE];
                GpuRestorer.Report rep = r.restore(all.toByteArray(), off, len, n, dst, 0);
                for (int i = 0; i < n; i++) {
                    byte[] want = new byte[PAGE];
                    boolean ok;
                    try {
                        ok = ref.decompress(blocks[i], 0, blocks[i].length, want, 0, PAGE) == PAGE;
                    } catch (LZ4Exception e) {
                        ok = false;
                    }
                    if (ok && !hasZeroOffset(blocks[i])) {
                        accepted++;
                        assertThat(rep.deviceStatus()[i]).as("round %d block %d: lz4-java accepts it", round, i)
                                .isEqualTo(RestoreStatus.OK);
                        assertThat(Arrays.equals(dst, i * PAGE, i * PAGE + PAGE, want, 0, PAGE)).as("round %d block %d", round, i)
                                .isTrue();
                    } else if (!ok) {
                        rejected++;
                        assertThat(rep.deviceStatus()[i]).as("round %d block %d: lz4-java rejects it", round, i)
                                .isNotEqualTo(RestoreStatus.OK);
                        int page = i;
                        assertThat(rep.failures().stream().anyMatch(f -> f.page() == page)).isTrue();
                    }
                }
            }
        }
        assertThat(accepted).as("damaged blocks that still decode").isGreaterThan(50);
        assertThat(rejected).as("damaged blocks rejected").isGreaterThan(200);
    }

    /** True if a (decodable) block has a match of offset 0, which liblz4 accepts and the device refuses. */
    private static boolean hasZeroOffset(byte[] block) {
        return offsetPositions(block).stream().anyMatch(p -> block[p] == 0 && block[p + 1] == 0);
    }

    /** The input positions of a block's match offsets, walking its sequences as far as its bytes go. */
    private static List<Integer> offsetPositions(byte[] block) {
        List<Integer> at = new ArrayList<>();
        int ip = 0;
        while (ip < block.length) {
            int token = block[ip++] & 0xFF;
            int ll = token >>> 4;
            if (ll == 15) {
                int s;
                do {
                    s = block[ip++] & 0xFF;
                    ll += s;
                } while (s == 255 && ip < block.length);
            }
            ip += ll;
            if (ip >= block.length - 1) {
                break;
            }
            at.add(ip);
            ip += 2;
            if ((token & 15) == 15) {
                int s;
                do {
                    s = block[ip++] & 0xFF;
                } while (s == 255 && ip < block.length);
            }
        }
        return at;
    }

    /** A failed launch sends the whole batch to the CPU; a status forged after the run sends one page. Nothing lost. */
    @Test
    void deviceFailuresFallBackToTheCpuAndLoseNothing() {
        Blocks b = encode("lz4");
        int n = 64;
        byte[] blocks = b.bytes.toByteArray();
        int[] off = Arrays.copyOf(b.offsets(), n);
        int[] len = Arrays.copyOf(b.lengths(), n);
        FaultInjector faults = new FaultInjector() {
            @Override
            public void beforeLaunch(long batch, int slice) {
                if (batch == 0) {
                    throw new OpenClException("clEnqueueNDRangeKernel", -5, "injected");
                }
            }

            @Override
            public void afterStatus(long batch, int[] res, int pages) {
                if (batch == 1) {
                    res[2 * 3] = RestoreStatus.NOT_RUN;
                    res[2 * 7] = RestoreStatus.OVERFLOW;
                }
            }

            @Override
            public void afterOutput(long batch, ByteBuffer out, int pages) {
                if (batch == 2) {
                    out.put(5 * PAGE + 100, (byte) (out.get(5 * PAGE + 100) ^ 1)); // a device that decodes wrongly
                }
            }
        };
        try (GpuRestorer r = new GpuRestorer(program, KernelKind.COOP, n, true, faults)) {
            for (int batch = 0; batch < 3; batch++) {
                byte[] dst = new byte[n * PAGE];
                GpuRestorer.Report rep = r.restore(blocks, off, len, n, dst, 0);
                assertRestored("batch " + batch, dst, b, 0, n);
                assertThat(rep.failures()).isEmpty();
                switch (batch) {
                    case 0 -> {
                        assertThat(rep.deviceFailure()).hasMessageContaining("clEnqueueNDRangeKernel");
                        assertThat(rep.cpuFallbacks()).isEqualTo(n);
                        assertThat(rep.disagreements()).isZero();
                    }
                    case 1 -> {
                        assertThat(rep.cpuFallbacks()).isEqualTo(2);
                        assertThat(rep.disagreements()).isEqualTo(1); // the forged OVERFLOW; NOT_RUN is no verdict
                    }
                    default -> {
                        assertThat(rep.cpuFallbacks()).as("verify caught the wrong page").isEqualTo(1);
                        assertThat(rep.disagreements()).isEqualTo(1);
                    }
                }
            }
            GpuRestorer.Stats st = r.stats();
            assertThat(st.deviceFailures()).isEqualTo(1);
            assertThat(st.onDevice() + st.cpuFallbacks()).isEqualTo(3L * n);
        }
    }

    /** Into a region: the restored pages land at their place by DMA; a fallback and a corrupt page too; nothing else. */
    @ParameterizedTest
    @EnumSource(KernelKind.class)
    void restoreIntoARegionWritesOnlyItsPages(KernelKind kind) {
        Blocks b = encode("lz4");
        int n = 40;
        int first = 5;
        byte[] src = b.bytes.toByteArray();
        int[] off = Arrays.copyOf(b.offsets(), n);
        int[] len = Arrays.copyOf(b.lengths(), n);
        len[9] -= 1; // corrupt: the last literal run now reads past the end
        FaultInjector faults = new FaultInjector() {
            @Override
            public void afterStatus(long batch, int[] res, int pages) {
                res[2 * 20] = RestoreStatus.NOT_RUN; // as if its slice never ran
            }
        };
        byte[] fill = new byte[PAGE];
        Arrays.fill(fill, (byte) 0x77);
        try (GpuRestorer r = new GpuRestorer(program, kind, n, false, faults);
             PageRegion region = r.allocateRegion(n + 10)) {
            for (int p = 0; p < n + 10; p++) {
                region.put(p, fill, 0);
            }
            GpuRestorer.Report rep = r.restoreInto(src, off, len, n, region, first);
            assertThat(rep.failures()).extracting(GpuRestorer.Failure::page).containsExactly(9);
            assertThat(rep.cpuFallbacks()).isEqualTo(1);
            assertThat(rep.onDevice()).isEqualTo(n - 2);
            byte[] page = new byte[PAGE];
            for (int p = 0; p < n + 10; p++) {
                region.get(p, page, 0);
                int i = p - first;
                if (i < 0 || i >= n) {
                    assertThat(page).as("region page %d, outside the restore", p).isEqualTo(fill);
                } else if (i == 9) {
                    assertThat(page).as("the corrupt page").containsOnly(0);
                } else {
                    int s0 = b.source.get(i) * PAGE;
                    assertThat(Arrays.equals(page, 0, PAGE, pages, s0, s0 + PAGE)).as("region page %d", p).isTrue();
                }
            }
            assertThatThrownBy(() -> r.restoreInto(src, off, b.lengths(), n, region, 11))
                    .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("pages [11, 51)");
        }
    }

    /** From a store: compressed pages decoded on the device, same-filled and huge ones by the store; all exact. */
    @ParameterizedTest
    @EnumSource(KernelKind.class)
    void restoreFromAStoreGivesBackEveryPage(KernelKind kind) {
        for (String codec : List.of("lz4", "lz4-kernel")) {
            int n = pages.length / PAGE;
            try (PageStore store = new PageStore(StoreConfig.defaults().withCodec(CodecSpec.parse(codec)));
                 GpuRestorer r = new GpuRestorer(program, kind, 128)) {
                long[] ids = new long[n];
                for (int p = 0; p < n; p++) {
                    ids[p] = store.store(pages, p * PAGE);
                }
                int devicePages = 0;
                int byStore = 0;
                for (int first = 0; first < n; first += 128) {
                    int k = Math.min(128, n - first);
                    byte[] dst = new byte[k * PAGE];
                    GpuRestorer.Report rep = r.restoreFromStore(store, Arrays.copyOfRange(ids, first, first + k), k, dst, 0);
                    assertThat(rep.failures()).isEmpty();
                    assertThat(rep.onDevice() + rep.byStore()).isEqualTo(k);
                    devicePages += rep.onDevice();
                    byStore += rep.byStore();
                    for (int i = 0; i < k; i++) {
                        int p = first + i;
                        assertThat(Arrays.equals(dst, i * PAGE, i * PAGE + PAGE, pages, p * PAGE, p * PAGE + PAGE))
                                .as("%s page %d (%s)", codec, p, store.kind(ids[p])).isTrue();
                    }
                }
                long huge = Arrays.stream(ids).filter(id -> store.kind(id) == PageStore.Kind.HUGE).count();
                long same = Arrays.stream(ids).filter(id -> store.kind(id) == PageStore.Kind.SAME).count();
                assertThat(huge).as("huge pages in the data").isPositive();
                assertThat(same).as("same-filled pages in the data").isPositive();
                assertThat(byStore).isEqualTo(huge + same);
                assertThat(devicePages).isEqualTo(n - huge - same);
                assertThat(store.counters().loads()).as("no loads counted for device pages").isEqualTo(huge + same);

                long gone = ids[3];
                store.free(gone);
                assertThatThrownBy(() -> r.restoreFromStore(store, ids, 8, new byte[8 * PAGE], 0))
                        .isInstanceOf(InvalidPageIdException.class).hasMessageContaining(PageId.describe(gone));
            }
        }
        try (PageStore zstd = new PageStore(StoreConfig.defaults().withCodec(CodecSpec.parse("zstd")));
             GpuRestorer r = new GpuRestorer(program, kind, 4)) {
            long[] ids = {zstd.store(pages, 0)};
            assertThatThrownBy(() -> r.restoreFromStore(zstd, ids, 1, new byte[PAGE], 0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not write LZ4 blocks");
        }
    }

    /**
     * A store whose pages were partly recompressed (zram's recompress) with lz4hc (LZ4 blocks: the device decodes
     * them) and zstd (not LZ4: the store decodes them): every page comes back exact, each by the right decoder.
     */
    @Test
    void recompressedPagesAreDecodedByTheirOwnCodec() {
        int n = pages.length / PAGE;
        StoreConfig cfg = StoreConfig.defaults().withRecompressCodecs(List.of(CodecSpec.parse("lz4hc:12"), CodecSpec.parse("zstd:9")));
        try (PageStore store = new PageStore(cfg); GpuRestorer r = new GpuRestorer(program, KernelKind.COOP, 128)) {
            long[] ids = new long[n];
            for (int p = 0; p < n; p++) {
                ids[p] = store.store(pages, p * PAGE);
            }
            int[] byPrio = new int[3];
            long plainLz4 = 0;
            for (int p = 0; p < n; p++) {
                if (store.kind(ids[p]) != PageStore.Kind.SAME) {
                    ids[p] = store.recompress(ids[p], p % 2 == 0 ? 1 : 2, 3, 0).id(); // odd pages try zstd only
                }
                if (store.kind(ids[p]) == PageStore.Kind.COMPRESSED) {
                    byPrio[store.priorityOf(ids[p])]++;
                    plainLz4 += store.priorityOf(ids[p]) < 2 ? 1 : 0;
                }
            }
            assertThat(byPrio[1]).as("pages recompressed with lz4hc").isPositive();
            assertThat(byPrio[2]).as("pages recompressed with zstd").isPositive();
            byte[] dst = new byte[n * PAGE];
            long onDevice = 0;
            for (int first = 0; first < n; first += 128) {
                int k = Math.min(128, n - first);
                GpuRestorer.Report rep = r.restoreFromStore(store, Arrays.copyOfRange(ids, first, first + k), k, dst,
                        first * PAGE);
                assertThat(rep.failures()).isEmpty();
                onDevice += rep.onDevice();
            }
            assertThat(onDevice).as("LZ4-block pages on the device").isEqualTo(plainLz4);
            assertThat(Arrays.equals(dst, pages)).isTrue();
        }
    }

    /** Slices of 16 pages under a quota of 2 work-groups, and a yield after the third slice: the rest on the CPU. */
    @ParameterizedTest
    @EnumSource(KernelKind.class)
    void slicedQuotaAndYieldLoseNothing(KernelKind kind) {
        Blocks b = encode("lz4");
        int n = 100;
        byte[] blocks = b.bytes.toByteArray();
        int[] off = Arrays.copyOf(b.offsets(), n);
        int[] len = Arrays.copyOf(b.lengths(), n);
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean yielding = new java.util.concurrent.atomic.AtomicBoolean();
        List<Integer> launched = new ArrayList<>();
        FaultInjector slices = new FaultInjector() {
            @Override
            public void beforeLaunch(long batch, int slice) {
                launched.add(slice);
            }
        };
        GpuRestorer.Fairness fair = new GpuRestorer.Fairness(16, 2, () -> asked.incrementAndGet() >= 3 && yielding.get());
        try (GpuRestorer r = new GpuRestorer(program, kind, n, false, slices, fair)) {
            for (boolean yield : new boolean[] {false, true}) {
                yielding.set(yield);
                asked.set(0);
                launched.clear();
                byte[] dst = new byte[n * PAGE];
                GpuRestorer.Report rep = r.restore(blocks, off, len, n, dst, 0);
                assertRestored("yield " + yield, dst, b, 0, n);
                assertThat(rep.failures()).isEmpty();
                if (yield) { // slices 0, 1, 2 ran (48 pages); the yield came before slice 3
                    assertThat(launched).containsExactly(0, 1, 2);
                    assertThat(rep.onDevice()).isEqualTo(48);
                    assertThat(rep.cpuFallbacks()).isEqualTo(52);
                    assertThat(rep.disagreements()).isZero();
                    assertThat(Arrays.stream(rep.deviceStatus()).skip(48)).containsOnly(RestoreStatus.NOT_RUN);
                } else {
                    assertThat(launched).containsExactly(0, 1, 2, 3, 4, 5, 6);
                    assertThat(rep.onDevice()).isEqualTo(n);
                }
            }
        }
        assertThatThrownBy(() -> new GpuRestorer.Fairness(-1, 0, () -> false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("slice pages -1");
    }

    @Test
    void callerErrorsAreRefusedWithTheirPlace() {
        try (GpuRestorer r = new GpuRestorer(program, KernelKind.PER_ITEM, 4)) {
            byte[] blocks = new byte[100];
            byte[] dst = new byte[4 * PAGE];
            assertThatThrownBy(() -> r.restore(blocks, new int[5], new int[5], 5, new byte[5 * PAGE], 0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("capacity 4");
            assertThatThrownBy(() -> r.restore(blocks, new int[] {0, 90}, new int[] {10, 20}, 2, dst, 0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("page 1: block [90, 110)");
            assertThatThrownBy(() -> r.restore(blocks, new int[] {0, 0}, new int[] {10, 0}, 2, dst, 0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("page 1: block length 0");
            assertThatThrownBy(() -> r.restore(new byte[5000], new int[] {0}, new int[] {4129}, 1, dst, 0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("page 0: block length 4129 (expected 1..4128");
            assertThatThrownBy(() -> r.restore(blocks, new int[] {0}, new int[] {10}, 1, dst, 3 * PAGE + 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("of a 16384-byte array");
            assertThat(r.stats().batches()).isZero();
        }
    }
}
