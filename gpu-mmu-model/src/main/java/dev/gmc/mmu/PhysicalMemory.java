package dev.gmc.mmu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Emulated RAM: page frames that hold real bytes, a frame allocator with per-kind accounting.
 *
 * <p>Frame numbers (PFNs) run from 1 to {@code frames - 1}; PFN 0 is never handed out, so physical address 0 always
 * means "no page" (kbase's {@code pte_to_phy_addr} returns 0 for an invalid entry). Frames live in 1 MiB chunks
 * allocated on first use, so a large configured RAM costs heap only as it is used.
 *
 * <h2>Allocator</h2>
 * Free PFNs form one LIFO stack: a freed frame is the next one handed out, as with the kernel's per-CPU page lists,
 * which makes a stale mapping to a freed frame show up quickly (see {@link #poisonOnFree}). As in the kernel, the
 * top of the stack is split off per thread: each thread keeps a cache of up to {@value #CACHE_MAX} free PFNs (the
 * kernel's per-CPU lists), refilled from and spilled to the shared stack {@value #BATCH} at a time. With one thread
 * the order is exactly the single stack's: a refill moves the shared stack's top {@value #BATCH} entries to the
 * bottom of the cache, a spill moves the cache's bottom {@value #BATCH} entries back on top of the shared stack, so
 * shared stack + cache read as one stack throughout. Why: with one lock for every allocation and free, 16 threads
 * restoring pages of their own buffers restored fewer pages a second than 4 (docs/PERFORMANCE.md).
 *
 * <p>The accounting stays exact, with no cached frame ever lost to an allocation:
 * <ul>
 *   <li>{@link #usedFrames()} counts frames handed out; cached frames are free. An allocation first reserves its
 *       frame in that count (an atomic add; over the RAM size it takes the reservation back and throws
 *       {@link OutOfFramesException}), so the peak is the count's true maximum;</li>
 *   <li>a reserved frame exists in the shared stack or in some cache; an allocation that finds its own cache and
 *       the shared stack empty drains the other threads' caches into the shared stack, as the kernel's
 *       {@code drain_all_pages} before it gives up, and tries again. The caches of threads that have ended are
 *       drained and dropped then, and whenever a thread makes its cache, so a run with short-lived threads keeps
 *       no more caches than threads.</li>
 * </ul>
 *
 * <p>Concurrency: a cache is guarded by its own monitor (taken by its thread on every call, uncontended unless a
 * drain runs), the shared stack by this object's; lock order is cache, then shared stack, and no thread holds two
 * caches. A frame's kind changes by compare-and-set, so a double free or a free as the wrong kind throws and
 * changes nothing, even when two threads race. Frame contents are not locked here: the MMU models guarantee that no
 * access reaches a frame after its last mapping was removed (and the TLBs flushed), which is exactly the discipline
 * the real kernel relies on. Page-table entries are read and written as whole 64-/32-bit words with plain accesses:
 * every table walk and every table update in the MMU models runs under the owning address space's read or write
 * lock, which orders them (byte-array views have no atomic access modes on newer JDKs).
 */
public final class PhysicalMemory {
    public static final int PAGE_SHIFT = 12;
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    /** Freed frames are filled with this byte when poisoning is on (the kernel's POISON_FREE). */
    public static final byte POISON = 0x6b;
    private static final int CHUNK_SHIFT = 8; // 256 frames = 1 MiB per chunk
    private static final int CHUNK_FRAMES = 1 << CHUNK_SHIFT;
    /** PFNs moved between a thread's cache and the shared stack at a time (the kernel's {@code pcp->batch}). */
    static final int BATCH = 32;
    /** A thread's cache holds at most this many PFNs; reaching it spills {@link #BATCH} (the kernel's pcp->high). */
    static final int CACHE_MAX = 2 * BATCH;
    private static final byte FREE = (byte) FrameKind.FREE.ordinal();
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle KINDS = MethodHandles.arrayElementVarHandle(byte[].class);
    private static final VarHandle CHUNKS = MethodHandles.arrayElementVarHandle(byte[][].class);

    private final int frames;
    private final byte[][] chunks;
    private final byte[] kinds;
    private final boolean poisonOnFree;

    // The shared stack, under this object's monitor.
    private final int[] freeStack;
    private int freeTop;

    // Per-thread caches (see the class comment); all of them, so that an allocation can drain the others.
    private final ThreadLocal<FrameCache> caches;
    private final Queue<FrameCache> allCaches = new ConcurrentLinkedQueue<>();

    private final AtomicLong used = new AtomicLong();
    private final AtomicLong peakUsed = new AtomicLong();
    private final KindCounts usedByKind = new KindCounts();

    /** Frames in use per kind: per-thread cells (see {@link EnumCounters}), one thread's frees may be another's. */
    private static final class KindCounts extends EnumCounters<FrameKind> {
        KindCounts() {
            super(FrameKind.class);
        }
    }

    /** One thread's free PFNs, a LIFO stack ({@code pfns[count - 1]} is the top); guarded by its monitor. */
    private static final class FrameCache {
        final Thread owner = Thread.currentThread();
        final int[] pfns = new int[CACHE_MAX];
        int count;
    }

    /**
     * Checks a RAM size before anything is built (a configuration is checked when it is read, not when a driver
     * starts).
     *
     * @throws IllegalArgumentException unless it is a multiple of 4 KiB from 64 KiB to 128 GiB
     */
    public static void checkRamBytes(long ramBytes) {
        if (ramBytes < 16L * PAGE_SIZE || ramBytes % PAGE_SIZE != 0 || ramBytes > (1L << 37)) {
            throw new IllegalArgumentException("RAM size " + ramBytes
                    + " bytes: expected a multiple of 4096 between 64 KiB and 128 GiB");
        }
    }

    /**
     * @param ramBytes     RAM size, a multiple of 4 KiB, at most 128 GiB
     * @param poisonOnFree fill freed frames with {@link #POISON} so a read through a stale mapping returns garbage
     *                     that a shadow check catches (costs a 4 KiB fill per free)
     */
    public PhysicalMemory(long ramBytes, boolean poisonOnFree) {
        checkRamBytes(ramBytes);
        this.frames = (int) (ramBytes >> PAGE_SHIFT);
        this.chunks = new byte[(frames + CHUNK_FRAMES - 1) >> CHUNK_SHIFT][];
        this.kinds = new byte[frames];
        this.freeStack = new int[frames - 1];
        for (int i = 0; i < frames - 1; i++) {
            freeStack[i] = frames - 1 - i; // lowest PFN on top
        }
        this.freeTop = frames - 1;
        this.kinds[0] = (byte) FrameKind.DATA.ordinal(); // reserved, never freed
        this.poisonOnFree = poisonOnFree;
        this.caches = ThreadLocal.withInitial(() -> {
            FrameCache c = new FrameCache();
            drain(c, true); // a thread's first call: give back what ended threads left, so the list stays short
            allCaches.add(c);
            return c;
        });
    }

    public int totalFrames() {
        return frames - 1;
    }

    /** Allocates a frame of the given kind; its contents are zeroed when {@code zero}. */
    public int allocate(FrameKind kind, boolean zero) {
        if (kind == FrameKind.FREE) {
            throw new IllegalArgumentException("cannot allocate a FREE frame");
        }
        long u = used.incrementAndGet();
        if (u > frames - 1) {
            used.decrementAndGet();
            throw new OutOfFramesException(kind.name(), totalFrames());
        }
        if (u > peakUsed.get()) {
            peakUsed.accumulateAndGet(u, Math::max);
        }
        int pfn = take();
        KINDS.setVolatile(kinds, pfn, (byte) kind.ordinal());
        usedByKind.inc(kind);
        int chunk = pfn >> CHUNK_SHIFT;
        if (CHUNKS.getAcquire(chunks, chunk) == null && newChunk(chunk)) {
            zero = false; // a fresh chunk is zero
        }
        if (zero) {
            Arrays.fill(array(pfn), offset(pfn), offset(pfn) + PAGE_SIZE, (byte) 0);
        }
        return pfn;
    }

    /** Creates chunk {@code chunk} unless another thread just did; true if this call created it. */
    private synchronized boolean newChunk(int chunk) {
        if (chunks[chunk] != null) {
            return false;
        }
        CHUNKS.setRelease(chunks, chunk, new byte[CHUNK_FRAMES * PAGE_SIZE]);
        return true;
    }

    /** Takes a free PFN for a reserved allocation: the thread's cache, else a refill, else drain the others. */
    private int take() {
        FrameCache c = caches.get();
        for (;;) {
            synchronized (c) {
                if (c.count == 0) {
                    synchronized (this) {
                        int n = Math.min(BATCH, freeTop);
                        freeTop -= n;
                        System.arraycopy(freeStack, freeTop, c.pfns, 0, n); // the shared top goes on top
                        c.count = n;
                    }
                }
                if (c.count > 0) {
                    return c.pfns[--c.count];
                }
            }
            // The reservation guarantees a free frame: it sits in another thread's cache.
            drainOthers(c);
        }
    }

    /** Moves every other cache's PFNs onto the shared stack; drops the caches of threads that have ended. */
    private void drainOthers(FrameCache mine) {
        drain(mine, false);
    }

    /** {@link #drainOthers}, or with {@code endedOnly} only the caches of threads that have ended. */
    private void drain(FrameCache mine, boolean endedOnly) {
        for (FrameCache x : allCaches) {
            if (x == mine || (endedOnly && x.owner.isAlive())) {
                continue;
            }
            synchronized (x) {
                if (x.count > 0) {
                    synchronized (this) {
                        System.arraycopy(x.pfns, 0, freeStack, freeTop, x.count);
                        freeTop += x.count;
                    }
                    x.count = 0;
                }
                if (!x.owner.isAlive()) {
                    allCaches.remove(x); // its thread can no longer add to it
                }
            }
        }
    }

    /**
     * Frees a frame; freeing a frame that is not allocated, or as the wrong kind, is a bug: it throws and changes
     * nothing.
     */
    public void free(int pfn, FrameKind kind) {
        checkPfn(pfn);
        if (kind == FrameKind.FREE || !KINDS.compareAndSet(kinds, pfn, (byte) kind.ordinal(), FREE)) {
            throw new IllegalStateException("freeing frame " + pfn + " as " + kind + " but it is " + kind(pfn));
        }
        if (poisonOnFree) { // in no list yet: no other thread can have it
            Arrays.fill(array(pfn), offset(pfn), offset(pfn) + PAGE_SIZE, POISON);
        }
        usedByKind.add(kind, -1);
        FrameCache c = caches.get();
        synchronized (c) {
            c.pfns[c.count++] = pfn;
            if (c.count == CACHE_MAX) { // the cache's bottom goes on top of the shared stack
                synchronized (this) {
                    System.arraycopy(c.pfns, 0, freeStack, freeTop, BATCH);
                    freeTop += BATCH;
                }
                System.arraycopy(c.pfns, BATCH, c.pfns, 0, CACHE_MAX - BATCH);
                c.count = CACHE_MAX - BATCH;
            }
        }
        used.decrementAndGet(); // only now: a reservation may count on this frame once it is in a list
    }

    /** Caches kept, live threads' and not yet dropped ended threads' (for tests). */
    int caches() {
        return allCaches.size();
    }

    public FrameKind kind(int pfn) {
        checkPfn(pfn);
        return FrameKind.values()[(byte) KINDS.getVolatile(kinds, pfn)];
    }

    public long used(FrameKind kind) {
        return usedByKind.get(kind);
    }

    /** Frames handed out (allocations in progress included). */
    public long usedFrames() {
        return used.get();
    }

    /** Frames free, in the shared stack or a thread's cache. */
    public long freeFrames() {
        return frames - 1 - used.get();
    }

    public long peakUsedFrames() {
        return peakUsed.get();
    }

    /** The array holding frame {@code pfn}; its bytes start at {@link #offset(int)}. For zero-copy codec calls. */
    public byte[] array(int pfn) {
        byte[] c = chunks[pfn >> CHUNK_SHIFT];
        if (c == null) {
            throw new IllegalStateException("frame " + pfn + " was never allocated");
        }
        return c;
    }

    public int offset(int pfn) {
        return (pfn & (CHUNK_FRAMES - 1)) << PAGE_SHIFT;
    }

    /** Copies {@code len} bytes at physical address {@code pa} (within one frame) into {@code dst}. */
    public void read(long pa, byte[] dst, int off, int len) {
        int pfn = pfnOf(pa, len);
        System.arraycopy(array(pfn), offset(pfn) + (int) (pa & (PAGE_SIZE - 1)), dst, off, len);
    }

    public void write(long pa, byte[] src, int off, int len) {
        int pfn = pfnOf(pa, len);
        System.arraycopy(src, off, array(pfn), offset(pfn) + (int) (pa & (PAGE_SIZE - 1)), len);
    }

    /** A 64-bit page-table entry at {@code pa} (8-byte aligned), read as a whole. */
    public long readLong(long pa) {
        int pfn = pfnOf(pa, 8);
        return (long) LONGS.get(array(pfn), offset(pfn) + (int) (pa & (PAGE_SIZE - 1)));
    }

    public void writeLong(long pa, long v) {
        int pfn = pfnOf(pa, 8);
        LONGS.set(array(pfn), offset(pfn) + (int) (pa & (PAGE_SIZE - 1)), v);
    }

    /** A 32-bit (Utgard) page-table entry at {@code pa} (4-byte aligned). */
    public int readInt(long pa) {
        int pfn = pfnOf(pa, 4);
        return (int) INTS.get(array(pfn), offset(pfn) + (int) (pa & (PAGE_SIZE - 1)));
    }

    public void writeInt(long pa, int v) {
        int pfn = pfnOf(pa, 4);
        INTS.set(array(pfn), offset(pfn) + (int) (pa & (PAGE_SIZE - 1)), v);
    }

    private int pfnOf(long pa, int len) {
        long pfn = pa >>> PAGE_SHIFT;
        if (pfn <= 0 || pfn >= frames || (pa & (PAGE_SIZE - 1)) + len > PAGE_SIZE || len < 0) {
            throw new IllegalArgumentException("physical access of " + len + " bytes at 0x" + Long.toHexString(pa)
                    + " is outside one frame of the " + frames + "-frame RAM");
        }
        return (int) pfn;
    }

    private void checkPfn(int pfn) {
        if (pfn <= 0 || pfn >= frames) {
            throw new IllegalArgumentException("PFN " + pfn + " outside 1.." + (frames - 1));
        }
    }
}
