package dev.gmc.core.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * zram's {@code page_same_filled}: a page whose 64-bit words are all equal (the last word is compared first as a
 * fast reject). Words are read little-endian, so the fill value equals the {@code unsigned long} an x86-64 or
 * arm64 kernel stores in the slot's handle field.
 */
public final class SameFilled {
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int WORDS = 4096 / 8;

    private SameFilled() {
    }

    /** True if the 4096 bytes at {@code off} are one 8-byte word repeated. */
    public static boolean test(byte[] page, int off) {
        long v = (long) LONG.get(page, off);
        if (v != (long) LONG.get(page, off + 4096 - 8)) {
            return false;
        }
        for (int i = 1; i < WORDS - 1; i++) {
            if ((long) LONG.get(page, off + i * 8) != v) {
                return false;
            }
        }
        return true;
    }

    /** The fill word of a same-filled page (its first word). */
    public static long fillValue(byte[] page, int off) {
        return (long) LONG.get(page, off);
    }

    /** Writes a page of {@code value} repeated. */
    public static void fill(byte[] dst, int off, long value) {
        for (int i = 0; i < WORDS; i++) {
            LONG.set(dst, off + i * 8, value);
        }
    }
}
