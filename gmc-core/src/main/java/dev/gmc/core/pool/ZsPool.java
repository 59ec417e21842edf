package dev.gmc.core.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An emulation of zsmalloc ({@code mm/zsmalloc.c}; kernel-facts §1) that stores real bytes: Linux 6.3 and later
 * (checked against 6.12 and 6.18), or 6.2 and earlier for a table of the legacy chain rule (checked against 6.1).
 *
 * <h2>Layout</h2>
 * Each size class owns zspages of {@code ppz} page frames holding {@code objs} slots of {@code size} bytes laid
 * end to end (a slot may straddle two frames). A non-huge slot starts with an 8-byte little-endian word (4 bytes
 * when the table is a 32-bit kernel's, {@link KernelArch}): while allocated, {@code handleIndex << 1 | 1}
 * (OBJ_ALLOCATED_TAG), which is how compaction finds the handle of an object it moves; while free,
 * {@code nextFree << 1} (tag clear), the LIFO free list threaded through the slots themselves. The caller's bytes
 * follow the word, so an object of L bytes needs a slot of at least L + 8 (L + 4). Huge slots (one object per
 * page) have no header: the object is the whole frame; the huge class keeps no zspage records (see
 * {@code SizeClass.hugeAlloc}). Each class holds its frames in its own {@link PageFrames} arena, zspage zs owning
 * frames {@code zs*ppz ..}; a freed zspage's frames stay with its class for its next zspage (the emulator's heap
 * never shrinks; the kernel's figures, {@code pages_allocated}, are counted exactly).
 *
 * <h2>Policy (as the kernel)</h2>
 * <ul>
 *   <li>12 fullness groups: 0 (empty), 1..10 for in-use ratio buckets {@code 100*inuse/objs/10 + 1}, 11 (full);
 *       a zspage changing group goes to the head of its new list. Before 6.3 (a legacy-rule table): four groups,
 *       empty (0), almost empty ({@code inuse <= 3*objs/4}, kept in 1), almost full (kept in 10) and full (11), so the
 *       scans below visit them in the old kernel's order; a zspage with fewer objects in use than its list's head
 *       goes second; and {@link #compact()} runs the old loop (a source from almost empty first, emptied into one
 *       destination after another, almost full first).</li>
 *   <li>malloc takes the head zspage of the fullest non-full group (10 down to 0); if none, a new zspage is built
 *       and {@code pages_allocated += ppz}.</li>
 *   <li>free pushes the slot on its zspage's free list; a zspage that becomes empty is freed at once.</li>
 *   <li>{@link #compact()} walks classes from the largest; per class, while
 *       {@code floor((allocated - inuse) / objs) * ppz > 0}, it takes a destination from the fullest non-full group
 *       (10 down to 1) and a source from the emptiest (1 up to 10), moves the source's objects in slot order into
 *       the destination until one is full or the other empty, frees an emptied source and counts its pages in
 *       {@code pages_compacted}. After it, each class holds {@code ceil(inuse / objs)} zspages.</li>
 * </ul>
 *
 * <h2>Concurrency</h2>
 * One {@link ClassLock} spinlock per size class (the kernel's {@code class->lock}) guards that class's zspages, free lists
 * and slot bytes; operations on different classes run in parallel. A handle's class never changes, so a reader
 * reads the handle-table entry, locks the class it names, and re-reads the entry under the lock, where it is stable
 * (only free and compaction, both holding the class lock, change it). A malloc or free takes one lock, its class's:
 * each class caches free handle indices and trades them with the handle table's stack in batches of
 * {@value #HANDLE_BATCH} under the table's own small lock (lock order: class, then table; never the reverse).
 * One compaction runs at a time ({@code compaction_in_progress}).
 *
 * <h2>Reads</h2>
 * The kernel lets readers of a class run in parallel (a per-zspage read lock that only migration takes for writing;
 * zram's per-slot lock keeps a free of the same object out). Here {@link #read} and an optimistic {@link #access}
 * take no lock at all, as a seqlock reader: read the class's move sequence (even unless a migrate is running), the
 * handle's entry, the bytes, then the entry and the sequence again. Both unchanged: no free (which bumps the entry's
 * generation before the slot can be reused) and no move (migrate makes the sequence odd before it touches a slot and
 * even after) overlapped the read, so the bytes were the object's own. Entry at a new generation: the object was
 * freed during the read, reported as a stale handle. Otherwise it moved: read again, and after
 * {@value #OPTIMISTIC_TRIES} tries, or while the sequence is odd, under the class lock. Frames are never given back
 * to the heap, so a read at a stale location still reads this class's memory, never outside it. (With the class lock
 * held during the read, 16 threads loading from one store reached 0.24–0.31× of raw decompression's aggregate speed
 * on a 16-core host; without it, 0.95–1.05×: docs/PERFORMANCE.md.)
 */
public final class ZsPool {
    private static final int SEG_SHIFT = 12;
    private static final int SEG_SIZE = 1 << SEG_SHIFT;
    private static final VarHandle ENTRY = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int FULLNESS_GROUPS = 12;
    private static final int FG_EMPTY = 0;
    private static final int FG_FULL = 11;
    /** Where the pre-6.3 groups ZS_ALMOST_EMPTY and ZS_ALMOST_FULL live (see {@link #quarters}). */
    private static final int FG_ALMOST_EMPTY = 1;
    private static final int FG_ALMOST_FULL = 10;
    private static final int NONE = -1;
    /** Optimistic read attempts before a reader takes the class lock (only compaction makes one fail). */
    private static final int OPTIMISTIC_TRIES = 3;
    private static final VarHandle SEQ = MethodHandles.arrayElementVarHandle(int[].class);
    private static final int SEQ_PAD = 16; // ints of padding on each side of a class's move sequence

    /** Reads an object's bytes in place: {@code buf[off, off+len)} is valid only during the call. */
    @FunctionalInterface
    public interface ObjectReader {
        void read(byte[] buf, int off, int len);
    }

    private final SizeClassTable table;
    /** The table's PAGE_SIZE (4096, 16384 or 65536) and its shift and mask. */
    private final int page;
    private final int pageShift;
    private final int pageMask;
    /**
     * Pre-6.3 zsmalloc (the legacy chain rule's kernels, ≤ 6.2): four fullness groups instead of twelve, kept in
     * slots 0 (ZS_EMPTY), 1 (ZS_ALMOST_EMPTY), 10 (ZS_ALMOST_FULL) and 11 (ZS_FULL) so that the scans over groups
     * 10..0 and 1..10 visit them in the old kernel's order; a zspage with fewer objects in use than its list's head goes
     * second, not first; and compaction runs the old loop. The release that brought the tenths also brought the new
     * chain rule (both are 6.3's), so the table's rule decides.
     */
    private final boolean quarters;
    private final SizeClass[] classes;
    private final long capacityPages;
    private final AtomicLong pagesAllocated = new AtomicLong();
    private final AtomicLong pagesCompacted = new AtomicLong();
    private final ReentrantLock compactLock = new ReentrantLock();

    // Handle table (the emulated zs_handle slab): segmented so growth never moves an entry. Free indices live in a
    // small cache per size class (taken and given back under the class lock the store path holds anyway) and, in
    // batches of HANDLE_BATCH, in this global stack under handleLock, so malloc and free take one lock, not two.
    static final int HANDLE_BATCH = 32;
    private final Object handleLock = new Object();
    private volatile long[][] handleSegments = new long[1][];
    private int handleHighWater;
    /** Handle indices stop here: a slot header holds index << 1 | 1 in a signed word of the kernel's width. */
    private final int handleLimit;
    private int[] freeHandles = new int[1024];
    private int freeHandleCount;
    private long retiredHandles;

    /** A pool without a capacity limit. */
    public ZsPool(SizeClassTable table) {
        this(table, 0);
    }

    /**
     * @param capacityPages the most page frames the pool may own (0 = unlimited); when a new zspage would exceed
     *        it, {@link #malloc(int)} returns 0, as zs_malloc fails when alloc_page does
     */
    public ZsPool(SizeClassTable table, long capacityPages) {
        if (capacityPages < 0) {
            throw new IllegalArgumentException("capacityPages: " + capacityPages + " (expected >= 0)");
        }
        for (int c = 0; c < table.classCount(); c++) {
            // the handle's object bits and the per-zspage shorts; the kernel's rules give at most 2,048 (64 KiB pages)
            if (table.objsPerZspage(c) >= 1 << PoolHandle.OBJ_BITS) {
                throw new IllegalArgumentException("size class " + table.size(c) + ": " + table.objsPerZspage(c)
                        + " objects per zspage (the pool holds at most " + ((1 << PoolHandle.OBJ_BITS) - 1) + ")");
            }
        }
        this.table = table;
        this.page = table.pageSize();
        this.pageShift = Integer.numberOfTrailingZeros(page);
        this.pageMask = page - 1;
        this.quarters = table.rule() == SizeClassTable.ChainRule.LEGACY_USED_PERCENT;
        this.handleLimit = table.handleSize() == 8 ? Integer.MAX_VALUE - 1 : (1 << 30) - 1;
        this.capacityPages = capacityPages;
        this.classes = new SizeClass[table.classCount()];
        for (int c = 0; c < classes.length; c++) {
            classes[c] = new SizeClass(c, table.size(c), table.pagesPerZspage(c), table.objsPerZspage(c),
                    table.isHuge(c));
        }
        handleSegments[0] = new long[SEG_SIZE];
    }

    public SizeClassTable sizeClasses() {
        return table;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Public API
    // ---------------------------------------------------------------------------------------------------------

    /**
     * {@code zs_malloc}: allocates an object of {@code size} bytes (1..PAGE_SIZE).
     *
     * @return a handle (never 0), or 0 when the pool's capacity would be exceeded
     * @throws IllegalArgumentException for a size outside 1..PAGE_SIZE (the kernel's -EINVAL)
     */
    public long malloc(int size) {
        return malloc(size, null, 0);
    }

    /**
     * {@code zs_malloc} followed by {@code zs_obj_write} of {@code src[off, off+size)} under the same class lock
     * (one lock round trip instead of two on the store path). The kernel copies outside the class lock, under the
     * zspage's migration read lock; an emulation of that (a bit in the slot header that compaction waits for) was
     * measured on a 16-core host and gained nothing at 4 or 16 threads (docs/PERFORMANCE.md), so the copy stays here.
     *
     * @return a handle (never 0), or 0 when the pool's capacity would be exceeded
     */
    public long malloc(int size, byte[] src, int off) {
        int classId = table.classFor(size);
        SizeClass c = classes[classId];
        boolean stored = false;
        int index = -1;
        int gen = 0;
        c.lock.lock();
        try {
            index = c.takeHandle();
            gen = PoolHandle.entryGen(entry(index));
            if (c.huge) {
                int zs = c.hugeAlloc();
                if (zs != NONE) {
                    if (src != null) {
                        c.copyIn(zs, 0, src, off, size);
                    }
                    ENTRY.setRelease(segment(index), index & (SEG_SIZE - 1), PoolHandle.entry(gen, classId, zs, 0));
                    stored = true;
                }
                return stored ? PoolHandle.handle(index, gen) : 0;
            }
            int zs = c.findGetZspage();
            boolean fresh = zs == NONE;
            if (fresh) {
                zs = c.newZspage(); // the kernel drops the class lock around alloc_zspage; one lock is simpler
            }
            if (zs != NONE) {
                int obj = c.objMalloc(zs, index);
                if (fresh) {
                    c.insert(zs, c.fullness(zs));
                } else {
                    c.fixFullness(zs);
                }
                c.objsInuse++;
                if (src != null) {
                    c.copyIn(zs, obj, src, off, size);
                }
                ENTRY.setRelease(segment(index), index & (SEG_SIZE - 1), PoolHandle.entry(gen, classId, zs, obj));
                stored = true;
            }
        } finally {
            if (!stored && index >= 0) {
                c.giveHandle(index);
            }
            c.lock.unlock();
        }
        return stored ? PoolHandle.handle(index, gen) : 0;
    }

    /** {@code zs_free}: frees the object; a zspage left empty is freed at once. */
    public void free(long handle) {
        int index = checkShape(handle);
        SizeClass c = lockClassOf(handle, index, "free");
        try {
            long e = entry(index);
            int gen = PoolHandle.entryGen(e);
            int zs = PoolHandle.entryZspage(e);
            ENTRY.setRelease(segment(index), index & (SEG_SIZE - 1), PoolHandle.freedEntry(gen + 1 > PoolHandle.MAX_GEN ? PoolHandle.MAX_GEN : gen + 1));
            if (gen + 1 > PoolHandle.MAX_GEN) {
                retireHandle(); // the generation would wrap: this index is never handed out again
            } else {
                c.giveHandle(index);
            }
            if (c.huge) {
                c.hugeFree(zs);
            } else {
                c.objFree(zs, PoolHandle.entryObj(e));
                c.objsInuse--;
                if (c.fixFullness(zs) == FG_EMPTY) {
                    c.freeZspage(zs);
                }
            }
        } finally {
            c.lock.unlock();
        }
    }

    /**
     * Writes {@code len} bytes into the object ({@code zs_obj_write}). Reads take no lock, so a read of the same
     * object racing this write may see a mix of old and new bytes: callers order the two, as zram's per-slot lock
     * does in the kernel (the page store never rewrites a published object).
     *
     * @throws IllegalArgumentException if {@code len} exceeds the object's slot capacity
     */
    public void write(long handle, byte[] src, int off, int len) {
        int index = checkShape(handle);
        SizeClass c = lockClassOf(handle, index, "write");
        try {
            long e = entry(index);
            c.checkLength(handle, len);
            c.copyIn(PoolHandle.entryZspage(e), PoolHandle.entryObj(e), src, off, len);
        } finally {
            c.lock.unlock();
        }
    }

    /**
     * Copies {@code len} bytes of the object into {@code dst} ({@code zs_obj_read_begin} + memcpy), without the class
     * lock (see "Reads" in the class comment). If the object is freed while the copy runs, this throws as for a stale
     * handle and {@code dst[off, off+len)} holds unspecified bytes.
     */
    public void read(long handle, byte[] dst, int off, int len) {
        readObject(handle, len, dst, off, null, null, true);
    }

    /**
     * Hands the object's first {@code len} bytes to {@code reader} without copying when they lie in one frame;
     * an object straddling two frames is first copied into {@code scratch} (as the kernel's per-CPU local_copy).
     *
     * <p>With {@code optimistic}, no lock is held during the call (see "Reads" in the class comment): the reader may
     * be handed bytes that change under it if the object is freed or moved meanwhile, and is called again if it was
     * moved; if it was freed this throws as for a stale handle (whatever the reader threw is dropped). So an
     * optimistic reader must cope with arbitrary bytes (a bounds-checked decoder does) and leave nothing behind that
     * a failed attempt could spoil. Without it, the class lock is held during the call, so the reader must not call
     * back into this pool (the lock is a spinlock and not reentrant, as the kernel's is).
     */
    public void access(long handle, int len, byte[] scratch, ObjectReader reader, boolean optimistic) {
        readObject(handle, len, null, 0, scratch, reader, optimistic);
    }

    /** read (reader null: copy into dst) or access; optimistic attempts first, then under the class lock. */
    private void readObject(long handle, int len, byte[] dst, int dstOff, byte[] scratch, ObjectReader reader,
                            boolean optimistic) {
        int index = checkShape(handle);
        for (int attempt = 0; optimistic && attempt < OPTIMISTIC_TRIES; attempt++) {
            long e = liveEntry(handle, index, "read");
            SizeClass c = classes[PoolHandle.entryClass(e)];
            c.checkLength(handle, len);
            int seq = c.moveSeq();
            if ((seq & 1) != 0) {
                break; // compaction is moving objects of this class: take the lock
            }
            e = liveEntry(handle, index, "read"); // read after the sequence number: a move from here on changes it
            try {
                c.read(e, len, dst, dstOff, scratch, reader);
            } catch (RuntimeException ex) {
                if (stayed(handle, index, e, c, seq, "read")) {
                    throw ex; // a genuine failure: the object stayed put, so the bytes the reader saw were its own
                }
                continue;
            }
            if (stayed(handle, index, e, c, seq, "read")) {
                return;
            }
        }
        SizeClass c = lockClassOf(handle, index, "read");
        try {
            c.checkLength(handle, len);
            c.read(entry(index), len, dst, dstOff, scratch, reader);
        } finally {
            c.lock.unlock();
        }
    }

    /** Where a live object sits, {@code {classId, zspage, slot}} (for tests of placement order). */
    int[] locate(long handle) {
        int index = checkShape(handle);
        SizeClass c = lockClassOf(handle, index, "locate");
        try {
            long e = entry(index);
            return new int[] {PoolHandle.entryClass(e), PoolHandle.entryZspage(e), PoolHandle.entryObj(e)};
        } finally {
            c.lock.unlock();
        }
    }

    /** True if the handle names a live object of this pool. Never throws. */
    public boolean isLive(long handle) {
        if (handle == 0 || (handle & PoolHandle.RESERVED_MASK) != 0) {
            return false;
        }
        int index = PoolHandle.index(handle);
        long[][] segs = handleSegments;
        if (index < 0 || (index >>> SEG_SHIFT) >= segs.length || segs[index >>> SEG_SHIFT] == null) {
            return false;
        }
        long e = (long) ENTRY.getAcquire(segs[index >>> SEG_SHIFT], index & (SEG_SIZE - 1));
        return PoolHandle.entryAllocated(e) && PoolHandle.entryGen(e) == PoolHandle.generation(handle);
    }

    /** Largest object the handle's slot can hold (slot size − 8, or PAGE_SIZE for huge). */
    public int capacityOf(long handle) {
        int index = checkShape(handle);
        SizeClass c = lockClassOf(handle, index, "inspect");
        try {
            return c.capacity();
        } finally {
            c.lock.unlock();
        }
    }

    /**
     * {@code zs_compact}: compacts every class, largest first, and returns the pages freed (also added to
     * {@link #pagesCompacted()}). Only one compaction runs at a time; a second caller waits.
     */
    public long compact() {
        compactLock.lock();
        try {
            long freed = 0;
            for (int id = classes.length - 1; id >= 0; id--) {
                SizeClass c = classes[id];
                c.lock.lock();
                try {
                    freed += c.compact();
                } finally {
                    c.lock.unlock();
                }
            }
            pagesCompacted.addAndGet(freed);
            return freed;
        } finally {
            compactLock.unlock();
        }
    }

    /** {@code zs_get_total_pages}: page frames owned by zspages. */
    public long totalPages() {
        return pagesAllocated.get();
    }

    /**
     * Heap bytes of the frame arrays (at least {@link #totalPages()} × PAGE_SIZE: each class's last chunk has room
     * left).
     */
    public long frameBytes() {
        long b = 0;
        for (SizeClass c : classes) {
            c.lock.lock();
            try {
                b += c.arena.reservedBytes();
            } finally {
                c.lock.unlock();
            }
        }
        return b;
    }

    /** Cumulative pages freed by compaction (zram mm_stat field 7). */
    public long pagesCompacted() {
        return pagesCompacted.get();
    }

    /** {@code zs_huge_class_size}. */
    public int hugeClassSize() {
        return table.hugeClassSize();
    }

    /** Live objects (allocated handles): the sum of the classes' in-use counts. */
    public long liveObjects() {
        long n = 0;
        for (SizeClass c : classes) {
            c.lock.lock();
            try {
                n += c.objsInuse;
            } finally {
                c.lock.unlock();
            }
        }
        return n;
    }

    /** Handle-table entries that name an allocated object (a scan, for invariant checks). */
    private long allocatedEntries() {
        int hw;
        synchronized (handleLock) {
            hw = handleHighWater;
        }
        long n = 0;
        for (int i = 0; i < hw; i++) {
            n += PoolHandle.entryAllocated(entry(i)) ? 1 : 0;
        }
        return n;
    }

    /**
     * Heap bytes of pool metadata outside the page frames: the handle table, its free stack and the per-zspage
     * arrays (the kernel's handle slab and zspage structs).
     */
    public long metadataBytes() {
        long b;
        synchronized (handleLock) {
            b = (long) handleSegments.length * 8 + countSegments() * (long) SEG_SIZE * 8 + freeHandles.length * 4L;
        }
        b += (long) classes.length * 2 * HANDLE_BATCH * 4; // the classes' handle caches
        for (SizeClass c : classes) {
            c.lock.lock();
            try {
                b += c.metadataBytes();
            } finally {
                c.lock.unlock();
            }
        }
        return b;
    }

    /** A consistent-per-class snapshot of occupancy (as {@code /sys/kernel/debug/zsmalloc/<pool>/classes}). */
    public PoolStats stats() {
        PoolStats.ClassStats[] rows = new PoolStats.ClassStats[classes.length];
        for (SizeClass c : classes) {
            c.lock.lock();
            try {
                rows[c.id] = new PoolStats.ClassStats(c.id, table.kernelIndex(c.id), c.size, c.ppz, c.objs, c.zspageCount,
                        c.zspageCount * (long) c.objs, c.objsInuse, c.canCompact(), c.fgCount.clone());
            } finally {
                c.lock.unlock();
            }
        }
        return new PoolStats(totalPages(), pagesCompacted(), rows);
    }

    /**
     * Checks internal invariants of every class (lists, counts, free lists, handle back-pointers); throws
     * {@link AssertionError} describing the first violation. For tests and replays.
     */
    public void checkInvariants() {
        long pages = 0;
        long inuse = 0;
        for (SizeClass c : classes) {
            c.lock.lock();
            try {
                c.checkInvariants();
                pages += (long) c.zspageCount * c.ppz;
                inuse += c.objsInuse;
            } finally {
                c.lock.unlock();
            }
        }
        if (pages != pagesAllocated.get()) {
            throw new AssertionError("pages_allocated " + pagesAllocated.get() + " != sum of zspage pages " + pages);
        }
        long allocated = allocatedEntries();
        if (inuse != allocated) {
            throw new AssertionError("objects in use " + inuse + " != allocated handle entries " + allocated);
        }
        // huge objects have no slot header pointing back: check that no two live handles name the same zspage
        SizeClass h = classes[table.hugeClassId()];
        h.lock.lock();
        try {
            java.util.BitSet seen = new java.util.BitSet();
            long count = 0;
            int hw;
            synchronized (handleLock) {
                hw = handleHighWater;
            }
            for (int i = 0; i < hw; i++) {
                long e = entry(i);
                if (PoolHandle.entryAllocated(e) && PoolHandle.entryClass(e) == h.id) {
                    int zs = PoolHandle.entryZspage(e);
                    if (seen.get(zs)) {
                        throw new AssertionError("two huge objects in zspage " + zs);
                    }
                    seen.set(zs);
                    count++;
                }
            }
            if (count != h.objsInuse) {
                throw new AssertionError("huge class holds " + h.objsInuse + " objects but " + count + " handles name it");
            }
        } finally {
            h.lock.unlock();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Handle table
    // ---------------------------------------------------------------------------------------------------------

    private long[] segment(int index) {
        return handleSegments[index >>> SEG_SHIFT];
    }

    private long entry(int index) {
        return (long) ENTRY.getAcquire(segment(index), index & (SEG_SIZE - 1));
    }

    private long countSegments() {
        long n = 0;
        for (long[] s : handleSegments) {
            if (s != null) {
                n++;
            }
        }
        return n;
    }

    /**
     * Moves up to {@code n} free handle indices into {@code dst[at..]} (new ones at the high-water mark when the
     * stack is empty) and returns how many, placed so that popping {@code dst} from the top yields them in the order
     * the stack would have (new ones in ascending order).
     */
    private int takeHandles(int[] dst, int at, int n) {
        synchronized (handleLock) {
            int k = 0;
            while (k < n && freeHandleCount > 0) {
                dst[at + n - 1 - k++] = freeHandles[--freeHandleCount];
            }
            while (k < n) {
                int index = handleHighWater;
                if (index == handleLimit) {
                    if (k > 0) {
                        break;
                    }
                    throw new IllegalStateException("handle table exhausted at " + index + " entries"
                            + (handleLimit < Integer.MAX_VALUE - 1 ? " (a 32-bit kernel's 4-byte slot header)" : ""));
                }
                handleHighWater++;
                int seg = index >>> SEG_SHIFT;
                long[][] segs = handleSegments;
                if (seg >= segs.length) {
                    segs = Arrays.copyOf(segs, segs.length * 2);
                }
                if (segs[seg] == null) {
                    segs[seg] = new long[SEG_SIZE];
                    handleSegments = segs; // publish
                }
                // A never-used entry starts at generation 1 so that generation 0 is never valid.
                ENTRY.setRelease(segs[seg], index & (SEG_SIZE - 1), PoolHandle.freedEntry(1));
                dst[at + n - 1 - k++] = index;
            }
            if (k < n) {
                System.arraycopy(dst, at + n - k, dst, at, k);
            }
            return k;
        }
    }

    /** Returns {@code n} free indices from {@code src[at..]} to the global stack. */
    private void giveHandles(int[] src, int at, int n) {
        synchronized (handleLock) {
            if (freeHandleCount + n > freeHandles.length) {
                freeHandles = Arrays.copyOf(freeHandles, Math.max(freeHandleCount + n, freeHandles.length * 2));
            }
            System.arraycopy(src, at, freeHandles, freeHandleCount, n);
            freeHandleCount += n;
        }
    }

    private void retireHandle() {
        synchronized (handleLock) {
            retiredHandles++;
        }
    }

    /** Rejects 0, reserved bits and indices never handed out; returns the table index. */
    private int checkShape(long handle) {
        if (handle == 0) {
            throw new InvalidHandleException("null", handle, "0 is never a valid handle");
        }
        if ((handle & PoolHandle.RESERVED_MASK) != 0) {
            throw new InvalidHandleException("forged", handle, "reserved bits 52..63 are set");
        }
        int index = PoolHandle.index(handle);
        long[][] segs = handleSegments;
        if (index < 0 || (index >>> SEG_SHIFT) >= segs.length || segs[index >>> SEG_SHIFT] == null
                || (long) ENTRY.getAcquire(segs[index >>> SEG_SHIFT], index & (SEG_SIZE - 1)) == 0) {
            throw new InvalidHandleException("forged", handle, "index " + index + " was never handed out");
        }
        if (PoolHandle.generation(handle) == 0) {
            throw new InvalidHandleException("forged", handle, "generation 0 is never handed out");
        }
        return index;
    }

    /** Locks and returns the class of a live handle; throws (unlocked) if the handle is stale. */
    private SizeClass lockClassOf(long handle, int index, String op) {
        long e = entry(index);
        int gen = PoolHandle.generation(handle);
        if (!PoolHandle.entryAllocated(e) || PoolHandle.entryGen(e) != gen) {
            throw stale(handle, e, op);
        }
        SizeClass c = classes[PoolHandle.entryClass(e)];
        c.lock.lock();
        long again = entry(index);
        if (!PoolHandle.entryAllocated(again) || PoolHandle.entryGen(again) != gen) {
            c.lock.unlock();
            throw stale(handle, again, op);
        }
        return c;
    }

    /** The handle's entry, read without a lock, if the object is live; else a stale-handle exception. */
    private long liveEntry(long handle, int index, String op) {
        long e = entry(index);
        if (!PoolHandle.entryAllocated(e) || PoolHandle.entryGen(e) != PoolHandle.generation(handle)) {
            throw stale(handle, e, op);
        }
        return e;
    }

    /**
     * After an optimistic read of the bytes at entry {@code e} begun at move sequence {@code seq}: true if the object
     * stayed there throughout (the bytes read were its own), false if it may have moved (read again); throws as for
     * a stale handle if it was freed.
     */
    private boolean stayed(long handle, int index, long e, SizeClass c, int seq, String op) {
        VarHandle.acquireFence(); // the bytes are read before the entry and the sequence are read again
        long again = entry(index);
        if (again == e && c.moveSeq() == seq) {
            return true;
        }
        if (!PoolHandle.entryAllocated(again) || PoolHandle.entryGen(again) != PoolHandle.generation(handle)) {
            throw stale(handle, again, op);
        }
        return false;
    }

    private static InvalidHandleException stale(long handle, long entry, String op) {
        return new InvalidHandleException("stale", handle, "cannot " + op + ": object was freed (handle generation "
                + PoolHandle.generation(handle) + ", slot now at generation " + PoolHandle.entryGen(entry)
                + (PoolHandle.entryAllocated(entry) ? ", reused by another object)" : ", free)"));
    }

    // ---------------------------------------------------------------------------------------------------------
    // A size class and its zspages; every method runs under the class lock, except the reads (copyOut, access,
    // read) and moveSeq, which optimistic readers call without it (see "Reads" in the class comment).
    // ---------------------------------------------------------------------------------------------------------

    private final class SizeClass {
        final ClassLock lock = new ClassLock();
        // Move sequence (a seqlock's count): odd while migrate() moves objects of this class, bumped to even after.
        // Optimistic readers check it is even and unchanged around their read. Kept in the middle of its own array so
        // it shares no cache line with the fields written on every malloc and free.
        private final int[] moveSeq = new int[2 * SEQ_PAD + 1];
        final int id;
        final int size;
        final int ppz;
        final int objs;
        final boolean huge;
        final int headerBytes;
        /** The header and free-link word is an {@code unsigned long}: 8 bytes, or 4 on a 32-bit kernel. */
        final boolean wideWords;

        // Per-zspage arrays, indexed by zspage id (local to this class).
        // Compact per-zspage metadata (objs < 4096, checked in the pool's constructor, fits a short): 15 bytes, the
        // kernel's struct zspage.
        // The kernel's init_zspage threads every slot onto the free list when it builds a zspage; here the list holds
        // only freed slots and untouched[zs] is the first slot never handed out. Popping the list, and taking
        // untouched[zs]++ when it is empty, yields slots in exactly the kernel's order (its list is always the freed
        // slots, last freed first, followed by the untouched ones in ascending order) without writing a link into
        // every slot of a new zspage. Slots at or above untouched[zs] hold no header and are never read.
        short[] inuse = new short[8];
        short[] freeHead = new short[8];
        short[] untouched = new short[8];
        byte[] group = new byte[8];
        int[] prev = new int[8];
        int[] next = new int[8];
        // The class's own frames: zspage zs owns arena frames zs*ppz .. zs*ppz+ppz-1, so no per-zspage page list
        // is kept (the kernel chains a zspage's pages through struct page; an array here would cost 4 B per frame).
        final PageFrames arena = new PageFrames(pageShift);
        int[] freeIds = new int[8];
        int freeIdCount;
        int idHighWater;

        // Free handle indices cached by this class (LIFO), refilled from and spilled to the pool's stack in batches.
        int[] handleCache;
        int handleCacheCount;

        final int[] listHead = new int[FULLNESS_GROUPS];
        final int[] fgCount = new int[FULLNESS_GROUPS];
        // Fullness group of a zspage by its in-use count: the kernel's formula tabulated once, because malloc and
        // free each need it and its two integer divisions cost more than the rest of the list bookkeeping.
        final byte[] groupOf;
        int zspageCount;
        long objsInuse;

        SizeClass(int id, int size, int ppz, int objs, boolean huge) {
            this.id = id;
            this.size = size;
            this.ppz = ppz;
            this.objs = objs;
            this.huge = huge;
            this.headerBytes = huge ? 0 : table.handleSize();
            this.wideWords = table.handleSize() == 8;
            Arrays.fill(listHead, NONE);
            this.groupOf = new byte[objs + 1];
            for (int n = 0; n <= objs; n++) {
                groupOf[n] = (byte) (quarters ? quarterFullnessOf(n, objs) : fullnessOf(n, objs));
            }
        }

        /** get_fullness_group (≥ 6.3): 0 empty, 11 full, else {@code 100 * inuse / objs / 10 + 1} (1..10). */
        static int fullnessOf(int n, int objs) {
            if (n == 0) {
                return FG_EMPTY;
            }
            if (n == objs) {
                return FG_FULL;
            }
            return 100 * n / objs / 10 + 1;
        }

        /**
         * get_fullness_group (≤ 6.2, {@code fullness_threshold_frac} 4): ZS_EMPTY (0), ZS_FULL (11), ZS_ALMOST_EMPTY
         * (1) while {@code inuse <= 3 * objs / 4}, else ZS_ALMOST_FULL (10).
         */
        static int quarterFullnessOf(int n, int objs) {
            if (n == 0) {
                return FG_EMPTY;
            }
            if (n == objs) {
                return FG_FULL;
            }
            return n <= 3 * objs / 4 ? FG_ALMOST_EMPTY : FG_ALMOST_FULL;
        }

        int capacity() {
            return size - headerBytes;
        }

        /** A free handle index (its entry holds the generation to use). */
        int takeHandle() {
            if (handleCacheCount == 0) {
                if (handleCache == null) {
                    handleCache = new int[2 * HANDLE_BATCH];
                }
                handleCacheCount = takeHandles(handleCache, 0, HANDLE_BATCH);
            }
            return handleCache[--handleCacheCount];
        }

        /** Gives back a free handle index; half the cache spills to the pool's stack when it is full. */
        void giveHandle(int index) {
            if (handleCache == null) {
                handleCache = new int[2 * HANDLE_BATCH];
            }
            if (handleCacheCount == handleCache.length) {
                handleCacheCount -= HANDLE_BATCH;
                giveHandles(handleCache, handleCacheCount, HANDLE_BATCH);
            }
            handleCache[handleCacheCount++] = index;
        }

        void checkLength(long handle, int len) {
            if (len < 0 || len > capacity()) {
                throw new IllegalArgumentException("length: " + len + " (expected 0.." + capacity()
                        + " for the " + size + "-byte class of handle 0x" + Long.toHexString(handle) + ")");
            }
        }

        long canCompact() {
            long wasted = (long) zspageCount * objs - objsInuse;
            return wasted <= 0 ? 0 : wasted / objs * ppz;
        }

        int fullness(int zs) {
            return groupOf[inuse[zs]];
        }

        /**
         * insert_zspage: at the head of the group's list; before 6.3, second when the head has more objects in use
         * ("we want to see more ZS_FULL pages", so allocation keeps filling the fuller one).
         */
        void insert(int zs, int fg) {
            group[zs] = (byte) fg;
            fgCount[fg]++;
            int head = listHead[fg];
            if (quarters && head != NONE && inuse[zs] < inuse[head]) {
                int after = next[head];
                prev[zs] = head;
                next[zs] = after;
                next[head] = zs;
                if (after != NONE) {
                    prev[after] = zs;
                }
                return;
            }
            prev[zs] = NONE;
            next[zs] = head;
            if (head != NONE) {
                prev[head] = zs;
            }
            listHead[fg] = zs;
        }

        void remove(int zs) {
            int fg = group[zs];
            fgCount[fg]--;
            if (prev[zs] != NONE) {
                next[prev[zs]] = next[zs];
            } else {
                listHead[fg] = next[zs];
            }
            if (next[zs] != NONE) {
                prev[next[zs]] = prev[zs];
            }
            prev[zs] = NONE;
            next[zs] = NONE;
        }

        int fixFullness(int zs) {
            int fg = fullness(zs);
            if (fg != group[zs]) {
                remove(zs);
                insert(zs, fg);
            }
            return fg;
        }

        int findGetZspage() {
            for (int fg = FG_FULL - 1; fg >= FG_EMPTY; fg--) {
                if (listHead[fg] != NONE) {
                    return listHead[fg];
                }
            }
            return NONE;
        }

        /** Builds a zspage (not yet on a list) whose slots are all untouched, or NONE if out of capacity. */
        int newZspage() {
            if (!reservePages(ppz)) {
                return NONE;
            }
            int zs = takeId();
            if (zs == inuse.length) {
                int n = zs + (zs >> 3) + 8; // grow by 1.125x: little slack (these arrays are most of the per-page metadata)
                inuse = Arrays.copyOf(inuse, n);
                freeHead = Arrays.copyOf(freeHead, n);
                untouched = Arrays.copyOf(untouched, n);
                group = Arrays.copyOf(group, n);
                prev = Arrays.copyOf(prev, n);
                next = Arrays.copyOf(next, n);
            }
            arena.ensure((zs + 1) * ppz);
            inuse[zs] = 0;
            freeHead[zs] = NONE;
            untouched[zs] = 0;
            prev[zs] = NONE;
            next[zs] = NONE;
            zspageCount++;
            return zs;
        }

        /** Counts {@code n} more pool pages, unless that would exceed the capacity (as alloc_page failing). */
        private boolean reservePages(int n) {
            if (capacityPages == 0) {
                pagesAllocated.addAndGet(n);
                return true;
            }
            long cur;
            do {
                cur = pagesAllocated.get();
                if (cur + n > capacityPages) {
                    return false;
                }
            } while (!pagesAllocated.compareAndSet(cur, cur + n));
            return true;
        }

        /** A zspage id: the last one freed, or a new one (the pages just reserved are given back if none is left). */
        private int takeId() {
            if (freeIdCount > 0) {
                return freeIds[--freeIdCount];
            }
            if (idHighWater >= PoolHandle.MAX_ZSPAGES) {
                pagesAllocated.addAndGet(-ppz);
                throw new IllegalStateException("size class " + size + ": more than " + PoolHandle.MAX_ZSPAGES
                        + " zspages");
            }
            return idHighWater++;
        }

        void freeZspage(int zs) {
            remove(zs);
            zspageCount--;
            pagesAllocated.addAndGet(-ppz);
            releaseId(zs);
        }

        private void releaseId(int zs) {
            if (freeIdCount == freeIds.length) {
                freeIds = Arrays.copyOf(freeIds, freeIdCount * 2);
            }
            freeIds[freeIdCount++] = zs; // LIFO: the frames of the zspage freed last are reused first
        }

        /** The arena frame holding byte {@code off} of zspage {@code zs}. */
        int pfnOf(int zs, int off) {
            return zs * ppz + (off >>> pageShift);
        }

        /**
         * The huge class keeps no zspage records: a huge zspage is one frame holding one object, always full, never
         * compacted, so the handle-table entry's zspage id is all there is, and only counts are kept. This saves the
         * 13 bytes of zspage arrays per huge page. Returns the zspage id, or NONE if out of capacity.
         */
        int hugeAlloc() {
            if (!reservePages(1)) {
                return NONE;
            }
            int zs = takeId();
            arena.ensure(zs + 1);
            zspageCount++;
            fgCount[FG_FULL]++;
            objsInuse++;
            return zs;
        }

        void hugeFree(int zs) {
            zspageCount--;
            fgCount[FG_FULL]--;
            objsInuse--;
            pagesAllocated.decrementAndGet();
            releaseId(zs);
        }

        /** obj_malloc: pops the zspage's free list (or takes its next untouched slot) and tags the slot with the handle. */
        int objMalloc(int zs, int handleIndex) {
            int obj = freeHead[zs];
            int off;
            int pfn;
            if (obj == NONE) {
                obj = untouched[zs]++;
                off = obj * size;
                pfn = pfnOf(zs, off);
            } else {
                off = obj * size;
                pfn = pfnOf(zs, off);
                long link = arena.getWord(pfn, off & pageMask, wideWords);
                assert (link & 1) == 0 : "free slot " + obj + " of zspage " + zs + " in class " + size + " is tagged allocated";
                freeHead[zs] = (short) (link >> 1);
            }
            arena.putWord(pfn, off & pageMask, (long) handleIndex << 1 | 1, wideWords);
            inuse[zs]++;
            return obj;
        }

        /** obj_free: pushes the slot on the zspage's free list (LIFO). */
        void objFree(int zs, int obj) {
            int off = obj * size;
            arena.putWord(pfnOf(zs, off), off & pageMask, (long) freeHead[zs] << 1, wideWords);
            freeHead[zs] = (short) obj;
            inuse[zs]--;
        }

        void copyIn(int zs, int obj, byte[] src, int srcOff, int len) {
            int off = obj * size + headerBytes;
            while (len > 0) {
                int pfn = pfnOf(zs, off);
                int in = off & pageMask;
                int n = Math.min(len, page - in);
                System.arraycopy(src, srcOff, arena.chunk(pfn), arena.offset(pfn) + in, n);
                srcOff += n;
                off += n;
                len -= n;
            }
        }

        void copyOut(int zs, int obj, byte[] dst, int dstOff, int len) {
            int off = obj * size + headerBytes;
            while (len > 0) {
                int pfn = pfnOf(zs, off);
                int in = off & pageMask;
                int n = Math.min(len, page - in);
                System.arraycopy(arena.chunk(pfn), arena.offset(pfn) + in, dst, dstOff, n);
                dstOff += n;
                off += n;
                len -= n;
            }
        }

        void access(int zs, int obj, int len, byte[] scratch, ObjectReader reader) {
            int off = obj * size + headerBytes;
            int in = off & pageMask;
            if (in + len <= page) {
                int pfn = pfnOf(zs, off);
                reader.read(arena.chunk(pfn), arena.offset(pfn) + in, len);
            } else {
                copyOut(zs, obj, scratch, 0, len);
                reader.read(scratch, 0, len);
            }
        }

        /** The object at entry {@code e}: copied into dst (reader null) or handed to the reader. */
        void read(long e, int len, byte[] dst, int dstOff, byte[] scratch, ObjectReader reader) {
            if (reader == null) {
                copyOut(PoolHandle.entryZspage(e), PoolHandle.entryObj(e), dst, dstOff, len);
            } else {
                access(PoolHandle.entryZspage(e), PoolHandle.entryObj(e), len, scratch, reader);
            }
        }

        /** zs_object_copy: the whole slot, header included, between two zspages of this class. */
        void copySlot(int srcZs, int srcObj, int dstZs, int dstObj) {
            int s = srcObj * size;
            int d = dstObj * size;
            int len = size;
            while (len > 0) {
                int sp = pfnOf(srcZs, s);
                int dp = pfnOf(dstZs, d);
                int si = s & pageMask;
                int di = d & pageMask;
                int n = Math.min(len, Math.min(page - si, page - di));
                System.arraycopy(arena.chunk(sp), arena.offset(sp) + si, arena.chunk(dp), arena.offset(dp) + di, n);
                s += n;
                d += n;
                len -= n;
            }
        }

        /** __zs_compact for this class; returns pages freed. */
        long compact() {
            if (huge) {
                return 0; // one object per zspage: nothing can move (canCompact is always 0 too)
            }
            if (quarters) {
                return compactQuarters();
            }
            long freed = 0;
            int dst = NONE;
            while (canCompact() > 0) {
                if (dst == NONE) {
                    dst = isolate(true);
                    if (dst == NONE) {
                        break;
                    }
                }
                int src = isolate(false);
                if (src == NONE) {
                    break;
                }
                migrate(src, dst);
                int fg = fullness(src);
                insert(src, fg); // putback_zspage
                if (fg == FG_EMPTY) {
                    freeZspage(src);
                    freed += ppz;
                }
                if (fullness(dst) == FG_FULL) {
                    insert(dst, FG_FULL);
                    dst = NONE;
                }
            }
            if (dst != NONE) {
                insert(dst, fullness(dst));
            }
            return freed;
        }

        /**
         * __zs_compact before 6.3: isolate a source (almost empty first) and, while the class can compact, move its
         * objects into destinations (almost full first) until it is empty; a destination filled up goes back and the
         * next one is isolated. It stops when no destination is left, putting the source back.
         */
        private long compactQuarters() {
            long freed = 0;
            int src;
            while ((src = isolate(false)) != NONE) {
                if (canCompact() == 0) {
                    insert(src, fullness(src));
                    break;
                }
                int dst;
                while ((dst = isolate(true)) != NONE) {
                    migrate(src, dst);
                    if (inuse[src] == 0) {
                        break; // migrate_zspage found no object left (0), not a full destination (-ENOMEM)
                    }
                    insert(dst, fullness(dst));
                }
                if (dst == NONE) {
                    insert(src, fullness(src)); // "stop if we couldn't find slot"
                    break;
                }
                insert(dst, fullness(dst));
                int fg = fullness(src);
                insert(src, fg);
                if (fg == FG_EMPTY) {
                    freeZspage(src);
                    freed += ppz;
                }
            }
            return freed;
        }

        /** isolate_dst_zspage (fullest first) or isolate_src_zspage (emptiest first), groups 10..1 only. */
        int isolate(boolean destination) {
            for (int i = 0; i < FG_FULL - 1; i++) {
                int fg = destination ? FG_FULL - 1 - i : 1 + i;
                int zs = listHead[fg];
                if (zs != NONE) {
                    remove(zs);
                    return zs;
                }
            }
            return NONE;
        }

        int moveSeq() {
            return (int) SEQ.getAcquire(moveSeq, SEQ_PAD);
        }

        /** migrate_zspage: moves allocated objects of src, in slot order, into dst (the move sequence odd meanwhile). */
        void migrate(int src, int dst) {
            int seq = (int) SEQ.getAndAdd(moveSeq, SEQ_PAD, 1); // a full fence: odd is seen before any byte moves
            try {
                migrateObjects(src, dst);
            } finally {
                SEQ.setRelease(moveSeq, SEQ_PAD, seq + 2); // release: the moves are seen before the even value
            }
        }

        private void migrateObjects(int src, int dst) {
            for (int obj = 0, end = untouched[src]; obj < end; obj++) {
                int off = obj * size;
                long header = arena.getWord(pfnOf(src, off), off & pageMask, wideWords);
                if ((header & 1) == 0) {
                    continue;
                }
                int handleIndex = (int) (header >>> 1);
                int newObj = objMalloc(dst, handleIndex);
                copySlot(src, obj, dst, newObj);
                long[] seg = segment(handleIndex);
                long old = (long) ENTRY.getAcquire(seg, handleIndex & (SEG_SIZE - 1));
                assert PoolHandle.entryAllocated(old) && PoolHandle.entryZspage(old) == src && PoolHandle.entryObj(old) == obj
                        : "slot header of class " + size + " zspage " + src + " obj " + obj + " names handle index "
                        + handleIndex + " whose entry does not point back";
                ENTRY.setRelease(seg, handleIndex & (SEG_SIZE - 1),
                        PoolHandle.entry(PoolHandle.entryGen(old), id, dst, newObj));
                objFree(src, obj);
                if (inuse[dst] == objs || inuse[src] == 0) {
                    break;
                }
            }
        }

        long metadataBytes() {
            return inuse.length * 15L + 4L * freeIds.length + groupOf.length;
        }

        void checkInvariants() {
            if (huge) {
                check(zspageCount == objsInuse && fgCount[FG_FULL] == zspageCount && listHead[FG_FULL] == NONE,
                        "huge class: " + zspageCount + " zspages, " + objsInuse + " objects, " + fgCount[FG_FULL]
                        + " full");
                return;
            }
            int[] seen = new int[FULLNESS_GROUPS];
            int zspages = 0;
            long used = 0;
            for (int fg = 0; fg < FULLNESS_GROUPS; fg++) {
                int p = NONE;
                for (int zs = listHead[fg]; zs != NONE; zs = next[zs]) {
                    check(prev[zs] == p, "broken prev link at zspage " + zs);
                    check(group[zs] == fg && fullness(zs) == fg, "zspage " + zs + " in group " + fg
                            + " has inuse " + inuse[zs]);
                    int free = 0;
                    int fresh = untouched[zs];
                    check(fresh >= 0 && fresh <= objs, "zspage " + zs + ": untouched mark " + fresh + " outside 0.." + objs);
                    for (int obj = freeHead[zs]; obj != NONE; ) {
                        check(obj >= 0 && obj < fresh && ++free <= objs, "free list of zspage " + zs + " is corrupt");
                        int off = obj * size;
                        long link = arena.getWord(pfnOf(zs, off), off & pageMask, wideWords);
                        check((link & 1) == 0, "free slot " + obj + " of zspage " + zs + " is tagged allocated");
                        obj = (int) (link >> 1);
                    }
                    check(free + inuse[zs] + objs - fresh == objs, "zspage " + zs + ": " + free + " free + "
                            + inuse[zs] + " in use + " + (objs - fresh) + " untouched != " + objs);
                    if (!huge) {
                        for (int obj = 0; obj < fresh; obj++) {
                            int off = obj * size;
                            long h = arena.getWord(pfnOf(zs, off), off & pageMask, wideWords);
                            if ((h & 1) != 0) {
                                long e = (long) ENTRY.getAcquire(segment((int) (h >>> 1)), (int) (h >>> 1) & (SEG_SIZE - 1));
                                check(PoolHandle.entryAllocated(e) && PoolHandle.entryClass(e) == id
                                        && PoolHandle.entryZspage(e) == zs && PoolHandle.entryObj(e) == obj,
                                        "slot " + obj + " of zspage " + zs + " names handle index " + (h >>> 1)
                                        + " that does not point back");
                            }
                        }
                    }
                    used += inuse[zs];
                    seen[fg]++;
                    zspages++;
                    p = zs;
                }
                check(seen[fg] == fgCount[fg], "group " + fg + " count " + fgCount[fg] + " but list has " + seen[fg]);
            }
            check(seen[FG_EMPTY] == 0, "an empty zspage was not freed");
            check(zspages == zspageCount, "zspage count " + zspageCount + " but lists hold " + zspages);
            check(used == objsInuse, "objs in use " + objsInuse + " but zspages hold " + used);
        }

        private void check(boolean ok, String what) {
            if (!ok) {
                throw new AssertionError("zsmalloc class " + size + " (id " + id + "): " + what);
            }
        }
    }
}
