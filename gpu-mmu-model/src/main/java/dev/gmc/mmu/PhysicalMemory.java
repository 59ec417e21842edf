package dev.gmc.mmu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Emulated RAM: page frames that hold real bytes, a frame allocator with per-kind accounting.
 *
 * <p>Frame numbers (PFNs) run from 1 to {@code frames - 1}; PFN 0 is never handed out, so physical address 0 always
 * means "no page" (kbase's {@code pte_to_phy_addr} returns 0 for an invalid entry). Frames live in 1 MiB chunks
 * allocated on first use, so a large configured RAM costs heap only as it is used. The allocator is a LIFO stack
 * of free PFNs: a freed frame is the next one handed out, as with the kernel's per-CPU page lists, which makes a
 * stale mapping to a freed frame show up quickly (see {@link #poisonOnFree}).
 *
 * <p>Concurrency: allocation and free take this object's monitor. Frame contents are not locked here: the MMU
 * models guarantee that no access reaches a frame after its last mapping was removed (and the TLBs flushed), which
 * is exactly the discipline the real kernel relies on. Page-table entries are read and written as whole 64-/32-bit
 * words with plain accesses: every table walk and every table update in the MMU models runs under the owning
 * address space's read or write lock, which orders them (byte-array views have no atomic access modes on newer
 * JDKs).
 */
public final class PhysicalMemory {
    public static final int PAGE_SHIFT = 12;
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    /** Freed frames are filled with this byte when poisoning is on (the kernel's POISON_FREE). */
    public static final byte POISON = 0x6b;
    private static final int CHUNK_SHIFT = 8; // 256 frames = 1 MiB per chunk
    private static final int CHUNK_FRAMES = 1 << CHUNK_SHIFT;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private final int frames;
    private final byte[][] chunks;
    private final byte[] kinds;
    private final int[] freeStack;
    private int freeTop;
    private final long[] usedByKind = new long[FrameKind.values().length];
    private long peakUsed;
    private final boolean poisonOnFree;

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
    }

    public int totalFrames() {
        return frames - 1;
    }

    /** Allocates a frame of the given kind; its contents are zeroed when {@code zero}. */
    public int allocate(FrameKind kind, boolean zero) {
        if (kind == FrameKind.FREE) {
            throw new IllegalArgumentException("cannot allocate a FREE frame");
        }
        int pfn;
        synchronized (this) {
            if (freeTop == 0) {
                throw new OutOfFramesException(kind.name(), totalFrames());
            }
            pfn = freeStack[--freeTop];
            kinds[pfn] = (byte) kind.ordinal();
            usedByKind[kind.ordinal()]++;
            long used = frames - 1 - freeTop;
            if (used > peakUsed) {
                peakUsed = used;
            }
            if (chunks[pfn >> CHUNK_SHIFT] == null) {
                chunks[pfn >> CHUNK_SHIFT] = new byte[CHUNK_FRAMES * PAGE_SIZE];
                zero = false; // fresh chunk is zero
            }
        }
        if (zero) {
            Arrays.fill(array(pfn), offset(pfn), offset(pfn) + PAGE_SIZE, (byte) 0);
        }
        return pfn;
    }

    /** Frees a frame; freeing a frame that is not allocated, or as the wrong kind, is a bug and throws. */
    public void free(int pfn, FrameKind kind) {
        checkPfn(pfn);
        if (poisonOnFree) {
            Arrays.fill(array(pfn), offset(pfn), offset(pfn) + PAGE_SIZE, POISON);
        }
        synchronized (this) {
            if (kinds[pfn] != kind.ordinal()) {
                throw new IllegalStateException("freeing frame " + pfn + " as " + kind + " but it is "
                        + FrameKind.values()[kinds[pfn]]);
            }
            kinds[pfn] = (byte) FrameKind.FREE.ordinal();
            usedByKind[kind.ordinal()]--;
            freeStack[freeTop++] = pfn;
        }
    }

    public synchronized FrameKind kind(int pfn) {
        checkPfn(pfn);
        return FrameKind.values()[kinds[pfn]];
    }

    public synchronized long used(FrameKind kind) {
        return usedByKind[kind.ordinal()];
    }

    public synchronized long usedFrames() {
        return frames - 1 - freeTop;
    }

    public synchronized long freeFrames() {
        return freeTop;
    }

    public synchronized long peakUsedFrames() {
        return peakUsed;
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
