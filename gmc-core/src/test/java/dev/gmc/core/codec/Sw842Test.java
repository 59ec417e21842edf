package dev.gmc.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code 842} against the kernel's own software 842 ({@code lib/842}, compiled in userspace: scripts/oracle/README.md):
 * the length and SHA-256 of its output for every page of two sets and a digest of a third, and streams built by hand
 * for the decoder's refusals. (Its sizes through zram are ArmKernelTest's 842 lines of Linux 6.11, 6.14 and 6.17; its
 * decoder accepted exactly the streams the kernel's did, with the same output, on 300,000 mutated ones, a run not
 * kept in CI: docs/TESTING.md.)
 */
class Sw842Test {

    @ParameterizedTest
    @ValueSource(strings = {"real-mix", "synthetic-seed1-1200"})
    void everyPageIsByteIdenticalToTheKernelsAndDecodes(String set) throws Exception {
        byte[] pages = KernelLz4HcGoldenTest.pageSet(set);
        List<String[]> rows = KernelLz4HcGoldenTest.rows("/golden/" + set + ".kernel-842.sha");
        assertThat(rows).hasSize(pages.length / 4096);
        try (PageCodec c = CodecSpec.parse("842").newCodec()) {
            byte[] out = new byte[c.maxCompressedLength(4096)];
            byte[] back = new byte[4096];
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String[] r : rows) {
                int i = Integer.parseInt(r[0]);
                int n = c.compress(pages, i * 4096, 4096, out, 0, out.length);
                assertThat(n).as("%s page %d length", set, i).isEqualTo(Integer.parseInt(r[1]));
                sha.reset();
                sha.update(out, 0, n);
                assertThat(HexFormat.of().formatHex(sha.digest()).substring(0, 16)).as("%s page %d bytes", set, i)
                        .isEqualTo(r[2]);
                c.decompress(out, 0, n, back, 0, 4096);
                assertThat(Arrays.equals(back, 0, 4096, pages, i * 4096, i * 4096 + 4096)).as("page %d", i).isTrue();
            }
        }
    }

    @Test
    void edgePagesGiveTheKernelsBytes() throws Exception {
        String[] r = KernelLz4HcGoldenTest.rows("/golden/edge-seed1-600.kernel-842.sha").get(0);
        byte[] pages = KernelLz4HcGoldenTest.pageSet(r[0]);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        long total = 0;
        try (PageCodec c = CodecSpec.parse("842").newCodec()) {
            byte[] out = new byte[c.maxCompressedLength(4096)];
            for (int off = 0; off < pages.length; off += 4096) {
                int n = c.compress(pages, off, 4096, out, 0, out.length);
                all.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(n).array());
                all.write(out, 0, n);
                total += n;
            }
        }
        assertThat(pages.length / 4096).isEqualTo(Integer.parseInt(r[1]));
        assertThat(total).isEqualTo(Long.parseLong(r[2]));
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(all.toByteArray()))
                .substring(0, 16)).isEqualTo(r[3]);
    }

    /** The kernel's crc32_be(0, ...): CRC-32 with polynomial 0x04C11DB7, MSB first, no inversion (check value). */
    @Test
    void crcIsTheKernelsBigEndianCrc32() {
        byte[] check = "123456789".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        // CRC-32/MPEG-2 (init 0xFFFFFFFF) of "123456789" is 0x0376E6E7; with init 0 and no xor it is 0x89A1897F
        assertThat(Sw842.crc32Be(0xFFFFFFFF, check, 0, 9)).isEqualTo(0x0376E6E7);
        assertThat(Sw842.crc32Be(0, check, 0, 9)).isEqualTo(0x89A1897F);
    }

    /** Streams the kernel refuses, and one it would read before the page for: each a clear error naming 842. */
    @Test
    void badStreamsAreRefusedWithTheKernelsReason() {
        try (PageCodec c = CodecSpec.parse("842").newCodec()) {
            byte[] page = TestPages.page(3, 2);
            byte[] out = new byte[c.maxCompressedLength(4096)];
            int n = c.compress(page, 0, 4096, out, 0, out.length);
            byte[] back = new byte[4096];
            byte[] crc = Arrays.copyOf(out, n);
            // a bit flipped near the end (the CRC, or the last templates): the CRC no longer matches or the stream breaks
            crc[n - 9] ^= 0x01;
            assertThatThrownBy(() -> c.decompress(crc, 0, n, back, 0, 4096)).isInstanceOf(CorruptPageException.class)
                    .hasMessageContaining("842");
            // a repeat (0x1B) as the very first template: nothing to repeat
            byte[] repeatFirst = {(byte) (0x1B << 3), 0, 0, 0, 0, 0, 0, 0};
            assertThatThrownBy(() -> c.decompress(repeatFirst, 0, 8, back, 0, 4096))
                    .hasMessageContaining("a repeat with 0 bytes before it (EINVAL)");
            // short data of 3 bytes, then a repeat: 3 bytes before it, where the kernel would read before the page
            long bits = ((long) 0x1D << 59) | (3L << 56) | (0xAABBCCL << 32) | ((long) 0x1B << 27);
            byte[] shortThenRepeat = ByteBuffer.allocate(8).putLong(bits).array();
            assertThatThrownBy(() -> c.decompress(shortThenRepeat, 0, 8, back, 0, 4096))
                    .hasMessageContaining("a repeat with 3 bytes before it (EINVAL)");
            // template code 0x1F does not exist
            byte[] badCode = {(byte) 0xF8, 0, 0, 0, 0, 0, 0, 0};
            assertThatThrownBy(() -> c.decompress(badCode, 0, 8, back, 0, 4096))
                    .hasMessageContaining("template code 0x1f (EINVAL)");
            // truncated: the stream ends inside a field
            assertThatThrownBy(() -> c.decompress(out, 0, 3, back, 0, 4096))
                    .hasMessageContaining("EOVERFLOW");
            // a whole page's stream into a smaller page: ENOSPC
            assertThatThrownBy(() -> c.decompress(out, 0, n, back, 0, 2048)).hasMessageContaining("ENOSPC");
        }
    }

    /**
     * The compressor's hash lists against the kernel's rule stated plainly: the slot found for a value is, among the
     * slots that hold it now, the one that took it last (a scan of all slots with their stamps). Random replacements
     * over a small value range (long chains, values coming and going) and a large one (map collisions).
     */
    @ParameterizedTest
    @ValueSource(ints = {4, 300, 1 << 30})
    void recencyListsFindTheSlotThatTookTheValueLast(int values) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(values);
        for (int slots : new int[] {256, 512}) {
            Sw842.Table t = new Sw842.Table(slots);
            for (int round = 0; round < 3; round++) {
                t.reset();
                long[] value = new long[slots];
                long[] stamp = new long[slots]; // 0: never added since the reset
                for (int step = 1; step <= 20_000; step++) {
                    int s = r.nextInt(slots);
                    long v = r.nextInt(values) * 0x1_0000_0001L; // spread over the key's bits
                    t.replace(s, v);
                    value[s] = v;
                    stamp[s] = step;
                    long probe = r.nextBoolean() ? v : r.nextInt(values) * 0x1_0000_0001L;
                    int want = -1;
                    for (int k = 0; k < slots; k++) {
                        if (stamp[k] != 0 && value[k] == probe && (want < 0 || stamp[k] > stamp[want])) {
                            want = k;
                        }
                    }
                    assertThat(t.find(probe)).as("slots %d step %d value %d", slots, step, probe).isEqualTo(want);
                }
            }
        }
    }
}
