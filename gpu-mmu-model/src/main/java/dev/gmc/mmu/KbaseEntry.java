package dev.gmc.mmu;

/**
 * Mali kbase GPU page-table entries (Midgard/Bifrost/Valhall), 64-bit, 512 per 4 KiB table, 4 levels
 * (shared/reference/kernel-facts.md §4.1–4.2; kbase {@code mmu_mode_aarch64.c} / {@code mmu_mode_lpae.c}).
 *
 * <pre>
 *  bit  63       55 54 53      48 47                                    12 11 10  9  8  7  6  5  4  3  2  1  0
 *      [  (spare)   |NX|  (res)  |          output address (PA[47:12])     |  |AF|SH[1:0]|AP[1:0]|  |MEMATTR| TYPE|
 *
 *  TYPE (1:0)   AArch64: ATE at level 3 = 3, ATE (block) at levels 0-2 = 1, table = 3, invalid = 2
 *               LPAE:    ATE = 1 at every level, table = 3, invalid = 2
 *  MEMATTR(4:2) index 0..7 into AS_MEMATTR
 *  AP (7:6)     AArch64: RW = 1, RO = 3 (no write-only)      LPAE: bit 6 = read, bit 7 = write
 *  SH (9:8)     2 = inner+outer (SHARE_BOTH), 3 = inner (SHARE_IN), 0 = none; 1 reserved
 *  AF (10)      access flag: AArch64 sets it on every ATE and table entry; LPAE's entry_set_ate leaves it clear
 *  NX (54)      not executable (KBASE_REG_GPU_NX)
 * </pre>
 * At level 3 a table entry and an ATE have the same type bits in AArch64 mode: the level decides.
 */
public final class KbaseEntry {
    /** The two encodings kbase chooses between by {@code BASE_HW_FEATURE_AARCH64_MMU}. */
    public enum Format { AARCH64, LPAE }

    public enum Kind { ATE, TABLE, INVALID }

    public static final int ENTRIES = 512;
    public static final int LEVELS = 4;
    public static final int BOTTOM_LEVEL = 3;

    public static final long TYPE_MASK = 0x3;
    public static final long ENTRY_IS_ATE_L3 = 3;
    public static final long ENTRY_IS_ATE_L02 = 1;
    public static final long ENTRY_IS_PTE = 3;
    public static final long ENTRY_IS_INVAL = 2;
    public static final long ENTRY_IS_ATE_LPAE = 1;
    public static final int ATTR_SHIFT = 2;
    public static final long ATTR_MASK = 0x7L << ATTR_SHIFT;
    public static final long ACCESS_RW = 1L << 6;
    public static final long ACCESS_RO = 3L << 6;
    public static final long ACCESS_MASK = 3L << 6;
    public static final long LPAE_RD = 1L << 6;
    public static final long LPAE_WR = 1L << 7;
    public static final long SHARE_BOTH = 2L << 8;
    public static final long SHARE_INNER = 3L << 8;
    public static final long SHARE_MASK = 3L << 8;
    public static final long ACCESS_FLAG = 1L << 10;
    public static final long NX = 1L << 54;
    /** Output address bits 47:12. */
    public static final long ADDR_MASK = 0x0000_FFFF_FFFF_F000L;

    /** Shareability of a mapping (KBASE_REG_SHARE_BOTH / KBASE_REG_SHARE_IN / none). */
    public enum Share {
        NONE(0), BOTH(SHARE_BOTH), INNER(SHARE_INNER);

        final long bits;

        Share(long bits) {
            this.bits = bits;
        }
    }

    private KbaseEntry() {
    }

    /** Index of {@code vpfn} (GPU virtual page number) in the table at {@code level}. */
    public static int index(long vpfn, int level) {
        return (int) ((vpfn >>> ((BOTTOM_LEVEL - level) * 9)) & 0x1FF);
    }

    /**
     * {@code entry_set_ate}: an address-translation entry.
     *
     * @param level    3 for a 4 KiB page, 2 for a 2 MiB block (levels 0-1 are never used by kbase)
     * @param memattr  AS_MEMATTR index 0..7
     */
    public static long ate(Format f, int level, long pa, int memattr, boolean read, boolean write, Share share,
            boolean nx) {
        checkAddress(pa);
        if (memattr < 0 || memattr > 7) {
            throw new IllegalArgumentException("MEMATTR index " + memattr + " (expected 0..7)");
        }
        if (level < 0 || level > BOTTOM_LEVEL) {
            throw new IllegalArgumentException("level " + level);
        }
        long e = pa | ((long) memattr << ATTR_SHIFT) | share.bits | (nx ? NX : 0);
        if (f == Format.AARCH64) {
            if (write && !read) {
                throw new IllegalArgumentException("AArch64 stage 1 has no write-only access");
            }
            e |= (write ? ACCESS_RW : read ? ACCESS_RO : 0) | ACCESS_FLAG;
            e |= level == BOTTOM_LEVEL ? ENTRY_IS_ATE_L3 : ENTRY_IS_ATE_L02;
        } else {
            e |= (read ? LPAE_RD : 0) | (write ? LPAE_WR : 0) | ENTRY_IS_ATE_LPAE;
        }
        return e;
    }

    /** {@code entry_set_pte}: a table entry pointing at the next level's table page. */
    public static long table(Format f, long tablePa) {
        checkAddress(tablePa);
        return tablePa | ENTRY_IS_PTE | (f == Format.AARCH64 ? ACCESS_FLAG : 0);
    }

    /** {@code entry_invalidate}. */
    public static long invalid() {
        return ENTRY_IS_INVAL;
    }

    /** What an entry at {@code level} is, as the GPU's table walk reads it. */
    public static Kind kind(Format f, int level, long e) {
        long t = e & TYPE_MASK;
        if (f == Format.AARCH64) {
            if (level == BOTTOM_LEVEL) {
                return t == ENTRY_IS_ATE_L3 ? Kind.ATE : Kind.INVALID;
            }
            return t == ENTRY_IS_PTE ? Kind.TABLE : t == ENTRY_IS_ATE_L02 ? Kind.ATE : Kind.INVALID;
        }
        if (t == ENTRY_IS_ATE_LPAE) {
            return Kind.ATE;
        }
        return t == ENTRY_IS_PTE && level < BOTTOM_LEVEL ? Kind.TABLE : Kind.INVALID;
    }

    public static long outputAddress(long e) {
        return e & ADDR_MASK;
    }

    public static int memattr(long e) {
        return (int) ((e & ATTR_MASK) >>> ATTR_SHIFT);
    }

    public static boolean readable(Format f, long e) {
        if (f == Format.LPAE) {
            return (e & LPAE_RD) != 0;
        }
        long ap = e & ACCESS_MASK;
        return ap == ACCESS_RW || ap == ACCESS_RO;
    }

    public static boolean writable(Format f, long e) {
        return f == Format.LPAE ? (e & LPAE_WR) != 0 : (e & ACCESS_MASK) == ACCESS_RW;
    }

    public static Share share(long e) {
        long s = e & SHARE_MASK;
        return s == SHARE_BOTH ? Share.BOTH : s == SHARE_INNER ? Share.INNER : Share.NONE;
    }

    public static boolean accessFlag(long e) {
        return (e & ACCESS_FLAG) != 0;
    }

    public static boolean noExecute(long e) {
        return (e & NX) != 0;
    }

    private static void checkAddress(long pa) {
        if ((pa & ~ADDR_MASK) != 0) {
            throw new IllegalArgumentException(String.format("physical address 0x%x is not a 4 KiB-aligned 48-bit "
                    + "address", pa));
        }
    }
}
