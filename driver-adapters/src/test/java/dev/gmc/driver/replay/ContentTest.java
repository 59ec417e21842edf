package dev.gmc.driver.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import net.jpountz.lz4.LZ4Factory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The trace contents against their definitions (Content's javadoc, docs/TRACE-FORMAT.md): each kind's shape checked
 * byte by byte, position independence, and mix's documented shares.
 */
class ContentTest {
    private static final int PAGE = 4096;

    private static byte[] fill(String spec, long seed, long pos, int len) {
        byte[] b = new byte[len];
        Content.parse(spec).fill(seed, pos, b, 0, len);
        return b;
    }

    /** Any range equals the same range of the whole buffer: a write into a page writes what the whole page holds. */
    @ParameterizedTest
    @ValueSource(strings = {"zero", "same:0x11223344", "gradient", "text", "noise", "mix"})
    void anyRangeIsTheSameRangeOfTheWholeBuffer(String spec) {
        byte[] whole = fill(spec, 42, 0, 6 * PAGE);
        SplittableRandom r = new SplittableRandom(spec.hashCode());
        for (int k = 0; k < 200; k++) {
            int from = r.nextInt(whole.length);
            int len = 1 + r.nextInt(whole.length - from);
            byte[] part = new byte[len + 3];
            Content.parse(spec).fill(42, from, part, 3, len); // at an offset in dst, too
            assertThat(Arrays.equals(part, 3, len + 3, whole, from, from + len)).as("%s [%d, +%d)", spec, from, len)
                    .isTrue();
            assertThat(part[0] | part[1] | part[2]).as("bytes before off untouched").isZero();
        }
    }

    @Test
    void theSeedAndThePageChangeTheBytesOfEveryKindButZero() {
        for (String spec : new String[] {"gradient", "text", "noise", "mix"}) {
            assertThat(fill(spec, 1, 0, 4 * PAGE)).as(spec).isNotEqualTo(fill(spec, 2, 0, 4 * PAGE));
        }
        byte[] noise = fill("noise", 1, 0, 2 * PAGE);
        assertThat(Arrays.equals(noise, 0, PAGE, noise, PAGE, 2 * PAGE)).as("two noise pages").isFalse();
        assertThat(fill("zero", 5, 0, PAGE)).containsOnly(0);
    }

    @Test
    void sameIsTheColourInItsWrittenByteOrder() {
        byte[] b = fill("same:0xff8000c1", 9, 0, 2 * PAGE);
        for (int i = 0; i < b.length; i += 4) {
            assertThat(new byte[] {b[i], b[i + 1], b[i + 2], b[i + 3]}).as("pixel at %d", i)
                    .containsExactly(0xff, 0x80, 0x00, 0xc1);
        }
        assertThat(fill("same:1", 0, 0, 4)).containsExactly(0, 0, 0, 1);
        assertThatThrownBy(() -> Content.parse("same:0xzz")).hasMessageContaining("same: expects a hex colour")
                .hasMessageContaining("'0xzz'");
        assertThatThrownBy(() -> Content.parse("sparkle")).hasMessageContaining("content 'sparkle'");
        assertThat(Content.parse(" Gradient ").kind()).isEqualTo(Content.Kind.GRADIENT);
    }

    /** RGBA8888 in 256-pixel rows: R steps every 16 pixels, G is the row (plus x / 64), B one value a page, A 0xff. */
    @Test
    void gradientIsBandedRgbaRows() {
        byte[] b = fill("gradient", 3, 0, 8 * PAGE);
        for (int page = 0; page < 8; page++) {
            int blue = b[page * PAGE + 2];
            for (int i = page * PAGE; i < (page + 1) * PAGE; i += 4) {
                int x = (i / 4) % 256;
                int y = (i / 4 / 256) % 256;
                assertThat(b[i] & 0xff).as("R at %d", i).isEqualTo(x / 16 * 16);
                assertThat(b[i + 1] & 0xff).as("G at %d", i).isEqualTo((y + x / 64) & 0xff);
                assertThat((int) b[i + 2]).as("B at %d", i).isEqualTo(blue);
                assertThat(b[i + 3] & 0xff).as("A at %d", i).isEqualTo(0xff);
            }
        }
    }

    @Test
    void textIsTheWordListAndNoiseDoesNotCompress() {
        String words = "the quick brown fox jumps over the lazy dog; settings menu button label ok cancel ";
        byte[] t = fill("text", 4, 0, 4 * PAGE);
        for (int page = 0; page < 4; page++) { // each page is the word list, cycled from some start
            int base = page * PAGE;
            boolean found = false;
            for (int start = 0; start < words.length() && !found; start++) {
                int st = start;
                found = java.util.stream.IntStream.range(0, PAGE)
                        .allMatch(j -> t[base + j] == words.charAt((st + j) % words.length()));
            }
            assertThat(found).as("text page %d is the word list from some start", page).isTrue();
        }
        var lz4 = LZ4Factory.fastestJavaInstance().fastCompressor();
        byte[] n = fill("noise", 4, 0, 16 * PAGE);
        for (int p = 0; p < 16; p++) {
            assertThat(lz4.compress(Arrays.copyOfRange(n, p * PAGE, (p + 1) * PAGE)).length).as("noise page %d", p)
                    .isGreaterThan(PAGE);
        }
        assertThat(lz4.compress(Arrays.copyOf(t, PAGE)).length).isLessThan(PAGE / 4);
    }

    /** What kind a filled page is, read from its bytes alone. */
    private static Content.Kind classify(byte[] b, int off) {
        boolean zero = true;
        boolean same = true;
        for (int i = off; i < off + PAGE; i++) {
            zero &= b[i] == 0;
            same &= b[i] == b[off + (i & 3)];
        }
        if (zero) {
            return Content.Kind.ZERO;
        }
        if (same) {
            return Content.Kind.SAME;
        }
        if (b[off + 3] == (byte) 0xff && b[off + 7] == (byte) 0xff && b[off + PAGE - 1] == (byte) 0xff
                && b[off] == 0 && b[off + 4 * 16] == 16) {
            return Content.Kind.GRADIENT;
        }
        return new String(b, off, PAGE, java.nio.charset.StandardCharsets.ISO_8859_1).matches("[a-z ;]*")
                ? Content.Kind.TEXT : Content.Kind.NOISE;
    }

    /**
     * mix's documented shares: zero 30 %, same 10 %, gradient 25 %, text 20 %, noise 15 %. 40,000 pages put one
     * percentage point at about 7 standard deviations, so a tolerance of 0.5 points fails a share that is one off.
     */
    @Test
    void mixDrawsEachKindAtItsDocumentedShare() {
        int pages = 40_000;
        Map<Content.Kind, Integer> n = new EnumMap<>(Content.Kind.class);
        byte[] page = new byte[PAGE];
        Content mix = Content.parse("mix");
        for (long seed : new long[] {1, 77}) {
            for (int p = 0; p < pages / 2; p++) {
                mix.fill(seed, (long) p * PAGE, page, 0, PAGE);
                n.merge(classify(page, 0), 1, Integer::sum);
            }
        }
        Map<Content.Kind, Double> want = Map.of(Content.Kind.ZERO, 30.0, Content.Kind.SAME, 10.0,
                Content.Kind.GRADIENT, 25.0, Content.Kind.TEXT, 20.0, Content.Kind.NOISE, 15.0);
        want.forEach((k, pct) -> assertThat(100.0 * n.getOrDefault(k, 0) / pages).as("%s share (%s)", k, n)
                .isCloseTo(pct, org.assertj.core.data.Offset.offset(0.5)));
    }

    /** The classifier itself, on pages of one kind, so that the shares above measure mix and not the classifier. */
    @Test
    void theClassifierKnowsEachKind() {
        for (Content.Kind k : new Content.Kind[] {Content.Kind.ZERO, Content.Kind.GRADIENT, Content.Kind.TEXT,
                Content.Kind.NOISE}) {
            for (long seed = 0; seed < 50; seed++) {
                byte[] b = fill(k.name().toLowerCase(java.util.Locale.ROOT), seed, seed * PAGE, PAGE);
                assertThat(classify(b, 0)).as("%s seed %d", k, seed).isEqualTo(k);
            }
        }
        assertThat(classify(fill("same:0x01020304", 0, 0, PAGE), 0)).isEqualTo(Content.Kind.SAME);
    }
}
