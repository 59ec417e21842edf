package dev.gmc.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link SameFilled#test} against the kernel's word-by-word definition, on pages that differ in one byte anywhere. */
class SameFilledTest {
    /** zram's page_same_filled, as written: every 8-byte word equals the first. */
    static boolean reference(byte[] page, int off) {
        ByteBuffer b = ByteBuffer.wrap(page, off, 4096).order(ByteOrder.LITTLE_ENDIAN);
        long v = b.getLong(off);
        for (int i = 0; i < 4096; i += 8) {
            if (b.getLong(off + i) != v) {
                return false;
            }
        }
        return true;
    }

    @Test
    void agreesWithTheWordByWordDefinitionForEveryByteChanged() {
        SplittableRandom rnd = new SplittableRandom(7);
        byte[] buf = new byte[4096 + 24];
        for (int trial = 0; trial < 40; trial++) {
            int off = trial % 24;
            long word = trial % 3 == 0 ? 0 : rnd.nextLong();
            ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 4096; i += 8) {
                b.putLong(off + i, word);
            }
            assertThat(SameFilled.test(buf, off)).isTrue();
            assertThat(SameFilled.fillValue(buf, off)).isEqualTo(word);
            for (int pos = 0; pos < 4096; pos++) {
                byte old = buf[off + pos];
                buf[off + pos] = (byte) (old ^ (1 << rnd.nextInt(8)));
                assertThat(SameFilled.test(buf, off)).as("offset %d, byte %d changed", off, pos)
                        .isEqualTo(reference(buf, off)).isFalse();
                buf[off + pos] = old;
            }
        }
    }

    @Test
    void aPeriodOtherThanEightBytesIsNotSameFilled() {
        byte[] page = new byte[4096];
        for (int i = 0; i < 4096; i++) {
            page[i] = (byte) (i % 16 < 8 ? 1 : 2); // 16-byte period: words alternate
        }
        assertThat(SameFilled.test(page, 0)).isEqualTo(reference(page, 0)).isFalse();
        for (int i = 0; i < 4096; i++) {
            page[i] = (byte) (i % 4); // 4-byte period: every word equal
        }
        assertThat(SameFilled.test(page, 0)).isEqualTo(reference(page, 0)).isTrue();
    }

    /** A 32-bit kernel's page_same_filled: every 4-byte word equals the first. */
    static boolean reference32(byte[] page, int off) {
        ByteBuffer b = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
        int v = b.getInt(off);
        for (int i = 0; i < 4096; i += 4) {
            if (b.getInt(off + i) != v) {
                return false;
            }
        }
        return true;
    }

    @Test
    void aThirtyTwoBitKernelComparesFourByteWords() {
        SplittableRandom rnd = new SplittableRandom(11);
        byte[] page = new byte[4096 + 8];
        for (int trial = 0; trial < 200; trial++) {
            int off = trial % 8;
            int lo = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt();
            int hi = trial % 2 == 0 ? lo : rnd.nextInt(); // two alternating RGBA8888 pixels, say
            ByteBuffer b = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 4096; i += 8) {
                b.putInt(off + i, lo).putInt(off + i + 4, hi);
            }
            if (trial % 5 == 4) {
                page[off + rnd.nextInt(4096)] ^= 1;
            }
            assertThat(SameFilled.test(page, off, 8)).as("trial %d, 64-bit", trial).isEqualTo(reference(page, off));
            assertThat(SameFilled.test(page, off, 4)).as("trial %d, 32-bit", trial).isEqualTo(reference32(page, off));
            if (SameFilled.test(page, off, 4)) {
                assertThat(SameFilled.halvesEqual(SameFilled.fillValue(page, off))).isTrue();
            }
        }
    }

    /**
     * A 16 KiB page: same-filled only if all 16,384 bytes are one word repeated. Every byte position, changed alone,
     * makes it not same-filled (the 4 KiB test's probes and scan stop at 4096; this one must not), and four 4 KiB
     * pages each same-filled with another word are one page that is not.
     */
    @Test
    void aSixteenKiBPageIsTestedToItsEnd() {
        byte[] page = new byte[16384 + 8];
        int off = 5;
        ByteBuffer b = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 16384; i += 8) {
            b.putLong(off + i, 0x0102030405060708L);
        }
        assertThat(SameFilled.testPage(page, off, 16384)).isTrue();
        for (int pos = 0; pos < 16384; pos++) {
            page[off + pos] ^= 0x10;
            assertThat(SameFilled.testPage(page, off, 16384)).as("byte %d changed", pos).isFalse();
            assertThat(SameFilled.test(page, off, 8, 16384)).isFalse();
            page[off + pos] ^= 0x10;
        }
        for (int i = 0; i < 16384; i += 8) {
            b.putLong(off + i, i / 4096); // four 4 KiB pages of 0, 1, 2, 3
        }
        assertThat(SameFilled.test(page, off)).isTrue(); // the first 4 KiB alone
        assertThat(SameFilled.testPage(page, off, 16384)).isFalse();
        assertThatThrownBy(() -> SameFilled.testPage(page, 0, 1000)).hasMessageContaining("page size: 1000");
    }
}
