package dev.gmc.core.store;

import dev.gmc.core.pool.SizeClassTable;

/**
 * The figures of a fresh zram device (or GMC store) after every page has been written exactly once, computed from the
 * compressed lengths alone: no page bytes are kept, so a dump of any size is measured in constant memory.
 *
 * <p>Why this is exact: with writes only (no overwrite, free or compaction), zsmalloc allocates from the fullest
 * non-full zspage of a class, so each class has at most one partly used zspage and holds
 * {@code ceil(objects / objs_per_zspage) * pages_per_zspage} pages — the same formula as after full compaction
 * (kernel-facts §1.8, {@link SizeClassTable#compactedPages}). The pool only grows, so mem_used_max equals
 * mem_used_total. The outcome of each page (same-filled, huge, rejected, object length) follows {@link PageStore}'s
 * rules for the same {@link StoreConfig}. {@code WriteOnceModelTest} checks every field against a real
 * {@link PageStore} fed the same pages; {@code gmc kernel-check} checks the store against the kernel.
 *
 * <p>Counts add up in any order, so each thread keeps its own model and the models are {@link #add merged}: the
 * result does not depend on the thread count. Not thread-safe itself. mem_limit and pool capacity are not modelled
 * (a measurement has none).
 *
 * <p>With {@link #addRecompressed}, the figures are those after the writes, one {@code recompress} pass over every
 * candidate (no {@code max_pages}) and a compaction ({@code echo 1 > compact}): the pool is then again the formula of
 * its objects, mem_used_max is the pool after the writes (recompression does not sample it, even when it leaves the
 * pool larger), and
 * {@code huge_pages_since} still counts the huge writes. Only {@code pages_compacted} is not known: it depends on
 * which zspages the freed objects shared, i.e. on the order of the writes, so {@link #mmStat} reports it as -1.
 */
public final class WriteOnceModel {
    /** {@link #addCompressed}: the page was refused under the reject policy. */
    public static final int REJECTED = -1;

    private final SizeClassTable classes;
    /** The kernel's {@code PAGE_SIZE} (the table's): 4096, or 16384 on a 16 KiB-page arm64 kernel. */
    private final int pageSize;
    private final IncompressiblePolicy policy;
    private final int threshold;
    private final long[] objects;
    // Objects as written, before recompression replaced some (only differs from objects after addRecompressed).
    private final long[] written;
    private long recompressed;
    private long recompressedHuge;
    private long hugeWritten;
    private long same;
    private long zero;
    private long huge;
    private long rejected;
    private long comprBytes;
    private long comprWritten; // compr_data_size after the writes, before any recompression

    public WriteOnceModel(StoreConfig config) {
        this.classes = config.classes();
        this.pageSize = classes.pageSize();
        this.policy = config.policy();
        this.threshold = config.threshold();
        this.objects = new long[classes.classCount()];
        this.written = new long[classes.classCount()];
    }

    /** A same-filled page with fill word {@code fill}: no pool memory. */
    public void addSame(long fill) {
        same++;
        if (fill == 0) {
            zero++;
        }
    }

    /**
     * A page compressed to {@code compLen} bytes, as a codec returned it: a length over the page size (or
     * {@link PageStore#INCOMPRESSIBLE}) means the page did not compress into a page.
     *
     * @return the stored object length (the page size for a huge page), or {@link #REJECTED}
     */
    public int addCompressed(int compLen) {
        int objLen = storedLength(compLen);
        if (objLen == REJECTED) {
            rejected++;
            return REJECTED;
        }
        objects[classes.classFor(objLen)]++;
        written[classes.classFor(objLen)]++;
        if (isHuge(compLen)) {
            huge++;
            hugeWritten++;
        }
        comprBytes += objLen;
        comprWritten += objLen;
        return objLen;
    }

    /**
     * What the store would keep of a page compressed to {@code compLen} bytes (PageStore.storeObject's rule), without
     * counting it: the object length (the page size for a huge page), or {@link #REJECTED}.
     */
    public int storedLength(int compLen) {
        if (compLen <= 0 && compLen != PageStore.INCOMPRESSIBLE) {
            throw new IllegalArgumentException("compressed length " + compLen + " (expected 1.." + pageSize
                    + " or INCOMPRESSIBLE)");
        }
        if (!isHuge(compLen)) {
            return compLen;
        }
        return policy == IncompressiblePolicy.REJECT ? REJECTED : pageSize;
    }

    /** True if a page of {@code compLen} reaches the threshold (a length over the page or INCOMPRESSIBLE always does). */
    public boolean isHuge(int compLen) {
        return compLen == PageStore.INCOMPRESSIBLE || compLen > pageSize || compLen >= threshold;
    }

