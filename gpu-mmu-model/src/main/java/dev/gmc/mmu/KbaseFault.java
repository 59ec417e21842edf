package dev.gmc.mmu;

/**
 * kbase {@code AS_FAULTSTATUS} and {@code AS_LOCKADDR} encodings (kernel-facts.md §4.3).
 *
 * <pre>
 * AS_FAULTSTATUS: bits 5:3 exception code (0 translation, 1 permission, 2 translation-table bus fault,
 *                 3 access flag, 4 address size, 5 memory attributes); bits 9:8 access type
 *                 (0 atomic, 1 execute, 2 read, 3 write)
 * AS_LOCKADDR:    base &amp; ~(2^w - 1) | (w - 1), w = log2 of the smallest naturally aligned power-of-two region
 *                 covering the pages, at least 2^15 bytes (KBASE_LOCK_REGION_MIN_SIZE_LOG2 on Bifrost+)
 * </pre>
 */
public final class KbaseFault {
    public enum Exception { TRANSLATION, PERMISSION, TRANSTAB_BUS, ACCESS_FLAG, ADDRESS_SIZE, MEMORY_ATTRIBUTES }

    public enum Access { ATOMIC, EXECUTE, READ, WRITE }

    public static final int LOCK_REGION_MIN_LOG2 = 15;

    private KbaseFault() {
    }

    public static int faultStatus(Exception ex, Access access) {
        return ex.ordinal() << 3 | access.ordinal() << 8;
    }

    public static Exception exception(int status) {
        int code = (status >>> 3) & 0x7;
        if (code >= Exception.values().length) {
            throw new IllegalArgumentException("AS_FAULTSTATUS exception code " + code + " is reserved");
        }
        return Exception.values()[code];
    }

    public static Access access(int status) {
        return Access.values()[(status >>> 8) & 0x3];
    }

    /** {@code lock_region(vpfn, nr)}: the LOCKADDR value covering GPU pages [vpfn, vpfn + nr). */
    public static long lockAddress(long vpfn, long nr) {
        if (nr <= 0) {
            throw new IllegalArgumentException("lock region of " + nr + " pages");
        }
        long start = vpfn << 12;
        long end = ((vpfn + nr) << 12) - 1;
        // the smallest naturally aligned power-of-two region holding [start, end]: highest differing bit + 1
        int w = 64 - Long.numberOfLeadingZeros(start ^ end);
        w = Math.max(w, LOCK_REGION_MIN_LOG2);
        long base = start & ~((1L << w) - 1);
        return base | (w - 1);
    }

    public static int lockRegionLog2(long lockAddr) {
        return (int) (lockAddr & 0x3F) + 1;
    }
}
