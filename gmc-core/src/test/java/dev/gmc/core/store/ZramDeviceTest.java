package dev.gmc.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.codec.TestPages;
import dev.gmc.core.store.ZramDevice.SlotFree;
import dev.gmc.core.store.ZramDevice.WritebackOrder;
import org.junit.jupiter.api.Test;

/**
 * When an overwrite frees the slot's old object ({@link SlotFree}), seen where it matters most: under
 * {@code mem_limit}, which the kernel checks right after allocating the new object. Freeing after the store (every
 * checked kernel but 6.14) needs room for both objects and keeps the old page when refused; freeing first (6.14)
 * needs room for the new one only, and a refused write leaves the slot empty. (Their placement differences are
 * ArmKernelTest's fragment lines of 6.14 against 6.17.)
 */
class ZramDeviceTest {
    private static final StoreConfig LZ4 = StoreConfig.defaults().withCodec(CodecSpec.parse("lz4-kernel"));

    /** mem_used_total after writing {@code page} alone into an empty device. */
    private static long poolBytesOf(byte[] page) {
        try (ZramDevice dev = new ZramDevice(LZ4, 1)) {
            assertThat(dev.write(0, page, 0)).isTrue();
            return dev.mmStat().memUsedTotal();
        }
    }

    private static ZramDevice device(long memLimit, SlotFree free) {
        return new ZramDevice(LZ4.withMemLimitBytes(memLimit), 4, 0, new ZramDevice.Behaviour(
                WritebackOrder.LARGEST_FIRST, true, free, java.util.EnumSet.allOf(ZramDevice.WritebackMode.class), false,
                false, false, ZramDevice.IdleAge.U32_SECONDS, false));
    }

    @Test
    void freeingFirstNeedsRoomForTheNewObjectOnlyAndARefusalEmptiesTheSlot() {
        // two pages whose classes take zspages of different lengths: a needs fewer pool pages than b
        byte[] a = null;
        byte[] b = null;
        long poolA = Long.MAX_VALUE;
        long poolB = 0;
        for (int i = 0; i < 4 * TestPages.KINDS; i++) {
            byte[] p = TestPages.page(41, i);
            long used = poolBytesOf(p);
            if (used > 0 && used < poolA) {
                a = p;
                poolA = used;
            }
            if (used > poolB) {
                b = p;
                poolB = used;
            }
        }
        assertThat(poolA).isPositive().isLessThan(poolB);
        byte[] back = new byte[4096];
        byte[] zero = new byte[4096];

        // limit = a's zspage: b over a fits nowhere; after-store keeps a, free-first has already dropped it
        try (ZramDevice after = device(poolA, SlotFree.AFTER_STORE);
             ZramDevice first = device(poolA, SlotFree.BEFORE_COMPRESSION)) {
            for (ZramDevice dev : new ZramDevice[] {after, first}) {
                assertThat(dev.write(0, a, 0)).isTrue();
                assertThat(dev.write(0, b, 0)).isFalse();
                dev.store().checkInvariants();
            }
            after.read(0, back, 0);
            assertThat(back).isEqualTo(a);
            assertThat(after.mmStat().origDataSize()).isEqualTo(4096);
            assertThat(after.mmStat().memUsedTotal()).isEqualTo(poolA);
            first.read(0, back, 0);
            assertThat(back).isEqualTo(zero);
            assertThat(first.mmStat().origDataSize()).isZero();
            assertThat(first.mmStat().memUsedTotal()).isZero();
        }

        // limit = b's zspage: free-first makes room by dropping a before it allocates b; after-store cannot
        try (ZramDevice after = device(poolB, SlotFree.AFTER_STORE);
             ZramDevice first = device(poolB, SlotFree.BEFORE_COMPRESSION)) {
            assertThat(after.write(0, a, 0)).isTrue();
            assertThat(after.write(0, b, 0)).isFalse();
            assertThat(first.write(0, a, 0)).isTrue();
            assertThat(first.write(0, b, 0)).isTrue();
            first.read(0, back, 0);
            assertThat(back).isEqualTo(b);
            assertThat(first.mmStat().memUsedTotal()).isEqualTo(poolB);
            assertThat(first.mmStat().memUsedMax()).isEqualTo(poolB); // never both objects at once
        }
    }
}
