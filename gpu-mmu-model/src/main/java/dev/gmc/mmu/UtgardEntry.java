package dev.gmc.mmu;

/**
 * Mali Utgard (Mali-300/400/450) MMU entries: 32-bit, two levels of 1024 (kernel-facts.md §5.1–5.2).
 *
 * <pre>
 *  bit 31                              10 9 8                                                  0
 *     [ physical address bits 31:10       | | READ_ALLOC WR_BUF WR_ALLOC WR_CACHE OVERRIDE W R P ]
 *        (a 4 KiB page's or page table's address; entry &amp; 0xFFFFFC00)      flags 8:0 (mask 0x1FF)
 * </pre>
 * PDE index = VA[31:22], PTE index = VA[21:12]. Page-directory entries use only PRESENT.
 */
public final class UtgardEntry {
    public static final int ENTRIES = 1024;
    public static final int PRESENT = 0x01;
    public static final int READ_PERMISSION = 0x02;
    public static final int WRITE_PERMISSION = 0x04;
    public static final int OVERRIDE_CACHE = 0x08;
    public static final int WRITE_CACHEABLE = 0x10;
    public static final int WRITE_ALLOCATE = 0x20;
    public static final int WRITE_BUFFERABLE = 0x40;
    public static final int READ_CACHEABLE = 0x80;
    public static final int READ_ALLOCATE = 0x100;
    public static final int FLAGS_MASK = 0x1FF;
    /** {@code MALI_MMU_FLAGS_DEFAULT} = PRESENT | READ | WRITE. */
    public static final int FLAGS_DEFAULT = 0x07;
    /** {@code MALI_MMU_FLAGS_FORCE_GP_READ_ALLOCATE}: all flags but WRITE_ALLOCATE. */
    public static final int FLAGS_FORCE_GP_READ_ALLOCATE = 0x1DF;
    public static final int ADDR_MASK = 0xFFFFFC00;

    private UtgardEntry() {
    }

    public static int pdeIndex(int va) {
        return (va >>> 22) & 0x3FF;
    }

    public static int pteIndex(int va) {
        return (va >>> 12) & 0x3FF;
    }

    /** A PTE mapping the 4 KiB page at {@code pa} with {@code flags}. */
    public static int pte(long pa, int flags) {
        if ((pa & 0xFFF) != 0 || pa < 0 || pa > 0xFFFF_F000L) {
            throw new IllegalArgumentException(String.format("physical address 0x%x is not a 4 KiB-aligned 32-bit "
                    + "address", pa));
        }
        if ((flags & ~FLAGS_MASK) != 0) {
            throw new IllegalArgumentException(String.format("flags 0x%x outside 0x1FF", flags));
        }
        return (int) pa | flags;
    }

    /** A page-directory entry pointing at a page table. */
    public static int pde(long tablePa) {
        return pte(tablePa, PRESENT);
    }

    public static long address(int e) {
        return e & ADDR_MASK & 0xFFFF_FFFFL;
    }

    public static int flags(int e) {
        return e & FLAGS_MASK;
    }

    public static boolean present(int e) {
        return (e & PRESENT) != 0;
    }

    public static boolean readable(int e) {
        return (e & (PRESENT | READ_PERMISSION)) == (PRESENT | READ_PERMISSION);
    }

    public static boolean writable(int e) {
        return (e & (PRESENT | WRITE_PERMISSION)) == (PRESENT | WRITE_PERMISSION);
    }
}
