package dev.gmc.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.codec.TestPages;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Idle marking by age ({@code echo AGE > idle}) against a plain model written from 7.0's {@code mark_slot_accessed},
 * {@code slot_free}, {@code mark_idle} and {@code idle_store}: per slot an {@code ac_time} (u32 seconds, set by every
 * read and write, 0 when freed) and ZRAM_IDLE; a cutoff of {@code (u32) now - age} (7.0 to 7.2; from 7.3, and before
 * 7.0, an age beyond the clock gives a cutoff below 0); a slot that holds a page other than a same-filled one is
 * marked if its ac_time is before the cutoff and (from 6.8) unmarked otherwise; 7.0 to 7.2 mark every slot at a
 * cutoff of 0 (an age equal to the clock). (ArmKernelTest checks the same against
 * the kernels.)
 */
class IdleAgeTest {
    private static final int SLOTS = 64;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"LINUX_7_0", "LINUX_7_3", "LINUX_6_19", "LINUX_6_2"})
    void randomReadsWritesAndAgesMatchThePlainModel(String kernel) throws Exception {
        ZramDevice.Behaviour behaviour = (ZramDevice.Behaviour) ZramDevice.Behaviour.class.getField(kernel).get(null);
        ZramDevice.IdleAge rule = behaviour.idleAge();
        boolean wraps = rule == ZramDevice.IdleAge.U32_SECONDS;
        boolean zeroIsAll = wraps; // 7.0 to 7.2: a cutoff of 0 is "all"; 7.3 marks nothing then (zram-idle-now.ops)
        boolean clears = rule != ZramDevice.IdleAge.MARKS;
        StoreConfig config = StoreConfig.defaults().withCodec(CodecSpec.parse("lz4-kernel"));
        byte[] src = TestPages.pages(9, 40); // compressible, huge and same-filled pages
        boolean[] same = new boolean[40];
        for (int p = 0; p < 40; p++) {
            same[p] = SameFilled.testPage(src, p * 4096, 4096);
        }
        long[] now = {1};
        long[] ac = new long[SLOTS];
        int[] page = new int[SLOTS]; // -1: empty
        boolean[] idle = new boolean[SLOTS];
        java.util.Arrays.fill(page, -1);
        SplittableRandom rnd = new SplittableRandom(5);
        int markedByAge = 0;
        int unmarkedByAge = 0;
        try (ZramDevice dev = new ZramDevice(config, SLOTS, 0, behaviour)) {
            dev.clock(() -> now[0]);
            byte[] back = new byte[4096];
            for (int step = 0; step < 20_000; step++) {
                int i = rnd.nextInt(SLOTS);
                int op = rnd.nextInt(100);
                if (op < 30) {
                    int p = rnd.nextInt(40);
                    assertThat(dev.write(i, src, p * 4096)).isTrue();
                    page[i] = p;
                    ac[i] = now[0];
                    idle[i] = false;
                } else if (op < 55) {
                    dev.read(i, back, 0);
                    ac[i] = now[0]; // even an empty slot's (mark_slot_accessed); slot_free clears it on the write
                    idle[i] = false;
                } else if (op < 60) {
                    dev.discard(i);
                    page[i] = -1;
                    ac[i] = 0;
                    idle[i] = false;
                } else if (op < 80) {
                    now[0] += rnd.nextInt(5);
                } else if (op < 97) {
                    long age = rnd.nextInt(8) == 0 ? now[0] : rnd.nextInt(12); // now: a cutoff of 0
                    long cutoff = wraps ? (now[0] - age) & 0xFFFF_FFFFL : age > now[0] ? -1 : now[0] - age;
                    for (int s = 0; s < SLOTS; s++) {
                        if (page[s] >= 0 && !same[page[s]]) {
                            boolean was = idle[s];
                            boolean older = zeroIsAll && cutoff == 0 || cutoff > ac[s];
                            idle[s] = older || was && !clears;
                            markedByAge += !was && idle[s] ? 1 : 0;
                            unmarkedByAge += was && !idle[s] ? 1 : 0;
                        }
                    }
                    dev.markIdle(age);
                } else {
                    for (int s = 0; s < SLOTS; s++) {
                        idle[s] |= page[s] >= 0 && !same[page[s]];
                    }
                    dev.markIdle();
                }
                for (int s = 0; s < SLOTS; s++) {
                    assertThat(dev.isIdle(s)).as("step %d slot %d", step, s).isEqualTo(idle[s]);
                    if (page[s] >= 0) {
                        assertThat(dev.accessTime(s)).as("step %d slot %d ac_time", step, s).isEqualTo(ac[s]);
                    }
                }
            }
        }
        assertThat(markedByAge).isGreaterThan(1000);
        if (clears) {
            assertThat(unmarkedByAge).isGreaterThan(100);
        }
    }

    /**
     * An age beyond the clock wraps the u32 cutoff near 2^32 in 7.0 to 7.2: every slot is older. 7.3 (the default)
     * marks nothing then.
     */
    @Test
    void anAgeBeyondTheClockMarksEverythingIn70To72() {
        byte[] src = TestPages.pages(2, 8);
        try (ZramDevice now73 = new ZramDevice(StoreConfig.defaults(), 8)) {
            now73.clock(() -> 100);
            for (int i = 0; i < 8; i++) {
                now73.write(i, src, i * 4096);
            }
            assertThat(now73.markIdle(101)).isZero();
            assertThat(now73.markIdle(100)).isZero(); // an age equal to the clock, too
        }
        try (ZramDevice dev = new ZramDevice(StoreConfig.defaults(), 8, 0, ZramDevice.Behaviour.LINUX_7_0)) {
            dev.clock(() -> 100);
            int stored = 0;
            for (int i = 0; i < 8; i++) {
                dev.write(i, src, i * 4096);
                stored += SameFilled.testPage(src, i * 4096, 4096) ? 0 : 1;
            }
            assertThat(dev.markIdle(50)).isZero(); // everything was written at 100
            assertThat(dev.markIdle(101)).isEqualTo(stored);
            assertThat(dev.markIdle("0")).isZero();
            assertThat(dev.markIdle("101\n")).isEqualTo(stored); // echo's newline
            assertThat(dev.markIdle("all\n")).isEqualTo(stored);
            assertThat(dev.markIdle(100)).isEqualTo(stored); // a cutoff of 0 is "all"
        }
    }

    @ParameterizedTest(name = "''{0}'' is {1}")
    @CsvSource(delimiter = '|', value = {"10|10", "+10|10", "0x10|16", "0X1f|31", "017|15", "0|0",
            "4294967295|4294967295"})
    void agesParseAsKstrtouintInBaseZero(String text, long age) {
        try (ZramDevice dev = new ZramDevice(StoreConfig.defaults(), 1);
             ZramDevice ref = new ZramDevice(StoreConfig.defaults(), 1)) {
            byte[] page = TestPages.pages(3, 1);
            dev.clock(() -> 1000);
            ref.clock(() -> 1000);
            dev.write(0, page, 0);
            ref.write(0, page, 0);
            assertThat(dev.markIdle(text)).isEqualTo(ref.markIdle(age));
        }
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"x", "5 5", "", "-1", "08", "0x", "4294967296", "1.5", "all all", "ALL"})
    void otherTextsAreEinval(String text) {
        try (ZramDevice dev = new ZramDevice(StoreConfig.defaults(), 1)) {
            assertThatThrownBy(() -> dev.markIdle(text)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("EINVAL").hasMessageContaining("'" + text.strip() + "'");
        }
    }
}
