package dev.gmc.core.store;

import static org.assertj.core.api.Assertions.assertThat;

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
}
