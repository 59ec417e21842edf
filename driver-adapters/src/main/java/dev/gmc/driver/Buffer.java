package dev.gmc.driver;

import dev.gmc.mmu.CpuProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A graphics buffer (kbase region / Utgard allocation) and the per-page state of the GMC mechanism.
 *
 * <p>Per page, in primitive arrays indexed by page: {@code pfn} (the backing frame, 0 when none), {@code handle}
 * (the GMC store's page ID, 0 when none) and {@code state}:
 * <pre>
 * bits 2:0  page state: RESIDENT 1, UNMAPPED 2, COMPRESSING 3, COMPRESSED 4, RESTORING 5 (see {@link PageState})
 * bit 4     GPU_MAPPED: the GPU table holds a valid entry for the page
 * bit 5     INCOMPRESSIBLE: on a COMPRESSED page, zram's ZRAM_INCOMPRESSIBLE: recompression found no gain with
 *           the last codec and skips the page from then on
 * bit 6     RECOMPRESSED: on a COMPRESSED page, its object was written by a recompression codec (counted when the
 *           page is restored: those decodes cost what the secondary codec costs)
 * </pre>
 * Bits 5 and 6 ride through RESTORING and come back if the restore fails ({@link #KEPT_FLAGS}).
 * A page has a frame in states RESIDENT, UNMAPPED and COMPRESSING and a handle (only) in COMPRESSED. CPU PTEs
 * are present only for RESIDENT pages; a COMPRESSED page has a gmc swap entry in every CPU mapping, and that
 * entry may outlive a restore in processes that did not fault (as a swap PTE outlives swap-in while the page sits
 * in the swap cache): their next access is a minor fault.
 *
 * <p>Locking: {@link #lock} guards every field of this class. Lock order: buffer lock, then a process's or an
 * address space's lock (never the reverse); the driver never holds two buffer locks.
 */
public final class Buffer {
    /** What a page is doing. */
    public enum PageState {
        /** Has a frame; mapped (or mapped on the next minor fault). */
        RESIDENT,
        /** Has a frame, every mapping removed: waiting for the compressor, or refused and waiting to be remapped. */
        UNMAPPED,
        /** The compressor is reading the frame; a fault now takes the page back and the compression is dropped. */
        COMPRESSING,
        /** Held by the store; no frame. */
        COMPRESSED,
        /** Being decompressed into a new frame. */
        RESTORING
    }

    static final byte RESIDENT = 1;
    static final byte UNMAPPED = 2;
    static final byte COMPRESSING = 3;
    static final byte COMPRESSED = 4;
    static final byte RESTORING = 5;
    static final byte STATE_MASK = 0x7;
    static final byte GPU_MAPPED = 0x10;
    /**
     * On a COMPRESSED page: zram's ZRAM_INCOMPRESSIBLE, set when a recompression tried the store's last codec without
     * gain, so that later passes skip the page. A restore that fails keeps it (RESTORING carries it back); every
     * other state change writes the whole byte, which clears it, as zram clears the flag when the slot is freed or
     * written again.
     */
    static final byte INCOMPRESSIBLE = 0x20;
    /** On a COMPRESSED page: a recompression codec wrote its object. Cleared as {@link #INCOMPRESSIBLE} is. */
    static final byte RECOMPRESSED = 0x40;
    /** The flags of a COMPRESSED page that a failed restore gives back. */
    static final byte KEPT_FLAGS = INCOMPRESSIBLE | RECOMPRESSED;

    /** One CPU mapping of the buffer. */
    record CpuMapping(CpuProcess process, long va) {
    }

    private final int id;
    private final String name;
    private final BufferType type;
    private final GpuContext context;
    private final int pages;
    private final int flags;
    final int[] pfn;
    final long[] handle;
    final byte[] state;
    final ReentrantLock lock = new ReentrantLock();
    /** Signalled when {@link #jobPins} drops to zero (a free waits for running Utgard jobs). */
    final java.util.concurrent.locks.Condition unpinned = lock.newCondition();
    final List<CpuMapping> cpuMappings = new ArrayList<>();
    long gpuVa;
    volatile RegionState regionState = RegionState.RESIDENT;
    int compressedPages;
    int jobPins;
    boolean freed;

    Buffer(int id, String name, BufferType type, GpuContext context, int pages, int flags) {
        this.id = id;
        this.name = name;
        this.type = type;
        this.context = context;
        this.pages = pages;
        this.flags = flags;
        this.pfn = new int[pages];
        this.handle = new long[pages];
        this.state = new byte[pages];
    }

    public int id() {
        return id;
    }

    public String name() {
        return name;
    }

    public BufferType type() {
        return type;
    }

    public GpuContext context() {
        return context;
    }

    public int pages() {
        return pages;
    }

    public long sizeBytes() {
        return (long) pages << 12;
    }

    /** Driver-specific region flags (kbase {@code KBASE_REG_*}, Utgard MMU flags). */
    public int flags() {
        return flags;
    }

    /** GPU virtual address, 0 until mapped on the GPU. */
    public long gpuVa() {
        lock.lock();
        try {
            return gpuVa;
        } finally {
            lock.unlock();
        }
    }

    public RegionState regionState() {
        return regionState;
    }

    public PageState pageState(int page) {
        lock.lock();
        try {
            return PageState.values()[(state[page] & STATE_MASK) - 1];
        } finally {
            lock.unlock();
        }
    }

    /** CPU virtual address of this buffer in process {@code pid}, or 0 if it is not mapped there. */
    public long cpuVa(int pid) {
        lock.lock();
        try {
            for (CpuMapping m : cpuMappings) {
                if (m.process().pid() == pid) {
                    return m.va();
                }
            }
            return 0;
        } finally {
            lock.unlock();
        }
    }

    /** Pages held by the store right now. */
    public int compressedPages() {
        lock.lock();
        try {
            return compressedPages;
        } finally {
            lock.unlock();
        }
    }

    public boolean isFreed() {
        lock.lock();
        try {
            return freed;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "buffer " + id + " '" + name + "' (" + type.label() + ", " + pages + " pages, context "
                + context.id() + ")";
    }
}
