package dev.gmc.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The LZO1X decoder on streams assembled by hand, one instruction form at a time, including forms the kernel's
 * compressor never writes (M1 matches, which liblzo2's other compressors do write). The expected output is built
 * alongside by a plain model: literals appended, matches copied byte by byte from {@code dist} back.
 */
class LzoDecoderTest {

    /** A stream and its expected output, written together. */
    private static final class Asm {
        final ByteArrayOutputStream code = new ByteArrayOutputStream();
        final ByteArrayOutputStream plain = new ByteArrayOutputStream();
        int seed = 1;

        Asm bytes(int... b) {
            for (int x : b) {
                code.write(x);
            }
            return this;
        }

        /** Appends {@code n} pseudo-random literal bytes to both the stream and the output. */
        Asm literals(int n) {
            for (int i = 0; i < n; i++) {
                seed = seed * 1103515245 + 12345;
                int b = (seed >>> 16) & 0xFF;
                code.write(b);
                plain.write(b);
            }
            return this;
        }

        /** The model's match: {@code len} bytes copied one at a time from {@code dist} back (overlap allowed). */
        Asm copy(int dist, int len) {
            for (int i = 0; i < len; i++) {
                byte[] p = plain.toByteArray();
                plain.write(p[p.length - dist]);
            }
            return this;
        }

        Asm zeros(int n) {
            for (int i = 0; i < n; i++) {
                plain.write(0);
            }
            return this;
        }

        Asm end() {
            return bytes(0x11, 0, 0);
        }

        byte[] decode(int len) {
            byte[] src = code.toByteArray();
            byte[] out = new byte[len];
            LzoDecoder.decompress("lzo", src, 0, src.length, out, 0, len);
            return out;
        }
    }

    @Test
    void m1MatchesAfterTrailingLiteralsAndAfterALiteralRun() {
        Asm a = new Asm();
        // a literal run of 2100 bytes: 0, then 8 zero bytes (8 × 255) and 42: 3 + 15 + 2040 + 42 = 2100
        a.bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 42).literals(2100);
        // M1 right after a literal run: 3 bytes from 1 + 0x800 + D back, D = 5 = (1 << 2 | 1); 1 trailing literal
        a.bytes(0b0101, 1).copy(1 + 0x800 + 5, 3).literals(1);
        // M1 after 1..3 trailing literals: 2 bytes from 1 + D back, D = 9 = (2 << 2 | 1)
        a.bytes(0b0100, 2).copy(10, 2);
        a.end();
        byte[] want = a.plain.toByteArray();
        assertThat(a.decode(want.length)).isEqualTo(want);
    }

    @Test
    void m2M3AndM4WithLengthExtensionsAndOverlappingCopies() {
        Asm a = new Asm();
        a.bytes(17 + 200).literals(200);                        // first-byte literal run
        a.bytes(0b111_011_00, 4).copy(1 + 3 + (4 << 3), 8);     // M2: length 8, distance 36
        a.bytes(32 | 0, 0, 10, 0 << 2, 0).copy(1, 31 + 255 + 10 + 2); // M3 extended: 298 bytes at distance 1
        a.bytes(32 | 5, ((99 & 63) << 2) | 2, 99 >>> 6).copy(100, 7).literals(2); // M3 length 7, distance 100, 2 trailing literals
        // grow the output past 16 KiB + 300 with M3 copies so that an M4 distance is reachable
        for (int i = 0; i < 60; i++) {
            a.bytes(32, 0, 30, ((400 - 1) & 63) << 2, (400 - 1) >>> 6).copy(400, 31 + 255 + 30 + 2);
        }
        int d = 0x4000 + 300; // M4: distance 0x4000 + (H << 14) + D; H = 0 here
        a.bytes(16 | 0, 0, 1, ((d - 0x4000) & 63) << 2, (d - 0x4000) >>> 6).copy(d, 7 + 255 + 1 + 2);
        a.bytes(16 | 5, ((d - 0x4000) & 63) << 2 | 3, (d - 0x4000) >>> 6).copy(d, 7).literals(3);
        a.end();
        byte[] want = a.plain.toByteArray();
        assertThat(want.length).isGreaterThan(0x4000 + 300);
        assertThat(a.decode(want.length)).isEqualTo(want);
    }

    @Test
    void zeroRunsOnlyInAVersionOneStream() {
        Asm a = new Asm().bytes(17, 1); // lzo-rle header
        a.bytes(17 + 10).literals(10);
        int r = 2051 - 4; // the longest run: R + 4 = 2051
        a.bytes(0x18 | (r & 7), 0xfc | 2, 0xff, r >>> 3).zeros(2051).literals(2);
        a.bytes(0x18, 0xfc, 0xff, 0).zeros(4); // the shortest, 4
        a.end();
        byte[] want = a.plain.toByteArray();
        assertThat(a.decode(want.length)).isEqualTo(want);

        // the same bytes without the header are an M4 instruction reaching far before the output's start
        byte[] v0 = Arrays.copyOfRange(a.code.toByteArray(), 2, a.code.size());
        assertThatThrownBy(() -> LzoDecoder.decompress("lzo", v0, 0, v0.length, new byte[want.length], 0, want.length))
                .isInstanceOf(CorruptPageException.class).hasMessageContaining("reaches before the output's start")
                .hasMessageContaining("instruction at compressed byte 11");
    }

    @Test
    void eachMalformationIsNamedWithItsOffset() {
        byte[] ok = new Asm().bytes(17 + 8).literals(8).bytes(0b011_000_00, 0).end().code.toByteArray(); // 8 + 4
        byte[] out = new byte[12];
        LzoDecoder.decompress("lzo", ok, 0, ok.length, out, 0, 12);

        assertThatThrownBy(() -> LzoDecoder.decompress("lzo", ok, 0, ok.length - 1, out, 0, 12))
                .hasMessageContaining("input overrun").hasMessageContaining("instruction at compressed byte 11");
        assertThatThrownBy(() -> LzoDecoder.decompress("lzo", ok, 0, ok.length, new byte[11], 0, 11))
                .hasMessageContaining("output overrun");
        assertThatThrownBy(() -> LzoDecoder.decompress("lzo", ok, 0, ok.length, new byte[13], 0, 13))
                .hasMessageContaining("decoded 12 bytes");
        byte[] trailing = Arrays.copyOf(ok, ok.length + 2);
        assertThatThrownBy(() -> LzoDecoder.decompress("lzo", trailing, 0, trailing.length, out, 0, 12))
                .hasMessageContaining("2 bytes after the end marker");
        byte[] badEnd = ok.clone();
        badEnd[ok.length - 3] = 0x12; // M4 length 4 with distance 0
        assertThatThrownBy(() -> LzoDecoder.decompress("lzo", badEnd, 0, badEnd.length, out, 0, 12))
                .hasMessageContaining("end marker with length 4");
        byte[] far = ok.clone();
        far[10] = 1; // M2 distance 1 + (1 << 3) = 9 > 8 bytes written
        assertThatThrownBy(() -> LzoDecoder.decompress("lzo", far, 0, far.length, out, 0, 12))
                .isInstanceOf(CorruptPageException.class)
                .hasMessageContaining("match distance 9 reaches before the output's start (at output byte 8)")
                .hasMessageContaining("compressed length 14").hasMessageContaining("expected decompressed length 12");
        assertThatThrownBy(() -> LzoDecoder.decompress("lzo", new byte[2], 0, 2, out, 0, 12))
                .hasMessageContaining("shorter than the 3-byte end marker");
    }

    @Test
    void emptyInputsOfBothVersions() {
        for (boolean rle : new boolean[] {false, true}) {
            byte[] out = new byte[KernelLzoCompressor.worstCase(0)];
            int n = new KernelLzoCompressor(rle).compress(new byte[0], 0, 0, out, 0);
            assertThat(Arrays.copyOf(out, n)).isEqualTo(rle ? new byte[] {17, 1, 17, 0, 0} : new byte[] {17, 0, 0});
            LzoDecoder.decompress("lzo", out, 0, n, new byte[0], 0, 0);
        }
    }
}
