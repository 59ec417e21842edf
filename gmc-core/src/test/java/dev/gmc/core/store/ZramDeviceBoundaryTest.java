package dev.gmc.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.codec.TestPages;
import java.util.List;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;

/**
 * {@link ZramDevice} at its edges, written against mutants that PIT showed the kernel-line and writeback tests let
 * through (docs/TESTING.md, "Mutation score"): slots outside the device, a backing device too large,
 * {@code compact}'s return value, {@code echo 0 > mem_used_max}, a closed device and the default clock.
 */
class ZramDeviceBoundaryTest {
    private static final StoreConfig LZ4 = StoreConfig.defaults().withCodec(CodecSpec.parse("lz4-kernel"));
    private static final int PAGES = 8;

    /** A device whose slot i holds page i of seed 5 (kinds 0..7: zero, same-filled and six compressible pages). */
    private static ZramDevice filled() {
        ZramDevice dev = new ZramDevice(LZ4, PAGES);
        for (int i = 0; i < PAGES; i++) {
            assertThat(dev.write(i, TestPages.page(5, i), 0)).isTrue();
        }
        return dev;
    }

    @Test
    void everySlotOperationRefusesSlotsOutsideTheDeviceAndChangesNothing() {
        try (ZramDevice dev = filled()) {
            MmStat before = dev.mmStat();
            byte[] page = TestPages.page(6, 3);
            byte[] dst = new byte[4096];
            List<IntConsumer> ops = List.of(i -> dev.write(i, page, 0), i -> dev.read(i, dst, 0), dev::discard,
                    dev::accessTime, dev::isIdle, dev::isIncompressible, dev::idAt, dev::isWrittenBack, dev::blockOf);
            for (int index : new int[] {-1, PAGES, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
                for (int op = 0; op < ops.size(); op++) {
                    IntConsumer o = ops.get(op);
                    assertThatThrownBy(() -> o.accept(index)).as("operation %d on slot %d", op, index)
                            .isInstanceOf(IndexOutOfBoundsException.class)
                            .hasMessage("zram slot " + index + " (device has " + PAGES + " pages)");
                }
            }
            assertThat(dev.mmStat()).isEqualTo(before);
            for (int i = 0; i < PAGES; i++) {
                dev.read(i, dst, 0);
                assertThat(dst).as("slot %d", i).isEqualTo(TestPages.page(5, i));
            }
            assertThat(dev.idAt(PAGES - 1)).isPositive();
            assertThat(dev.isWrittenBack(PAGES - 1)).isFalse();
        }
    }

    @Test
    void aBackingDeviceLargerThanOneArrayIsRefused() {
        int max = ZramDevice.maxBackingPages(4096);
        assertThat(max).isEqualTo(ZramDevice.MAX_BACKING_PAGES).isEqualTo((Integer.MAX_VALUE - 8) / 4096);
        // (a device of exactly max pages would allocate its 2 GiB array at once: more than a test's heap)
        try (ZramDevice dev = new ZramDevice(LZ4, 1, 64, ZramDevice.WritebackOrder.LARGEST_FIRST)) {
            assertThat(dev.backingPages()).isEqualTo(64);
        }
        try (ZramDevice dev = new ZramDevice(LZ4, 1, 0, ZramDevice.WritebackOrder.SLOT_INDEX)) {
            assertThat(dev.backingPages()).isZero();
        }
        for (int bad : new int[] {-1, max + 1, Integer.MAX_VALUE}) {
            assertThatThrownBy(() -> new ZramDevice(LZ4, 1, bad, ZramDevice.WritebackOrder.LARGEST_FIRST))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("backing device: " + bad + " pages (expected 0.." + max + " of 4096 bytes)");
        }
    }

    @Test
    void compactReturnsThePagesItFreedAsPagesCompactedCounts() {
        // one class's zspages, every other object freed: zs_compact can pack them into half as many
        byte[] page = TestPages.page(5, 6); // text: one size class, several objects per zspage
        int n = 600;
        try (ZramDevice dev = new ZramDevice(LZ4, n)) {
            for (int i = 0; i < n; i++) {
                assertThat(dev.write(i, page, 0)).isTrue();
            }
            for (int i = 0; i < n; i += 2) {
                dev.discard(i);
            }
            long usedBefore = dev.mmStat().memUsedTotal();
            long freed = dev.compact();
            assertThat(freed).isPositive().isEqualTo(dev.mmStat().pagesCompacted());
            assertThat(dev.mmStat().memUsedTotal()).isEqualTo(usedBefore - freed * 4096);
            assertThat(dev.compact()).isZero();
            byte[] dst = new byte[4096];
            for (int i = 1; i < n; i += 2) {
                dev.read(i, dst, 0);
                assertThat(dst).isEqualTo(page);
            }
        }
    }

    @Test
    void resettingMemUsedMaxRestartsItAtThePoolsCurrentSize() {
        try (ZramDevice dev = filled()) {
            for (int i = 2; i < PAGES; i++) {
                dev.discard(i);
            }
            MmStat mm = dev.mmStat();
            assertThat(mm.memUsedMax()).isGreaterThan(mm.memUsedTotal());
            dev.resetMemUsedMax();
            assertThat(dev.mmStat().memUsedMax()).isEqualTo(dev.mmStat().memUsedTotal());
        }
    }

    @Test
    void aClosedDeviceRefusesWritesAndReads() {
        ZramDevice dev = filled();
        dev.close();
        byte[] dst = new byte[4096];
        assertThatThrownBy(() -> dev.write(3, TestPages.page(5, 3), 0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> dev.read(3, dst, 0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void theDefaultClockCountsWholeSecondsFromOne() {
        long t0 = System.nanoTime();
        try (ZramDevice dev = new ZramDevice(LZ4, 2)) {
            assertThat(dev.accessTime(0)).isZero();
            assertThat(dev.write(0, TestPages.page(5, 6), 0)).isTrue();
            long elapsed = (System.nanoTime() - t0) / 1_000_000_000L;
            assertThat(dev.accessTime(0)).isBetween(1L, 1 + elapsed);
            assertThat(dev.accessTime(1)).isZero();
        }
    }
}