    /** The page size these figures are for ({@link SizeClassTable#pageSize()}). */
    public int pageSize() {
        return pageSize;
    }

    /**
     * A page written as {@link #addCompressed}{@code (compLen)} whose object recompression then replaced with one of
     * {@code newLen} bytes ({@link PageStore#recompress}'s rule decides; {@code newLen <= 0}: not replaced).
     *
     * @return the object length after recompression, or {@link #REJECTED}
     */
    public int addRecompressed(int compLen, int newLen) {
        int objLen = addCompressed(compLen);
        if (objLen == REJECTED || newLen <= 0) {
            return objLen;
        }
        if (newLen >= objLen) {
            throw new IllegalArgumentException("recompressed length " + newLen + " is not below the stored " + objLen);
        }
        objects[classes.classFor(objLen)]--;
        objects[classes.classFor(newLen)]++;
        comprBytes += newLen - objLen;
        recompressed++;
        if (isHuge(compLen)) {
            huge--;
            recompressedHuge++;
        }
        return newLen;
    }

    /** Adds another model's counts (same configuration) to this one. */
    public void add(WriteOnceModel o) {
        if (o.classes != classes || o.policy != policy || o.threshold != threshold) {
            throw new IllegalArgumentException("models of different configurations cannot be merged");
        }
        for (int c = 0; c < objects.length; c++) {
            objects[c] += o.objects[c];
        }
        for (int c = 0; c < written.length; c++) {
            written[c] += o.written[c];
        }
        recompressed += o.recompressed;
        recompressedHuge += o.recompressedHuge;
        hugeWritten += o.hugeWritten;
        same += o.same;
        zero += o.zero;
        huge += o.huge;
        rejected += o.rejected;
        comprBytes += o.comprBytes;
        comprWritten += o.comprWritten;
    }

    /** Objects in the pool (compressed and huge pages). */
    public long objects() {
        long n = 0;
        for (long c : objects) {
            n += c;
        }
        return n;
    }

    public long poolPages() {
        return classes.compactedPages(objects);
    }

    /**
     * Pool bytes charged to these objects at their classes' amortised cost ({@code ppz * PAGE_SIZE / objs} each): this
     * model's share of a pool that also holds other pages (the share of one buffer within a whole dump).
     */
    public double amortisedPoolBytes() {
        double b = 0;
        for (int c = 0; c < objects.length; c++) {
            if (objects[c] != 0) {
                b += objects[c] * classes.bytesPerObject(c);
            }
        }
        return b;
    }

    public MmStat mmStat() {
        long stored = same + objects();
        long used = poolPages() * pageSize;
        if (recompressed == 0) {
            return new MmStat(stored * pageSize, comprBytes, used, 0, used, same, 0, huge, huge);
        }
        // zram samples mem_used_max only on writes (zram_can_store_page), not on recompression's zs_malloc: so it is
        // the pool after the writes, even when the recompressed objects, spread thin over classes of several-page
        // zspages, leave the pool larger than that.
        long max = classes.compactedPages(written) * pageSize;
        return new MmStat(stored * pageSize, comprBytes, used, 0, max, same, -1, huge, hugeWritten);
    }

    /** Pages whose object recompression replaced ({@link #addRecompressed}). */
    public long recompressed() {
        return recompressed;
    }

    /** Of {@link #recompressed}, those that had been stored raw (huge). */
    public long recompressedHuge() {
        return recompressedHuge;
    }

    /** compr_data_size right after the writes, before any recompression. */
    public long writtenComprBytes() {
        return comprWritten;
    }

    /** The pool right after the writes, before any recompression (pages). */
    public long writtenPoolPages() {
        return classes.compactedPages(written);
    }

    public GmcCounters counters() {
        long objs = objects();
        return new GmcCounters(same + objs + rejected, objs - huge, zero, same - zero, rejected, 0, 0, 0, 0,
                metadataBytes());
    }

    /**
     * gmc's own metadata for these pages, at its minimum (no growth slack): 12 bytes of store entry per stored page,
     * 8 bytes of pool handle per object, and per zspage 13 bytes plus 4 per page frame (see {@link PageStore} and
     * {@code ZsPool}).
     */
    public long metadataBytes() {
        long b = 12 * (same + objects());
        for (int c = 0; c < objects.length; c++) {
            long n = objects[c];
            long zspages = (n + classes.objsPerZspage(c) - 1) / classes.objsPerZspage(c);
            b += 8 * n + zspages * (13 + 4L * classes.pagesPerZspage(c));
        }
        return b;
    }

    public long zeroPages() {
        return zero;
    }

    public long rejected() {
        return rejected;
    }
}
