package dev.gmc.core.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * zram's {@code page_same_filled}: a page whose 64-bit words are all equal (the last word is compared first as a
 * fast reject). Words are read little-endian, so the fill value equals the {@code unsigned long} an x86-64 or
 * arm64 kernel stores in the slot's handle field. A 32-bit kernel compares 32-bit words ({@link #test(byte[], int,
 * int)}): its same-filled pages are those whose 64-bit fill has equal halves.
 */
public final class SameFilled {
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private SameFilled() {
    }

    /**
     * True if the 4096 bytes at {@code off} are one 8-byte word repeated, i.e. if the page equals itself shifted by 8
     * bytes: {@link Arrays#mismatch} compares the two with vector instructions (a UI surface's page often runs
     * hundreds of bytes of background before its first differing word; a word-by-word loop costs ~40 ns there).
     * Before that scan, the first word is compared with the last (as the kernel does) and with the words at every
     * 512 bytes: a page with the same background at both ends usually differs at one of them, which saves the scan
     * (on the bundled UI surfaces, 30 % of pages have equal first and last words, and their scan averages 1.2 KiB).
     */
    public static boolean test(byte[] page, int off) {
        return words(page, off, 4096);
    }

    /**
     * {@link #test(byte[], int)} for a page of {@code pageSize} bytes (a multiple of 512: 16384 on a 16 KiB-page
     * kernel, whose {@code page_same_filled} compares the whole page).
     */
    public static boolean testPage(byte[] page, int off, int pageSize) {
        if (pageSize < 512 || pageSize % 512 != 0) {
            throw new IllegalArgumentException("page size: " + pageSize + " (expected a multiple of 512)");
        }
        return words(page, off, pageSize);
    }

    private static boolean words(byte[] page, int off, int len) {
        long first = (long) LONG.get(page, off);
        if (first != (long) LONG.get(page, off + len - 8)) {
            return false;
        }
        for (int probe = 512; probe < len; probe += 512) {
            if (first != (long) LONG.get(page, off + probe)) {
                return false;
            }
        }
        return Arrays.mismatch(page, off, off + len - 8, page, off + 8, off + len) < 0;
    }

    /**
     * {@code page_same_filled} of a kernel whose {@code unsigned long} has {@code wordBytes} bytes (8, or 4 on a
     * 32-bit kernel): a page of one 4-byte word repeated is one 8-byte word repeated whose halves are equal.
     */
    public static boolean test(byte[] page, int off, int wordBytes) {
        return test(page, off) && (wordBytes == 8 || halvesEqual((long) LONG.get(page, off)));
    }

    /** {@link #test(byte[], int, int)} for a page of {@code pageSize} bytes ({@link #testPage}). */
    public static boolean test(byte[] page, int off, int wordBytes, int pageSize) {
        return testPage(page, off, pageSize) && (wordBytes == 8 || halvesEqual((long) LONG.get(page, off)));
    }

    /** True if a 64-bit fill value is one 32-bit word repeated (a 32-bit kernel's same-filled page). */
    public static boolean halvesEqual(long fill) {
        return (int) fill == (int) (fill >>> 32);
    }

    /** The fill word of a same-filled page (its first word). */
    public static long fillValue(byte[] page, int off) {
        return (long) LONG.get(page, off);
    }

    /** Writes a 4096-byte page of {@code value} repeated. */
    public static void fill(byte[] dst, int off, long value) {
        fill(dst, off, value, 4096);
    }

    /** Writes {@code pageSize} bytes (a multiple of 8) of {@code value} repeated. */
    public static void fill(byte[] dst, int off, long value, int pageSize) {
        for (int i = 0; i < pageSize; i += 8) {
            LONG.set(dst, off + i, value);
        }
    }
}
