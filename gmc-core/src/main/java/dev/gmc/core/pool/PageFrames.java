package dev.gmc.core.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The page frames zspages are built from: 4 KiB frames carved out of byte arrays of 255 frames (1,044,480 bytes: just
 * under 1 MiB, so that G1 never treats a chunk as a humongous object and wastes the rest of its region), so the heap
 * holds a few large arrays, not an object per page; numbered by a frame number (pfn) and recycled through a LIFO free
 * stack, like order-0 pages from the buddy allocator. Chunks are never returned to the heap; the pool's
 * accounting (pages allocated) is what the kernel reports.
 *
 * <p>Thread-safety: allocate and free synchronise on this object. Frame contents are read and written by the
 * owner of the frame (a size class under its lock), so {@link #chunk(int)} needs no lock: a chunk, once
 * published through the volatile directory, never moves.
 */
public final class PageFrames {
    static final int FRAMES_PER_CHUNK = 255;
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private volatile byte[][] chunks = new byte[4][];
    private int chunkCount;
    private int[] freeStack = new int[1024];
    private int freeCount;
    private int nextFresh;
    private long inUse;

    /** Allocates one frame and returns its number. */
    public synchronized int allocate() {
        inUse++;
        if (freeCount > 0) {
            return freeStack[--freeCount];
        }
        int pfn = nextFresh++;
        int chunk = pfn / FRAMES_PER_CHUNK;
        if (chunk == chunkCount) {
            byte[][] dir = chunks;
            if (chunk == dir.length) {
                dir = Arrays.copyOf(dir, dir.length * 2);
            }
            dir[chunk] = new byte[FRAMES_PER_CHUNK << SizeClassTable.PAGE_SHIFT];
            chunkCount++;
            chunks = dir; // publish
        }
        return pfn;
    }

    public synchronized void free(int pfn) {
        if (pfn < 0 || pfn >= nextFresh) {
            throw new IllegalArgumentException("pfn: " + pfn + " (expected 0.." + (nextFresh - 1) + ")");
        }
        if (freeCount == freeStack.length) {
            freeStack = Arrays.copyOf(freeStack, freeCount * 2);
        }
        freeStack[freeCount++] = pfn;
        inUse--;
    }

    /** Frames currently allocated. */
    public synchronized long inUse() {
        return inUse;
    }

    /** Bytes of heap held by frame chunks (in use or free). */
    public synchronized long reservedBytes() {
        return (long) chunkCount * FRAMES_PER_CHUNK << SizeClassTable.PAGE_SHIFT;
    }

    /** The array holding frame {@code pfn}; its bytes start at {@link #offset(int)}. */
    byte[] chunk(int pfn) {
        return chunks[pfn / FRAMES_PER_CHUNK];
    }

    static int offset(int pfn) {
        return (pfn % FRAMES_PER_CHUNK) << SizeClassTable.PAGE_SHIFT;
    }

    long getLong(int pfn, int inPage) {
        return (long) LONG.get(chunk(pfn), offset(pfn) + inPage);
    }

    void putLong(int pfn, int inPage, long v) {
        LONG.set(chunk(pfn), offset(pfn) + inPage, v);
    }
}
