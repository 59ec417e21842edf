package dev.gmc.core.store;

import dev.gmc.core.codec.CorruptPageException;
import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.codec.PageCodec;
import dev.gmc.core.pool.InvalidHandleException;
import dev.gmc.core.pool.SizeClassTable;
import dev.gmc.core.pool.ZsPool;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A compressed page store with zram's write path and statistics (kernel-facts §2.1–2.2) and GMC's reject policy.
 *
 * <h2>store(page)</h2>
 * <ol>
 *   <li>Same-filled (if enabled): keep the fill word, no pool memory; {@code same_pages++}, {@code pages_stored++}.</li>
 *   <li>Compress with the per-thread codec into a 2-page buffer.</li>
 *   <li>Compressed length ≥ threshold (default huge_class_size): {@code reject} returns {@link #REJECTED};
 *       {@code store-raw} stores the raw page (4096 bytes, or 16384) in the huge class ({@code huge_pages++},
 *       {@code huge_pages_since++}).</li>
 *   <li>{@code zs_malloc}; then, as {@code zram_can_store_page}, sample the pool size into mem_used_max and, if it
 *       exceeds mem_limit, free the new object and return {@link #NO_MEMORY} ({@code failed_writes++}). Only then
 *       are the bytes written and the page ID published.</li>
 * </ol>
 *
 * <h2>Concurrency</h2>
 * Compression runs outside any lock with per-thread codecs and buffers. The entry table is segmented (entries never
 * move) and takes no lock of its own; the entry's meta word (generation, USED, kind, size) is the only thing threads
 * race on:
 * <ul>
 *   <li><b>publish</b>: a free entry belongs to one thread (its cache, below), which writes the value and then the
 *       meta word with release semantics;</li>
 *   <li><b>free</b> of a page with a pool object reads the value as load does (below) and frees the handle: of
 *       racing frees of one ID exactly one succeeds under the pool's class lock (the others find the handle stale
 *       and report a stale ID), and only that one writes the next generation's free meta word and recycles the
 *       entry. A same-filled page has no pool object, so its free claims the entry by compare-and-set of the meta
 *       word instead;</li>
 *   <li><b>load</b> reads the meta word (acquire), the value, then the meta word again: if it changed, the page was
 *       freed meanwhile and the ID is stale (generations only grow, and an entry whose generation would wrap is
 *       retired, so an unchanged word means an unchanged entry). The value is then a pool handle that was this
 *       page's; the pool checks its own generation after the decompression (without a lock for LZ4 stores, under
 *       the class lock for zstd: see ZsPool "Reads"), so a free racing with the decompression either comes after it
 *       (the bytes were this page's) or makes the handle stale (reported as a stale ID) — never another page's
 *       bytes.</li>
 * </ul>
 * The pool has its own per-class locks (see {@link ZsPool}).
 *
 * <p>The store path takes one lock (the pool class's) and no other atomic instruction in the common case: each
 * thread keeps a cache of free entry indices (traded with the global stack in batches of {@value #ENTRY_BATCH}) and
 * its own statistics counters, which readers of mm_stat sum over all threads (each counter is read atomically; the
 * kernel's counters are separate atomics too, so a snapshot was never one instant). A thread that ends leaves its
 * counters behind (they stay in the sums) and at most {@value #ENTRY_BATCH}×2 cached free entries unused.
 */
public final class PageStore implements AutoCloseable {
    /** store(): the page is poorly compressible and the policy is reject; it stays resident. */
    public static final long REJECTED = -1;
    /** store(): mem_limit or pool capacity would be exceeded (counted in failed_writes). */
    public static final long NO_MEMORY = -2;
    /** The default page: 4096 bytes. A store of a 16 KiB-page table ({@link #pageSize()}) takes 16384-byte pages. */
    public static final int PAGE_SIZE = SizeClassTable.PAGE_SIZE;

    private static final int ENTRY_BATCH = 32;
    private static final VarHandle META = MethodHandles.arrayElementVarHandle(int[].class);
    private static final int SEG_SHIFT = 12;
    private static final int SEG_SIZE = 1 << SEG_SHIFT;

    private final StoreConfig config;
    /** The kernel's PAGE_SIZE: the table's, 4096 or 16384. */
    private final int pageSize;
    /** zram's same-filled word: the kernel's {@code sizeof(unsigned long)}. */
    private final int sameWordBytes;
    private final ZsPool pool;
    private final int threshold;
    // Decompress without the pool's class lock (ZsPool "Reads"): the decoder may see bytes that a racing free or
    // move changes under it. LZ4's safe decoders read each input byte once against fixed bounds, so any bytes only
    // make them fail; zstd's native decoder is not relied on for that, so zstd stores decompress under the lock.
    // Indexed by codec priority (PageId prio): the store's codec, then its recompression codecs.
    private final boolean[] optimisticReads;
    private final long limitPages;
    private final ThreadLocal<Context> contexts;
    private final Queue<Context> allContexts = new ConcurrentLinkedQueue<>();

    // Entry table (zram's table, 12 bytes per entry): values = pool handle or fill word; metas = see PageId.
    private final Object entryLock = new Object();
    private volatile long[][] values = new long[1][];
    private volatile int[][] metas = new int[1][];
    private int highWater;
    private int[] freeEntries = new int[1024];
    private int freeEntryCount;

    // mm_stat / io_stat / GMC counters: per-thread (Context.count), summed by sum(); these two are shared.
    private final AtomicLong maxUsedPages = new AtomicLong();
    private final LongAdder invalidIds = new LongAdder();

    private volatile boolean closed;

    public PageStore(StoreConfig config) {
        this.config = config;
        this.pageSize = config.classes().pageSize();
        if (pageSize > PageId.SIZE_MASK) {
            throw new IllegalArgumentException("a page store holds pages of up to 16 KiB (a page's object length is"
                    + " kept in " + PageId.SIZE_BITS + " bits); a table for " + pageSize + "-byte pages gives pool"
                    + " (ZsPool) and write-once (WriteOnceModel) figures only");
        }
        this.sameWordBytes = config.classes().arch().wordBytes();
        this.pool = new ZsPool(config.classes(), config.capacityPages());
        this.threshold = config.threshold();
        this.optimisticReads = new boolean[1 + config.recompressCodecs().size()];
        for (int p = 0; p < optimisticReads.length; p++) {
            optimisticReads[p] = config.codecOfPriority(p).algorithm().decodesArbitraryBytesSafely();
        }
        // zram: limit_pages = PAGE_ALIGN(limit) >> PAGE_SHIFT
        this.limitPages = (config.memLimitBytes() + pageSize - 1) / pageSize;
        values[0] = new long[SEG_SIZE];
        metas[0] = new int[SEG_SIZE];
        this.contexts = ThreadLocal.withInitial(() -> {
            Context c = new Context(config.codec().newCodec(), pageSize);
            allContexts.add(c);
            return c;
        });
    }

    public StoreConfig config() {
        return config;
    }

    /** The bytes in a page of this store: its table's PAGE_SIZE (4096, or 16384 for a 16 KiB-page kernel). */
    public int pageSize() {
        return pageSize;
    }

    /** The pool underneath (for inspection and tests; do not free its handles). */
    ZsPool pool() {
        return pool;
    }

    /** Stores the page ({@link #pageSize()} bytes) at {@code src[off]}; see {@link #store(byte[], int, int)}. */
    public long store(byte[] src, int off) {
        return store(src, off, pageSize);
    }

    /**
     * Stores one page.
     *
     * @return a page ID (positive), {@link #REJECTED} or {@link #NO_MEMORY}
     * @throws IllegalArgumentException if {@code len} is not the page size or the range is outside {@code src}
     */
    public long store(byte[] src, int off, int len) {
        ensureOpen();
        if (len != pageSize) {
            throw new IllegalArgumentException("page: " + len + " bytes (expected " + pageSize + ")");
        }
        PageCodec.checkRange("page", src, off, len);
        Context ctx = contexts.get();
        ctx.add(STORES, 1);
        if (config.sameFilled() && sameFilled(src, off)) {
            return storeSameFilled(ctx, SameFilled.fillValue(src, off));
        }
        int compLen = ctx.codec.compress(src, off, pageSize, ctx.out, 0, ctx.out.length);
        return storeObject(ctx, src, off, ctx.out, 0, compLen);
    }

    /** {@link #storeCompressed}: the compressor could not fit the page in its output limit. */
    public static final int INCOMPRESSIBLE = -1;

    /**
     * Stores a page that was compressed elsewhere (an OpenCL device, a batch on another thread) into LZ4 block format,
     * with the same steps and statistics as {@link #store}: same-filled check, threshold/policy, allocation, limits.
     *
     * @param page    the original page (same-filled check, raw copy for a huge page)
     * @param comp    its compressed form
     * @param compLen its length, or {@link #INCOMPRESSIBLE}
     * @throws IllegalStateException if this store's codec does not decode LZ4 block format
     */
    public long storeCompressed(byte[] page, int off, byte[] comp, int compOff, int compLen) {
        if (!config.codec().algorithm().isLz4Format()) {
            throw new IllegalStateException("storeCompressed: the store's codec " + config.codec()
                    + " cannot decode LZ4 blocks");
        }
        return storeCompressed(page, off, comp, compOff, compLen, config.codec());
    }

    /**
     * {@link #storeCompressed(byte[], int, byte[], int, int)} for a page compressed elsewhere with {@code producer}
     * (a codec made from a spec equal to this store's, e.g. on a worker thread, so that work parallelises while the
     * pool still sees the pages in input order).
     *
     * @throws IllegalStateException if {@code producer} is neither this store's codec spec nor LZ4 block format
     *                               decodable by this store
     */
    public long storeCompressed(byte[] page, int off, byte[] comp, int compOff, int compLen, CodecSpec producer) {
        ensureOpen();
        if (!producer.equals(config.codec())
                && !(producer.algorithm().isLz4Format() && config.codec().algorithm().isLz4Format())) {
            throw new IllegalStateException("storeCompressed: pages compressed with " + producer
                    + " cannot be decoded by the store's codec " + config.codec());
        }
        PageCodec.checkRange("page", page, off, pageSize);
        if (compLen != INCOMPRESSIBLE) {
            if (compLen <= 0 || compLen > pageSize) {
                throw new IllegalArgumentException("compressed length " + compLen + " (expected 1.." + pageSize
                        + " or INCOMPRESSIBLE)");
            }
            PageCodec.checkRange("compressed", comp, compOff, compLen);
        }
        Context ctx = contexts.get();
        ctx.add(STORES, 1);
        if (config.sameFilled() && sameFilled(page, off)) {
            return storeSameFilled(ctx, SameFilled.fillValue(page, off));
        }
        return storeObject(ctx, page, off, comp, compOff, compLen == INCOMPRESSIBLE ? Integer.MAX_VALUE : compLen);
    }

    /** Same-filled page: the fill word only, no pool memory (zram's ZRAM_SAME). */
    /** page_same_filled at this store's page size (the 4 KiB test's length is a constant the JIT folds). */
    private boolean sameFilled(byte[] page, int off) {
        return pageSize == PAGE_SIZE ? SameFilled.test(page, off, sameWordBytes)
                : SameFilled.test(page, off, sameWordBytes, pageSize);
    }

    private long storeSameFilled(Context ctx, long fill) {
        long id = publish(ctx, fill, PageId.SAME);
        ctx.add(SAME_PAGES, 1);
        if (fill == 0) {
            ctx.add(ZERO_PAGES, 1);
        }
        ctx.add(PAGES_STORED, 1);
        return id;
    }

    private long storeObject(Context ctx, byte[] src, int off, byte[] comp, int compOff, int compLen) {
        boolean huge = compLen >= threshold;
        if (huge && config.policy() == IncompressiblePolicy.REJECT) {
            ctx.add(REJECTED_PAGES, 1);
            return REJECTED;
        }
        int objLen = huge ? pageSize : compLen;
        // zs_malloc + zs_obj_write under one class lock. The kernel checks mem_limit between the two; writing first
        // is invisible (the handle is not published yet, and a refused object is freed at once).
        long handle = pool.malloc(objLen, huge ? src : comp, huge ? off : compOff);
        if (handle == 0) {
            ctx.add(FAILED_WRITES, 1);
            return NO_MEMORY;
        }
        long used = pool.totalPages();
        if (used > maxUsedPages.get()) {
            maxUsedPages.accumulateAndGet(used, Math::max);
        }
        if (limitPages != 0 && used > limitPages) {
            pool.free(handle);
            ctx.add(FAILED_WRITES, 1);
            return NO_MEMORY;
        }
        long id = publish(ctx, handle, objLen | (huge ? PageId.HUGE : 0));
        if (huge) {
            ctx.add(HUGE_PAGES, 1);
            ctx.add(HUGE_PAGES_SINCE, 1);
        }
        ctx.add(COMPR_DATA_SIZE, objLen);
        ctx.add(PAGES_STORED, 1);
        return id;
    }

    /**
     * Restores a page into {@code dst[off, off + pageSize())}.
     *
     * @throws InvalidPageIdException for a forged or stale ID: nothing is written, except when another thread frees
     *         this page while the load runs; then {@code dst}'s page holds unspecified bytes
     * @throws CorruptPageException if the stored object does not decode; the message names the ID
     */
    public void load(long id, byte[] dst, int off) {
        ensureOpen();
        PageCodec.checkRange("dst", dst, off, pageSize);
        int index = checkShape(id);
        Context ctx = contexts.get();
        int[] m = metas[index >>> SEG_SHIFT];
        int meta = liveMeta(id, m, index, "load");
        long value = valueOf(id, m, index, meta, "load");
        readPage(ctx, id, meta, value, dst, off, "load");
        ctx.add(LOADS, 1);
    }

    /** The page of a live entry ({@code meta}, {@code value}) into {@code dst}, decoded with its priority's codec. */
    private void readPage(Context ctx, long id, int meta, long value, byte[] dst, int off, String op) {
        try {
            if ((meta & PageId.SAME) != 0) {
                SameFilled.fill(dst, off, value, pageSize);
            } else if ((meta & PageId.HUGE) != 0) {
                pool.read(value, dst, off, pageSize);
            } else {
                int prio = PageId.metaPrio(meta);
                ctx.decoder = prio == 0 ? ctx.codec : ctx.secondary(prio, config);
                ctx.dst = dst;
                ctx.dstOff = off;
                try {
                    pool.access(value, meta & PageId.SIZE_MASK, ctx.scratch, ctx, optimisticReads[prio]);
                } catch (CorruptPageException e) {
                    ctx.add(FAILED_READS, 1);
                    ctx.add(CORRUPT, 1);
                    throw new CorruptPageException(e.codec(), e.compressedLength(), e.expectedLength(),
                            PageId.describe(id) + ": " + e.getMessage(), e);
                } finally {
                    ctx.dst = null;
                }
            }
        } catch (InvalidHandleException e) {
            // The page was freed while this read ran (its pool handle went stale under the pool's lock).
            invalidIds.increment();
            throw new InvalidPageIdException("stale", id, "cannot " + op + ": the page was freed during the " + op, e);
        }
    }

    /**
     * Copies a page's stored object, as the pool holds it, into {@code dst[off, ...)}: the compressed block (in this
     * store's codec's format) or, for a huge page, the raw page; nothing for a same-filled page. For decoding
     * elsewhere, e.g. a batch restore on a GPU. Counts as no load (the caller decodes, or not).
     *
     * @return the object's length ({@link #storedLength}), 0 for a same-filled page
     * @throws InvalidPageIdException for a forged or stale ID, or if the page is freed during the copy (then
     *                                {@code dst}'s bytes are unspecified)
     * @throws IllegalArgumentException if {@code dst} has no room for the object at {@code off}
     */
    public int readStored(long id, byte[] dst, int off) {
        ensureOpen();
        int index = checkShape(id);
        int[] m = metas[index >>> SEG_SHIFT];
        int meta = liveMeta(id, m, index, "read");
        long value = valueOf(id, m, index, meta, "read");
        if ((meta & PageId.SAME) != 0) {
            return 0;
        }
        int len = meta & PageId.SIZE_MASK;
        PageCodec.checkRange("dst", dst, off, len);
        try {
            pool.read(value, dst, off, len);
        } catch (InvalidHandleException e) {
            invalidIds.increment();
            throw new InvalidPageIdException("stale", id, "cannot read: the page was freed during the read", e);
        }
        return len;
    }

    /**
     * Frees a stored page: zram's {@code slot_free} on a discard or a swap-slot free notification, so it counts one
     * in {@code notify_free}.
     */
    public void free(long id) {
        free(id, true);
    }

    /**
     * Frees the old contents of a slot that a write has just replaced ({@code zram_write_page}'s {@code slot_free}):
     * as {@link #free}, but no free notification is counted; the kernel counts those only for discards and swap-slot
     * notifications (checked against Linux 6.18 by {@code gmc kernel-check --churn}).
     */
    public void freeReplaced(long id) {
        free(id, false);
    }

    private void free(long id, boolean notify) {
        ensureOpen();
        int index = checkShape(id);
        Context ctx = contexts.get();
        int[] m = metas[index >>> SEG_SHIFT];
        int meta = liveMeta(id, m, index, "free");
        int gen = PageId.metaGen(meta);
        int freedMeta = Math.min(gen + 1, PageId.MAX_GEN) << PageId.META_GEN_SHIFT;
        long value;
        if ((meta & PageId.SAME) != 0) {
            // No pool object to arbitrate: claim the entry by compare-and-set; a racing free of this ID loses.
            while (!META.compareAndSet(m, index & (SEG_SIZE - 1), meta, freedMeta)) {
                meta = liveMeta(id, m, index, "free"); // throws (stale) unless the word changed for another reason
            }
            value = values[index >>> SEG_SHIFT][index & (SEG_SIZE - 1)];
            ctx.add(SAME_PAGES, -1);
            if (value == 0) {
                ctx.add(ZERO_PAGES, -1);
            }
        } else {
            // The pool arbitrates: the value (read and validated as load does) is this page's handle, and of racing
            // frees of one handle exactly one succeeds under the pool's class lock; only its caller may retire the
            // entry. This saves a compare-and-set per free.
            value = valueOf(id, m, index, meta, "free");
            try {
                pool.free(value);
            } catch (InvalidHandleException e) {
                invalidIds.increment();
                throw new InvalidPageIdException("stale", id, "cannot free: the page was freed by another thread", e);
            }
            META.setRelease(m, index & (SEG_SIZE - 1), freedMeta);
            if ((meta & PageId.HUGE) != 0) {
                ctx.add(HUGE_PAGES, -1);
            }
            ctx.add(COMPR_DATA_SIZE, -(meta & PageId.SIZE_MASK));
        }
        ctx.add(PAGES_STORED, -1);
        if (notify) {
            ctx.add(NOTIFY_FREE, 1);
        }
        if (gen + 1 <= PageId.MAX_GEN) {
            ctx.giveEntry(this, index); // else retired: the generation would wrap, so the entry is never reused
        }
    }

    /**
     * The codec that wrote a page's stored object: the store's codec, or the recompression codec that replaced it
     * (see {@link #recompress}). For decoding {@link #readStored}'s bytes elsewhere.
     */
    public CodecSpec codecOf(long id) {
        return config.codecOfPriority(priorityOf(id));
    }

    /**
     * Decodes an object stored elsewhere ({@code ZramDevice}'s compressed writeback blocks) whose entry meta word was
     * {@code meta}: with the codec of its priority, the calling thread's own (as {@link #load} decodes).
     *
     * @throws CorruptPageException if it does not decode
     */
    void decodeObject(int meta, byte[] src, int srcOff, byte[] dst, int dstOff) {
        Context ctx = contexts.get();
        int prio = PageId.metaPrio(meta);
        (prio == 0 ? ctx.codec : ctx.secondary(prio, config))
                .decompress(src, srcOff, meta & PageId.SIZE_MASK, dst, dstOff, pageSize);
    }

    /** The codec priority of a page's object (zram's {@code ZRAM_COMP_PRIORITY}): 0 = the store's codec. */
    public int priorityOf(long id) {
        return PageId.metaPrio(metaOf(id));
    }

    /** A live page's meta word (see {@link PageId}): kind, size and codec priority in one read. */
    int metaOf(long id) {
        int index = checkShape(id);
        return liveMeta(id, metas[index >>> SEG_SHIFT], index, "inspect");
    }

    /** What {@link #recompress} did with a page. */
    public enum RecompressOutcome {
        /** A secondary codec's object, in a lower size class, replaced the old one; the page has a new ID. */
        RECOMPRESSED,
        /** Same-filled: no object to recompress (zram's scan skips ZRAM_SAME slots). */
        SAME_FILLED,
        /** The object is smaller than the threshold: left alone, nothing read. */
        BELOW_THRESHOLD,
        /** The object is already at or past the highest priority asked for: read, nothing tried. */
        AT_PRIORITY,
        /** No codec tried gave an object in a lower size class (and under the threshold). */
        NO_GAIN,
        /** The pool could not hold the new object (capacity): the old one stays. */
        NO_MEMORY
    }

    /**
     * The result of {@link #recompress}.
     *
     * @param id        the page's ID now: a new one after {@link RecompressOutcome#RECOMPRESSED} (the old ID is
     *                  stale then), else the same
     * @param oldLength the object's length before (the page size for a huge page, 0 for a same-filled one)
     * @param newLength its length after (the old length unless recompressed)
     * @param priority  the codec priority of the object now
     * @param exhausted for {@link RecompressOutcome#NO_GAIN}: the store's last codec was tried too, so zram would
     *                  mark the slot ZRAM_INCOMPRESSIBLE and never try it again
     */
    public record Recompression(RecompressOutcome outcome, long id, int oldLength, int newLength, int priority,
                                boolean exhausted) {
        /** True if zram counts the attempt against {@code max_pages} (it spent a compression on it). */
        public boolean spent() {
            return outcome == RecompressOutcome.RECOMPRESSED || outcome == RecompressOutcome.NO_GAIN
                    || outcome == RecompressOutcome.NO_MEMORY;
        }

        /** True if the page was read (zram clears the slot's ZRAM_IDLE then). */
        public boolean touched() {
            return spent() || outcome == RecompressOutcome.AT_PRIORITY;
        }
    }

    /**
     * zram's {@code recompress_slot} for one page (CONFIG_ZRAM_MULTI_COMP, Linux 6.18): unless the object is smaller
     * than {@code sizeThreshold}, decode the page, then try the recompression codecs of priorities
     * {@code max(prio, page's priority + 1)} up to {@code prioMax - 1} in order; the first whose object falls in a
     * lower zsmalloc class ({@link SizeClassTable#lookupClassIndex}, which ignores the handle as the kernel's lookup
     * does) and, with a threshold, is shorter than it, replaces the old object: {@code zs_malloc} of the new one,
     * then the old one is freed. Statistics change as the kernel's: {@code compr_data_size} by the difference,
     * {@code huge_pages} down by one for a huge page, {@code pages_stored} unchanged; {@code mem_used_max} and
     * {@code mem_limit} are not consulted (zram does neither on this path).
     *
     * <p>Thread-safety: safe against other pages' operations; the same page must not be loaded or freed meanwhile
     * (zram holds the slot's lock). A racing free makes this throw as for a stale ID, and the new object is freed.
     *
     * @param prio          the first priority to try (0 counts as 1, as the kernel's {@code priority=0})
     * @param prioMax       one past the last priority to try (at most 1 + the number of recompression codecs)
     * @param sizeThreshold 0, or the object length below which a page is left alone and at or above which a new
     *                      object does not count as a gain
     * @throws InvalidPageIdException for a forged or stale ID
     * @throws IllegalArgumentException for priorities outside the store's codecs
     */
    public Recompression recompress(long id, int prio, int prioMax, int sizeThreshold) {
        ensureOpen();
        int codecs = 1 + config.recompressCodecs().size();
        if (prio < 0 || prioMax > codecs || sizeThreshold < 0) {
            throw new IllegalArgumentException("recompress: priorities " + prio + ".." + (prioMax - 1) + ", threshold "
                    + sizeThreshold + " (this store has recompression priorities 1.." + (codecs - 1) + ")");
        }
        int index = checkShape(id);
        Context ctx = contexts.get();
        int[] m = metas[index >>> SEG_SHIFT];
        int meta = liveMeta(id, m, index, "recompress");
        long value = valueOf(id, m, index, meta, "recompress");
        int oldLen = meta & PageId.SIZE_MASK;
        int oldPrio = PageId.metaPrio(meta);
        if ((meta & PageId.SAME) != 0) {
            return new Recompression(RecompressOutcome.SAME_FILLED, id, 0, 0, 0, false);
        }
        if (oldLen < sizeThreshold) {
            return new Recompression(RecompressOutcome.BELOW_THRESHOLD, id, oldLen, oldLen, oldPrio, false);
        }
        byte[] page = ctx.recompressPage();
        readPage(ctx, id, meta, value, page, 0, "recompress");
        int p = Math.max(Math.max(prio, 1), oldPrio + 1);
        if (p >= prioMax) {
            return new Recompression(RecompressOutcome.AT_PRIORITY, id, oldLen, oldLen, oldPrio, false);
        }
        SizeClassTable table = config.classes();
        int newLen = -1;
        byte[] out = null;
        for (; p < prioMax; p++) {
            PageCodec codec = ctx.secondary(p, config);
            out = ctx.recompressOut(codec);
            int len = codec.compress(page, 0, pageSize, out, 0, out.length);
            if (!recompressionGains(table, oldLen, len, sizeThreshold)) {
                continue; // "continue until we make progress"
            }
            newLen = len;
            break;
        }
        if (newLen < 0) {
            return new Recompression(RecompressOutcome.NO_GAIN, id, oldLen, oldLen, oldPrio, p >= codecs);
        }
        long handle = pool.malloc(newLen, out, 0);
        if (handle == 0) {
            return new Recompression(RecompressOutcome.NO_MEMORY, id, oldLen, oldLen, oldPrio, false);
        }
        try {
            free(id, false); // slot_free of the old object: pages_stored, compr_data_size and huge_pages go down
        } catch (RuntimeException e) {
            pool.free(handle);
            throw e;
        }
        long newId = publish(ctx, handle, newLen | p << PageId.PRIO_SHIFT);
        ctx.add(COMPR_DATA_SIZE, newLen);
        ctx.add(PAGES_STORED, 1);
        return new Recompression(RecompressOutcome.RECOMPRESSED, newId, oldLen, newLen, p, false);
    }

    /**
     * recompress_slot's test of a new object: its class ({@code zs_lookup_class_index}) is lower than the old
     * object's and, with a threshold, it is shorter than the threshold.
     */
    public static boolean recompressionGains(SizeClassTable classes, int oldLen, int newLen, int sizeThreshold) {
        return classes.lookupClassIndex(newLen) < classes.lookupClassIndex(oldLen)
                && (sizeThreshold == 0 || newLen < sizeThreshold);
    }

    /** True if the ID names a stored page. Never throws. */
    public boolean contains(long id) {
        if (id <= 0 || (id & PageId.RESERVED_MASK) != 0) {
            return false;
        }
        int index = PageId.index(id);
        int[][] m = metas;
        if (index < 0 || (index >>> SEG_SHIFT) >= m.length || m[index >>> SEG_SHIFT] == null) {
            return false;
        }
        int meta = (int) META.getAcquire(m[index >>> SEG_SHIFT], index & (SEG_SIZE - 1));
        return (meta & PageId.USED) != 0 && PageId.metaGen(meta) == PageId.generation(id);
    }

    /** Stored object length of a page: compressed length, the page size if huge, 0 if same-filled. */
    public int storedLength(long id) {
        int index = checkShape(id);
        return liveMeta(id, metas[index >>> SEG_SHIFT], index, "inspect") & PageId.SIZE_MASK;
    }

    /** How a stored page is held. */
    public enum Kind {
        /** Same-filled: only the fill word is kept. */
        SAME,
        /** Stored raw (the whole page) in the huge class. */
        HUGE,
        /** Stored compressed in a zsmalloc object. */
        COMPRESSED
    }

    /** How the page is held. */
    public Kind kind(long id) {
        int index = checkShape(id);
        int meta = liveMeta(id, metas[index >>> SEG_SHIFT], index, "inspect");
        return (meta & PageId.SAME) != 0 ? Kind.SAME : (meta & PageId.HUGE) != 0 ? Kind.HUGE : Kind.COMPRESSED;
    }

    /** zs_compact on the pool; returns pages freed. */
    public long compact() {
        ensureOpen();
        return pool.compact();
    }

    /** Writing 0 to mem_used_max: resets the high-water mark to the current pool size. */
    public void resetMemUsedMax() {
        maxUsedPages.set(pool.totalPages());
    }

    public MmStat mmStat() {
        long[] c = sums();
        return new MmStat(c[PAGES_STORED] * pageSize, c[COMPR_DATA_SIZE], pool.totalPages() * pageSize,
                limitPages * pageSize, maxUsedPages.get() * pageSize, c[SAME_PAGES], pool.pagesCompacted(),
                c[HUGE_PAGES], c[HUGE_PAGES_SINCE]);
    }

    public IoStat ioStat() {
        long[] c = sums();
        return new IoStat(c[FAILED_READS], c[FAILED_WRITES], 0, c[NOTIFY_FREE]);
    }

    public GmcCounters counters() {
        long[] c = sums();
        long same = c[SAME_PAGES];
        long zero = c[ZERO_PAGES];
        return new GmcCounters(c[STORES], c[PAGES_STORED] - same - c[HUGE_PAGES], zero, same - zero,
                c[REJECTED_PAGES], c[FAILED_WRITES], c[LOADS], invalidIds.sum(), c[CORRUPT], metadataBytes());
    }

    public dev.gmc.core.pool.PoolStats poolStats() {
        return pool.stats();
    }

    /** Heap bytes of metadata: the entry table and its free stack, plus the pool's handle table and zspage arrays. */
    public long metadataBytes() {
        long b;
        synchronized (entryLock) {
            long segs = 0;
            for (long[] s : values) {
                if (s != null) {
                    segs++;
                }
            }
            b = segs * SEG_SIZE * 12L + freeEntries.length * 4L + values.length * 16L
                    + allContexts.size() * (2L * ENTRY_BATCH * 4 + COUNTERS * 8L); // per-thread caches and counters
        }
        return b + pool.metadataBytes();
    }

    /** Heap bytes held for the pool's page frames (see {@link ZsPool#frameBytes()}); for footprint measurements. */
    public long frameBytes() {
        return pool.frameBytes();
    }

    /** Pages currently stored (compressed, huge and same-filled). */
    public long pagesStored() {
        return sums()[PAGES_STORED];
    }

    /**
     * Checks the pool's invariants and that the store's counters agree with the entries. For tests and replays: call
     * it when no other thread is using the store.
     */
    public void checkInvariants() {
        pool.checkInvariants();
        long used = 0;
        long same = 0;
        long huge = 0;
        long compr = 0;
        int hw;
        synchronized (entryLock) {
            hw = highWater;
        }
        for (int i = 0; i < hw; i++) {
            int meta = (int) META.getAcquire(metas[i >>> SEG_SHIFT], i & (SEG_SIZE - 1));
            if ((meta & PageId.USED) == 0) {
                continue;
            }
            used++;
            if ((meta & PageId.SAME) != 0) {
                same++;
            } else {
                huge += (meta & PageId.HUGE) != 0 ? 1 : 0;
                compr += meta & PageId.SIZE_MASK;
                if (!pool.isLive(values[i >>> SEG_SHIFT][i & (SEG_SIZE - 1)])) {
                    throw new AssertionError("entry " + i + " names a pool handle that is not live");
                }
            }
        }
        long[] c = sums();
        if (used != c[PAGES_STORED] || same != c[SAME_PAGES] || huge != c[HUGE_PAGES] || compr != c[COMPR_DATA_SIZE]) {
            throw new AssertionError("store counters disagree with entries: stored " + c[PAGES_STORED] + "/" + used
                    + ", same " + c[SAME_PAGES] + "/" + same + ", huge " + c[HUGE_PAGES] + "/" + huge
                    + ", compr " + c[COMPR_DATA_SIZE] + "/" + compr);
        }
        if (pool.liveObjects() != used - same) {
            throw new AssertionError("pool holds " + pool.liveObjects() + " objects but " + (used - same)
                    + " entries reference one");
        }
    }

    @Override
    public void close() {
        closed = true;
        contexts.remove(); // other threads' values go when their maps expunge the dead key; they hold no pool
        for (Context c : allContexts) { // kept: their counters stay readable after close
            c.close();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("page store is closed");
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    /** Publishes a new entry (no lock: the index is this thread's until the meta word is released). */
    private long publish(Context ctx, long value, int flags) {
        int index = ctx.takeEntry(this);
        int[] m = metas[index >>> SEG_SHIFT];
        int gen = PageId.metaGen(m[index & (SEG_SIZE - 1)]);
        values[index >>> SEG_SHIFT][index & (SEG_SIZE - 1)] = value;
        META.setRelease(m, index & (SEG_SIZE - 1), gen << PageId.META_GEN_SHIFT | PageId.USED | flags);
        return PageId.id(index, gen);
    }

    /** Moves up to {@code n} free entry indices into {@code dst[at..]} (new ones when the stack is empty), placed so that
     * popping {@code dst} from the top yields them in the order the stack would have (new ones in ascending order). */
    private int takeEntries(int[] dst, int at, int n) {
        synchronized (entryLock) {
            int k = 0;
            while (k < n && freeEntryCount > 0) {
                dst[at + n - 1 - k++] = freeEntries[--freeEntryCount];
            }
            while (k < n) {
                int index = highWater;
                if (index == Integer.MAX_VALUE - 1) {
                    if (k > 0) {
                        break;
                    }
                    throw new IllegalStateException("page store entry table exhausted at " + index + " entries");
                }
                highWater++;
                int seg = index >>> SEG_SHIFT;
                if (seg >= values.length || values[seg] == null) {
                    long[][] v = values.length > seg ? values : Arrays.copyOf(values, values.length * 2);
                    int[][] m = metas.length > seg ? metas : Arrays.copyOf(metas, metas.length * 2);
                    v[seg] = new long[SEG_SIZE];
                    m[seg] = new int[SEG_SIZE];
                    values = v;
                    metas = m;
                }
                META.setRelease(metas[seg], index & (SEG_SIZE - 1), 1 << PageId.META_GEN_SHIFT); // first generation is 1
                dst[at + n - 1 - k++] = index;
            }
            if (k < n) {
                System.arraycopy(dst, at + n - k, dst, at, k);
            }
            return k;
        }
    }

    private void giveEntries(int[] src, int at, int n) {
        synchronized (entryLock) {
            if (freeEntryCount + n > freeEntries.length) {
                freeEntries = Arrays.copyOf(freeEntries, Math.max(freeEntryCount + n, freeEntries.length * 2));
            }
            System.arraycopy(src, at, freeEntries, freeEntryCount, n);
            freeEntryCount += n;
        }
    }

    /** Each counter summed over all threads. */
    private long[] sums() {
        long[] total = new long[COUNTERS];
        for (Context c : allContexts) {
            for (int i = 0; i < COUNTERS; i++) {
                total[i] += (long) COUNT.getOpaque(c.counts, PAD + i);
            }
        }
        return total;
    }

    private int checkShape(long id) {
        if (id <= 0) {
            invalidIds.increment();
            throw new InvalidPageIdException("invalid", id, id == 0 ? "0 is never a page ID"
                    : "negative values are store() refusals (-1 rejected, -2 no memory), not IDs");
        }
        if ((id & PageId.RESERVED_MASK) != 0) {
            invalidIds.increment();
            throw new InvalidPageIdException("forged", id, "reserved bits 46..63 are set");
        }
        int index = PageId.index(id);
        int[][] m = metas;
        if (index < 0 || (index >>> SEG_SHIFT) >= m.length || m[index >>> SEG_SHIFT] == null
                || PageId.generation(id) == 0) {
            invalidIds.increment();
            throw new InvalidPageIdException("forged", id, "no such entry was ever handed out");
        }
        return index;
    }

    /**
     * The entry's value, read after its live meta word {@code meta} and validated by reading the meta word again: if
     * it changed, the page was freed meanwhile (generations only grow) and this throws as for a stale ID.
     */
    private long valueOf(long id, int[] m, int index, int meta, String op) {
        long value = values[index >>> SEG_SHIFT][index & (SEG_SIZE - 1)];
        VarHandle.loadLoadFence(); // the value is read before the meta word is read again
        if ((int) META.getAcquire(m, index & (SEG_SIZE - 1)) != meta) {
            liveMeta(id, m, index, op); // throws (stale)
            throw new AssertionError("entry of " + PageId.describe(id) + " changed yet is live at its generation");
        }
        return value;
    }

    /** The entry's meta word (acquire) if the ID is live, else an exception naming the reason. */
    private int liveMeta(long id, int[] m, int index, String op) {
        int meta = (int) META.getAcquire(m, index & (SEG_SIZE - 1));
        int gen = PageId.metaGen(meta);
        if (gen == 0) {
            invalidIds.increment();
            throw new InvalidPageIdException("forged", id, "no such entry was ever handed out");
        }
        if ((meta & PageId.USED) == 0 || gen != PageId.generation(id)) {
            invalidIds.increment();
            throw new InvalidPageIdException("stale", id, "cannot " + op + ": the page was freed (entry now at generation "
                    + gen + ((meta & PageId.USED) != 0 ? ", holding another page)" : ", free)"));
        }
        return meta;
    }

    // Per-thread counters (indices into Context.counts).
    private static final int STORES = 0;
    private static final int PAGES_STORED = 1;
    private static final int COMPR_DATA_SIZE = 2;
    private static final int SAME_PAGES = 3;
    private static final int ZERO_PAGES = 4;
    private static final int HUGE_PAGES = 5;
    private static final int HUGE_PAGES_SINCE = 6;
    private static final int REJECTED_PAGES = 7;
    private static final int FAILED_WRITES = 8;
    private static final int FAILED_READS = 9;
    private static final int NOTIFY_FREE = 10;
    private static final int LOADS = 11;
    private static final int CORRUPT = 12;
    private static final int COUNTERS = 13;
    private static final int PAD = 8; // longs of padding before and after, so threads' counters share no cache line
    private static final VarHandle COUNT = MethodHandles.arrayElementVarHandle(long[].class);

    /**
     * Per-thread codec, buffers, free-entry cache and counters; also the pool reader that decompresses in place.
     * Static, holding no reference to its store: a thread's ThreadLocalMap keeps its value strongly until the map
     * expunges the entry, and that must not keep a closed store's pool reachable.
     */
    private static final class Context implements ZsPool.ObjectReader {
        final PageCodec codec;
        PageCodec decoder;
        final PageCodec[] secondary = new PageCodec[StoreConfig.MAX_RECOMPRESS_CODECS + 1];
        byte[] recompressPage;
        byte[] recompressOut;
        final byte[] out;
        final int pageSize;
        final byte[] scratch;
        final long[] counts = new long[PAD + COUNTERS + PAD];
        final int[] entries = new int[2 * ENTRY_BATCH];
        int entryCount;
        byte[] dst;
        int dstOff;

        Context(PageCodec codec, int pageSize) {
            this.codec = codec;
            this.pageSize = pageSize;
            this.scratch = new byte[pageSize];
            this.out = new byte[Math.max(2 * pageSize, codec.maxCompressedLength(pageSize))];
        }

        /** Only this thread writes its counters; opaque writes keep them atomic and visible to {@link #sums()}. */
        void add(int counter, long delta) {
            COUNT.setOpaque(counts, PAD + counter, counts[PAD + counter] + delta);
        }

        int takeEntry(PageStore store) {
            if (entryCount == 0) {
                entryCount = store.takeEntries(entries, 0, ENTRY_BATCH);
            }
            return entries[--entryCount];
        }

        /** A freed entry: reused by this thread first (LIFO); half the cache spills to the global stack when full. */
        void giveEntry(PageStore store, int index) {
            if (entryCount == entries.length) {
                entryCount -= ENTRY_BATCH;
                store.giveEntries(entries, entryCount, ENTRY_BATCH);
            }
            entries[entryCount++] = index;
        }

        /** This thread's codec of recompression priority {@code prio} (1..3), made on first use. */
        PageCodec secondary(int prio, StoreConfig config) {
            PageCodec c = secondary[prio];
            if (c == null) {
                c = config.codecOfPriority(prio).newCodec();
                secondary[prio] = c;
            }
            return c;
        }

        byte[] recompressPage() {
            if (recompressPage == null) {
                recompressPage = new byte[pageSize];
            }
            return recompressPage;
        }

        byte[] recompressOut(PageCodec c) {
            int need = Math.max(2 * pageSize, c.maxCompressedLength(pageSize));
            if (recompressOut == null || recompressOut.length < need) {
                recompressOut = new byte[need];
            }
            return recompressOut;
        }

        void close() {
            codec.close();
            for (PageCodec c : secondary) {
                if (c != null) {
                    c.close();
                }
            }
        }

        @Override
        public void read(byte[] buf, int off, int len) {
            decoder.decompress(buf, off, len, dst, dstOff, pageSize);
        }
    }
}
