package dev.gmc.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ZstdDictionaryTest {

    /** A page of a synthetic "texture atlas": tiles drawn from a small palette of 64-byte patterns, with noise. */
    static byte[] atlasPage(SplittableRandom r, byte[][] patterns) {
        byte[] p = new byte[4096];
        for (int o = 0; o < 4096; o += 64) {
            System.arraycopy(patterns[r.nextInt(patterns.length)], 0, p, o, 64);
            p[o + r.nextInt(64)] = (byte) r.nextInt();
        }
        return p;
    }

    static List<byte[]> atlas(long seed, int n) {
        SplittableRandom shape = new SplittableRandom(99);
        byte[][] patterns = new byte[40][64];
        for (byte[] q : patterns) {
            for (int i = 0; i < q.length; i++) {
                q[i] = (byte) shape.nextInt();
            }
        }
        SplittableRandom r = new SplittableRandom(seed);
        List<byte[]> pages = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pages.add(atlasPage(r, patterns));
        }
        return pages;
    }

    static byte[] trained() {
        return ZstdDictionary.train(atlas(1, 400), 16384);
    }

    @Test
    void aTrainedDictionaryShrinksPagesItWasNotTrainedOnAndTheyRoundTrip() {
        byte[] dict = trained();
        assertThat(dict.length).isBetween(256, 16384);
        List<byte[]> heldOut = atlas(2, 200);
        long plain = 0;
        long withDict = 0;
        byte[] out = new byte[8192];
        byte[] back = new byte[4096];
        try (PageCodec a = CodecSpec.parse("zstd:3").newCodec();
             PageCodec b = CodecSpec.parse("zstd:3").withDictionary(dict).newCodec()) {
            for (byte[] p : heldOut) {
                plain += a.compress(p, 0, 4096, out, 0, out.length);
                int n = b.compress(p, 0, 4096, out, 0, out.length);
                withDict += n;
                b.decompress(out, 0, n, back, 0, 4096);
                assertThat(Arrays.equals(back, p)).isTrue();
            }
        }
        // each page repeats the 64-byte patterns only a few times; the dictionary holds them all
        assertThat(withDict).isLessThan(plain * 3 / 4);
    }

    @Test
    void tooFewSamplesOrABadSizeIsAClearError() {
        assertThatThrownBy(() -> ZstdDictionary.train(atlas(3, 5), 16384))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("5 sample pages");
        assertThatThrownBy(() -> ZstdDictionary.train(atlas(3, 50), 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dictionary size: 10");
    }
}
