package dev.gmc.core.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A size class's page frames: frames of the table's PAGE_SIZE carved out of byte arrays of 15 frames (61,440 bytes at
 * 4 KiB: small enough that a class with few zspages wastes little in its last chunk; 15 rather than 16 because a
 * 64 KiB array plus its header packs only 31 to a 2 MiB G1 region, wasting 3 %, while 15-frame arrays waste 0.4 % in
 * regions of any size; at 16 KiB a chunk is 240 KiB and at 64 KiB 960 KiB, the same count kept so that the
 * frame-to-chunk division stays one by a constant on the store path), so the heap holds arrays of many frames, not
 * an object per page. Frames are numbered from 0; the class decides which frame belongs to which zspage (frame
 * {@code zs * ppz + k}), so no frame allocator or per-zspage page list is needed. Chunks are never returned to the
 * heap.
 *
 * <p>Thread-safety: written under its size class's lock; the chunk directory is volatile so that a chunk, once
 * published, is seen whole. Optimistic readers (ZsPool "Reads") read chunks without the lock: chunks never move
 * and are never dropped, so a read at a location that went stale still reads this class's memory.
 */
public final class PageFrames {
    static final int FRAMES_PER_CHUNK = 15;
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private volatile byte[][] chunks = new byte[4][];
    private int chunkCount;
    /** PAGE_SHIFT of the frames: 12, 14 or 16. */
    private final int shift;

    PageFrames(int pageShift) {
        this.shift = pageShift;
    }

    /** Makes frames {@code 0 .. frames-1} exist. */
    void ensure(int frames) {
        int need = (frames + FRAMES_PER_CHUNK - 1) / FRAMES_PER_CHUNK;
        if (need <= chunkCount) {
            return;
        }
        byte[][] dir = chunks;
        if (need > dir.length) {
            dir = Arrays.copyOf(dir, Math.max(need, dir.length * 2));
        }
        while (chunkCount < need) {
            dir[chunkCount++] = new byte[FRAMES_PER_CHUNK << shift];
        }
        chunks = dir; // publish
    }

    /** Bytes of heap held by frame chunks. */
    long reservedBytes() {
        return (long) chunkCount * FRAMES_PER_CHUNK << shift;
    }

    /** The array holding frame {@code pfn}; its bytes start at {@link #offset(int)}. */
    byte[] chunk(int pfn) {
        return chunks[pfn / FRAMES_PER_CHUNK];
    }

    int offset(int pfn) {
        return (pfn % FRAMES_PER_CHUNK) << shift;
    }

    /**
     * A slot's header word: an {@code unsigned long}, 8 bytes on a 64-bit kernel and 4 on a 32-bit one. A 4-byte word
     * is sign-extended, so that the pool reads back what it wrote for both of its uses: a free link (a small slot
     * number, or -1 for none, shifted left by one) and a tagged handle index (below 2^30 on a 32-bit kernel; a pool
     * of objects of at least 32 bytes reaches that only past 32 GiB).
     */
    long getWord(int pfn, int inPage, boolean wide) {
        return wide ? (long) LONG.get(chunk(pfn), offset(pfn) + inPage) : (long) (int) INT.get(chunk(pfn), offset(pfn) + inPage);
    }

    void putWord(int pfn, int inPage, long v, boolean wide) {
        if (wide) {
            LONG.set(chunk(pfn), offset(pfn) + inPage, v);
        } else {
            INT.set(chunk(pfn), offset(pfn) + inPage, (int) v);
        }
    }
}
