package dev.gmc.mmu;

/**
 * CPU page-table entries of the emulated application processor: AArch64 stage-1 descriptors with a 4 KiB granule,
 * 4 levels × 512 × 64-bit entries, 48-bit VA, as Linux arm64 writes them (arch/arm64/include/asm/pgtable-hwdef.h,
 * pgtable-prot.h, pgtable.h).
 *
 * <pre>
 * present (bit 0 = 1):
 *   1:0   3 = table (levels 0-2) or page (level 3)
 *   6     PTE_USER (AP[1])        7   PTE_RDONLY (AP[2])
 *   9:8   PTE_SHARED = 3 (inner shareable)
 *   10    PTE_AF (access flag)    11  PTE_NG (not global)
 *   47:12 output address
 *   51    PTE_DBM = PTE_WRITE (software "writable")
 *   53    PTE_PXN                 54  PTE_UXN
 *   55    PTE_DIRTY (software)    56  PTE_SPECIAL (software: a VM_PFNMAP page, as vm_insert_pfn makes)
 * not present (bit 0 = 0), swap entry (all of 63:0 = 0 means pte_none):
 *   2     PTE_SWP_EXCLUSIVE
 *   7:3   swap type (__SWP_TYPE_SHIFT 3, __SWP_TYPE_BITS 5)
 *   57:8  swap offset (__SWP_OFFSET_SHIFT 8, __SWP_OFFSET_BITS 50)
 * </pre>
 * gmc uses swap type {@link #GMC_SWAP_TYPE} for pages held by the GMC store; the driver decides what the offset
 * names (see dev.gmc.driver).
 */
public final class ArmPte {
    public static final long VALID = 1L;
    public static final long TYPE_MASK = 3L;
    public static final long TYPE_TABLE = 3L;
    public static final long TYPE_PAGE = 3L;
    public static final long USER = 1L << 6;
    public static final long RDONLY = 1L << 7;
    public static final long SHARED = 3L << 8;
    public static final long AF = 1L << 10;
    public static final long NG = 1L << 11;
    public static final long ADDR_MASK = 0x0000_FFFF_FFFF_F000L;
    public static final long WRITE = 1L << 51;
    public static final long PXN = 1L << 53;
    public static final long UXN = 1L << 54;
    public static final long DIRTY = 1L << 55;
    public static final long SPECIAL = 1L << 56;
    public static final long SWP_EXCLUSIVE = 1L << 2;
    public static final int SWP_TYPE_SHIFT = 3;
    public static final int SWP_TYPE_BITS = 5;
    public static final int SWP_OFFSET_SHIFT = 8;
    public static final int SWP_OFFSET_BITS = 50;
    /** The swap type gmc's entries carry (MAX_SWAPFILES is 32 minus the special types; 30 is free in practice). */
    public static final int GMC_SWAP_TYPE = 30;
    public static final int LEVELS = 4;
    public static final int ENTRIES = 512;

    private ArmPte() {
    }

    /** Index of virtual address {@code va} in the table at {@code level} (0 = top). */
    public static int index(long va, int level) {
        return (int) ((va >>> (PhysicalMemory.PAGE_SHIFT + 9 * (LEVELS - 1 - level))) & 0x1FF);
    }

    /** A user page mapping: {@code pfn_pte(pfn, PAGE_SHARED or PAGE_READONLY)} made special (VM_PFNMAP). */
    public static long page(long pa, boolean writable) {
        if ((pa & ~ADDR_MASK) != 0 || pa == 0) {
            throw new IllegalArgumentException("page address 0x" + Long.toHexString(pa));
        }
        return pa | TYPE_PAGE | USER | SHARED | AF | NG | PXN | UXN | SPECIAL
                | (writable ? WRITE : RDONLY);
    }

    public static long table(long pa) {
        return pa | TYPE_TABLE;
    }

    public static boolean present(long pte) {
        return (pte & VALID) != 0;
    }

    public static boolean none(long pte) {
        return pte == 0;
    }

    public static boolean writable(long pte) {
        return (pte & WRITE) != 0 && (pte & RDONLY) == 0;
    }

    public static long address(long pte) {
        return pte & ADDR_MASK;
    }

    /** {@code __swp_entry_to_pte(__swp_entry(type, offset))}, exclusive as a freshly swapped-out anon page is. */
    public static long swapEntry(int type, long offset) {
        if (type < 0 || type >= (1 << SWP_TYPE_BITS) || offset < 0 || offset >= (1L << SWP_OFFSET_BITS)) {
            throw new IllegalArgumentException("swap entry type " + type + " offset " + offset);
        }
        return (long) type << SWP_TYPE_SHIFT | offset << SWP_OFFSET_SHIFT | SWP_EXCLUSIVE;
    }

    public static boolean isSwap(long pte) {
        return !present(pte) && pte != 0;
    }

    public static int swapType(long pte) {
        return (int) ((pte >>> SWP_TYPE_SHIFT) & ((1 << SWP_TYPE_BITS) - 1));
    }

    public static long swapOffset(long pte) {
        return (pte >>> SWP_OFFSET_SHIFT) & ((1L << SWP_OFFSET_BITS) - 1);
    }
}
