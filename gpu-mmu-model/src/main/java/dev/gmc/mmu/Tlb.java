package dev.gmc.mmu;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A GPU TLB: direct-mapped, a power-of-two number of entries, one packed 64-bit word per entry so that lookups
 * and fills on many threads never see half an entry.
 *
 * <pre>
 * bit 63     valid
 * bit 62     readable       bit 61   writable
 * bits 60:36 PFN (25 bits: up to 128 GiB of RAM)
 * bits 35:0  virtual page number (36 bits: a 48-bit GPU VA)
 * </pre>
 * Entries are only ever dropped by the invalidation commands of the owning address space; a driver that frees a
 * frame without flushing leaves a stale entry, and the GPU keeps reading that frame, as real hardware would.
 */
public final class Tlb {
    private static final long VALID = 1L << 63;
    private static final long R = 1L << 62;
    private static final long W = 1L << 61;
    private static final int PFN_SHIFT = 36;
    private static final long PFN_MASK = (1L << 25) - 1;
    private static final long VPN_MASK = (1L << 36) - 1;

    private final AtomicLongArray entries;
    private final int mask;

    /** @throws IllegalArgumentException unless {@code size} is a power of two (a configuration is checked when read) */
    public static void checkSize(int size) {
        if (size <= 0 || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("TLB size " + size + " is not a power of two");
        }
    }

    public Tlb(int size) {
        checkSize(size);
        this.entries = new AtomicLongArray(size);
        this.mask = size - 1;
    }

    public int size() {
        return mask + 1;
    }

    /** The packed entry for {@code vpfn}, or 0 on a miss. */
    public long lookup(long vpfn) {
        long e = entries.getOpaque((int) (vpfn & mask));
        return (e & VALID) != 0 && (e & VPN_MASK) == vpfn ? e : 0;
    }

    public void fill(long vpfn, long pfn, boolean read, boolean write) {
        entries.setOpaque((int) (vpfn & mask),
                VALID | (read ? R : 0) | (write ? W : 0) | (pfn & PFN_MASK) << PFN_SHIFT | (vpfn & VPN_MASK));
    }

    public static long pfn(long e) {
        return (e >>> PFN_SHIFT) & PFN_MASK;
    }

    public static boolean readable(long e) {
        return (e & R) != 0;
    }

    public static boolean writable(long e) {
        return (e & W) != 0;
    }

    /** Drops every entry whose page lies in [{@code firstVpfn}, {@code firstVpfn + pages}); returns how many. */
    public int invalidate(long firstVpfn, long pages) {
        if (pages <= mask) { // a small range: look only at the sets its pages map to
            int n = 0;
            for (long v = firstVpfn; v < firstVpfn + pages; v++) {
                int i = (int) (v & mask);
                long e = entries.get(i);
                if ((e & VALID) != 0 && (e & VPN_MASK) == v) {
                    entries.set(i, 0);
                    n++;
                }
            }
            return n;
        }
        int n = 0;
        for (int i = 0; i <= mask; i++) {
            long e = entries.get(i);
            long vpn = e & VPN_MASK;
            if ((e & VALID) != 0 && vpn >= firstVpfn && vpn - firstVpfn < pages) {
                entries.set(i, 0);
                n++;
            }
        }
        return n;
    }

    public int invalidateAll() {
        int n = 0;
        for (int i = 0; i <= mask; i++) {
            if ((entries.getAndSet(i, 0) & VALID) != 0) {
                n++;
            }
        }
        return n;
    }
}
