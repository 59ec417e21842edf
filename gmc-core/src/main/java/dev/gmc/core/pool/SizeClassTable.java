package dev.gmc.core.pool;

import java.util.ArrayList;
import java.util.List;

/**
 * zsmalloc's size classes, computed with the kernel's own loops ({@code zs_create_pool},
 * {@code calculate_zspage_chain_size} / legacy {@code get_pages_per_zspage}), for a 64-bit kernel by default or
 * for a 32-bit one ({@link KernelArch}: 4-byte handles, and with LPAE a much larger smallest class), with 4 KiB
 * pages by default or the 16 KiB (or 64 KiB) pages of an arm64 kernel built for them ({@link #withPageSize}).
 *
 * <p>Size index i (0..254 on 64-bit kernels with 4 KiB pages) has size {@code ZS_MIN_ALLOC_SIZE + ZS_SIZE_CLASS_DELTA
 * i} (capped at {@code PAGE_SIZE}), where {@code ZS_SIZE_CLASS_DELTA = PAGE_SIZE >> CLASS_BITS(8)}: 16 bytes with
 * 4 KiB pages, 64 with 16 KiB (257 size indices, the last one capped). Walking i from the top down, a class whose
 * (pages per zspage, objects per zspage) equals the previously created one is merged into it: its index maps
 * to the larger class. {@code huge_class_size} is the size of the largest class with more than one page and more
 * than one object, minus {@code ZS_HANDLE_SIZE - 1}: a caller object of at least that length lands in the huge
 * class (one object per page, no in-slot handle). For chain 8 (the default since 6.3) this yields 119 distinct
 * classes and huge_class_size 3625; for the legacy chain 4 rule, 69 and 3257 (tests compare every row with
 * shared/reference/zsmalloc-classes-*.csv).
 *
 * <p>Distinct classes get dense ids 0..count-1 in ascending size; the id is what handles store.
 */
public final class SizeClassTable {
    /** The page size of the default tables and the only one {@link ZsPool} emulates. */
    public static final int PAGE_SIZE = 4096;
    public static final int PAGE_SHIFT = 12;
    /** {@code ZS_SIZE_CLASS_DELTA} with 4 KiB pages. */
    public static final int CLASS_DELTA = 16;
    public static final int MAX_ALLOC_SIZE = PAGE_SIZE;
    public static final int MAX_CHAIN = 16;
    /** zsmalloc's {@code CLASS_BITS}: {@code ZS_SIZE_CLASS_DELTA = PAGE_SIZE >> CLASS_BITS}. */
    private static final int CLASS_BITS = 8;

    /** How pages per zspage are chosen. */
    public enum ChainRule {
        /** Kernels ≥ 6.3: the chain length 1..max with the least tail waste, ties to the shorter. */
        MIN_TAIL_WASTE,
        /** Kernels ≤ 6.2: the first chain length 1..4 reaching the highest integer used-percent. */
        LEGACY_USED_PERCENT
    }

    private final int maxChain;
    private final ChainRule rule;
    private final KernelArch arch;
    /** {@code PAGE_SIZE} and {@code ZS_SIZE_CLASS_DELTA} of this kernel. */
    private final int pageSize;
    private final int classDelta;
    /** {@code ZS_MIN_ALLOC_SIZE}, {@code ZS_HANDLE_SIZE} and {@code ZS_SIZE_CLASSES} of this kernel. */
    private final int minAllocSize;
    private final int handleSize;
    private final int sizeIndices;
    private final int[] indexToClass;
    private final int[] size;
    private final int[] pagesPerZspage;
    private final int[] objsPerZspage;
    private final int[] kernelIndex;
    private final int hugeClassSize;
    private final int hugeClassId;

    private SizeClassTable(int maxChain, ChainRule rule, KernelArch arch) {
        this(maxChain, rule, arch, PAGE_SIZE);
    }

    private SizeClassTable(int maxChain, ChainRule rule, KernelArch arch, int pageSize) {
        if (maxChain < 1 || maxChain > MAX_CHAIN) {
            throw new IllegalArgumentException("chain: " + maxChain + " (expected 1.." + MAX_CHAIN + ")");
        }
        if (pageSize != 4096 && pageSize != 16384 && pageSize != 65536) {
            throw new IllegalArgumentException("page size: " + pageSize + " bytes (expected 4096, 16384 or 65536)");
        }
        if (pageSize != PAGE_SIZE && arch != KernelArch.BIT64) {
            throw new IllegalArgumentException("page size: " + pageSize + " bytes on a " + arch
                    + " kernel (32-bit ARM kernels have 4 KiB pages only; 16 and 64 KiB pages are arm64's)");
        }
        this.maxChain = maxChain;
        this.rule = rule;
        this.arch = arch;
        this.pageSize = pageSize;
        this.classDelta = pageSize >> CLASS_BITS;
        this.minAllocSize = arch.minAllocSize(maxChain, rule, Integer.numberOfTrailingZeros(pageSize));
        this.handleSize = arch.wordBytes();
        this.sizeIndices = (pageSize - minAllocSize + classDelta - 1) / classDelta + 1;
        this.indexToClass = new int[sizeIndices];
        List<int[]> created = new ArrayList<>(); // {size, ppz, objs, kernelIndex}, descending
        int[] createdAt = new int[sizeIndices];
        int huge = 0;
        int[] prev = null;
        for (int i = sizeIndices - 1; i >= 0; i--) {
            int sz = Math.min(minAllocSize + i * classDelta, pageSize);
            int ppz = rule == ChainRule.LEGACY_USED_PERCENT ? legacyPagesPerZspage(sz, maxChain, pageSize)
                    : chainSize(sz, maxChain, pageSize);
            int objs = ppz * pageSize / sz;
            if (ppz != 1 && objs != 1 && huge == 0) {
                huge = sz - (handleSize - 1);
            }
            if (prev != null && prev[1] == ppz && prev[2] == objs) {
                createdAt[i] = created.size() - 1; // merged into the larger class
                continue;
            }
            prev = new int[] {sz, ppz, objs, i};
            created.add(prev);
            createdAt[i] = created.size() - 1;
        }
        int n = created.size();
        size = new int[n];
        pagesPerZspage = new int[n];
        objsPerZspage = new int[n];
        kernelIndex = new int[n];
        for (int c = 0; c < n; c++) { // ascending ids: reverse creation order
            int[] row = created.get(n - 1 - c);
            size[c] = row[0];
            pagesPerZspage[c] = row[1];
            objsPerZspage[c] = row[2];
            kernelIndex[c] = row[3];
        }
        for (int i = 0; i < sizeIndices; i++) {
            indexToClass[i] = n - 1 - createdAt[i];
        }
        // A table with no class of more than one object (chain 16 on 32-bit LPAE: one 4096-byte class) has
        // huge_class_size 0 in the kernel, so zram stores every page as huge.
        this.hugeClassSize = huge;
        this.hugeClassId = n - 1;
    }

    /** The default since Linux 6.3: chain up to 8 pages, minimum tail waste. */
    public static SizeClassTable kernelDefault() {
        return new SizeClassTable(8, ChainRule.MIN_TAIL_WASTE, KernelArch.BIT64);
    }

    /** Kernels up to 6.2: chain up to 4 pages, used-percent rule. */
    public static SizeClassTable legacy() {
        return new SizeClassTable(4, ChainRule.LEGACY_USED_PERCENT, KernelArch.BIT64);
    }

    /** {@code CONFIG_ZSMALLOC_CHAIN_SIZE} = chain (4..16 in Kconfig; 1..16 accepted here) with the ≥6.3 rule. */
    public static SizeClassTable withChain(int chain) {
        return new SizeClassTable(chain, ChainRule.MIN_TAIL_WASTE, KernelArch.BIT64);
    }

    public static SizeClassTable of(int chain, ChainRule rule) {
        return new SizeClassTable(chain, rule, KernelArch.BIT64);
    }

    /** The table of a {@code arch} kernel with chain size {@code chain} under {@code rule}. */
    public static SizeClassTable of(int chain, ChainRule rule, KernelArch arch) {
        return new SizeClassTable(chain, rule, java.util.Objects.requireNonNull(arch, "arch"));
    }

    /**
     * This table for a kernel with {@code pageSize}-byte pages (4096, or 16384 / 65536 on arm64:
     * {@code CONFIG_ARM64_16K_PAGES}, {@code CONFIG_ARM64_64K_PAGES}). {@code WriteOnceModel} and {@link ZsPool}
     * follow the table's page size, and {@code PageStore} and {@code ZramDevice} up to 16 KiB (checked against
     * 16 KiB-page kernels; 64 KiB pages are derived from the same rules).
     */
    public SizeClassTable withPageSize(int pageSize) {
        return pageSize == this.pageSize ? this : new SizeClassTable(maxChain, rule, arch, pageSize);
    }

    static int chainSize(int classSize, int maxChain) {
        return chainSize(classSize, maxChain, PAGE_SIZE);
    }

    static int chainSize(int classSize, int maxChain, int pageSize) {
        if (Integer.bitCount(classSize) == 1) {
            return 1;
        }
        int best = 1;
        int minWaste = Integer.MAX_VALUE;
        for (int i = 1; i <= maxChain; i++) {
            int waste = i * pageSize % classSize;
            if (waste < minWaste) {
                minWaste = waste;
                best = i;
            }
        }
        return best;
    }

    static int legacyPagesPerZspage(int classSize, int maxChain) {
        return legacyPagesPerZspage(classSize, maxChain, PAGE_SIZE);
    }

    static int legacyPagesPerZspage(int classSize, int maxChain, int pageSize) {
        int best = 1;
        int maxUsed = 0;
        for (int i = 1; i <= maxChain; i++) {
            int zspageSize = i * pageSize;
            int waste = zspageSize % classSize;
            int usedPc = (zspageSize - waste) * 100 / zspageSize;
            if (usedPc > maxUsed) {
                maxUsed = usedPc;
                best = i;
            }
        }
        return best;
    }

    /** {@code get_size_class_index}: size index for a slot size (object length + handle). */
    public int sizeIndex(int slotSize) {
        int idx = slotSize <= minAllocSize ? 0 : (slotSize - minAllocSize + classDelta - 1) / classDelta;
        return Math.min(idx, sizeIndices - 1);
    }

    /**
     * The class id for a caller object of {@code length} bytes (1..page size): zs_malloc adds the handle (8 bytes, 4 on a
     * 32-bit kernel) before the lookup, so lengths ≥ {@link #hugeClassSize()} reach the huge class.
     */
    public int classFor(int length) {
        if (length <= 0 || length > pageSize) {
            throw new IllegalArgumentException("size: " + length + " (expected 1.." + pageSize + ")");
        }
        return indexToClass[sizeIndex(length + handleSize)];
    }

    /**
     * {@code zs_lookup_class_index}: the kernel's index (0..254 on 64-bit) of the class that holds objects of
     * {@code size} bytes as that function computes it, which, unlike {@code zs_malloc}, does not add the handle first. zram's
     * recompression compares these indices to decide whether a new object saves memory. Sizes above the page (a
     * compressor's output may exceed the page) land in the last class, as in the kernel.
     */
    public int lookupClassIndex(int size) {
        if (size < 0) {
            throw new IllegalArgumentException("size: " + size + " (expected >= 0)");
        }
        return kernelIndex[indexToClass[sizeIndex(size)]];
    }

    public int classCount() {
        return size.length;
    }

    public int size(int classId) {
        return size[classId];
    }

    public int pagesPerZspage(int classId) {
        return pagesPerZspage[classId];
    }

    public int objsPerZspage(int classId) {
        return objsPerZspage[classId];
    }

    /** The kernel's class index (the largest size index of the merged group): the {@code class} column of the kernel's debugfs. */
    public int kernelIndex(int classId) {
        return kernelIndex[classId];
    }

    public boolean isHuge(int classId) {
        return objsPerZspage[classId] == 1;
    }

    public int hugeClassId() {
        return hugeClassId;
    }

    /** {@code zs_huge_class_size()}: caller lengths from here on are stored in the huge class. */
    public int hugeClassSize() {
        return hugeClassSize;
    }

    public int maxChain() {
        return maxChain;
    }

    public ChainRule rule() {
        return rule;
    }

    public KernelArch arch() {
        return arch;
    }

    /** {@code PAGE_SIZE}: 4096 unless {@link #withPageSize} chose another. */
    public int pageSize() {
        return pageSize;
    }

    /** {@code ZS_SIZE_CLASS_DELTA = PAGE_SIZE >> 8}: 16 bytes with 4 KiB pages, 64 with 16 KiB. */
    public int classDelta() {
        return classDelta;
    }

    /** {@code ZS_MIN_ALLOC_SIZE}: 32, except on 32-bit LPAE kernels (2048). */
    public int minAllocSize() {
        return minAllocSize;
    }

    /** {@code ZS_HANDLE_SIZE}: the bytes in front of every non-huge object (8; 4 on 32-bit kernels). */
    public int handleSize() {
        return handleSize;
    }

    /** {@code ZS_SIZE_CLASSES}: size indices before merging (255 on 64-bit kernels with 4 KiB pages, 257 with 16 KiB). */
    public int sizeIndices() {
        return sizeIndices;
    }

    /** Amortised pool bytes per object of this class: {@code ppz * PAGE_SIZE / objs}. */
    public double bytesPerObject(int classId) {
        return (double) pagesPerZspage[classId] * pageSize / objsPerZspage[classId];
    }

    /**
     * The kernel formula for pool pages after full compaction (kernel-facts §1.8): per class
     * {@code ceil(n / objs) * ppz}, summed. {@code countsPerClass[c]} is the number of objects in class c.
     */
    public long compactedPages(long[] countsPerClass) {
        long pages = 0;
        for (int c = 0; c < size.length; c++) {
            long n = countsPerClass[c];
            pages += (n + objsPerZspage[c] - 1) / objsPerZspage[c] * pagesPerZspage[c];
        }
        return pages;
    }

    @Override
    public String toString() {
        return "SizeClassTable[chain=" + maxChain + ", rule=" + rule + ", arch=" + arch
                + (pageSize == PAGE_SIZE ? "" : ", page=" + pageSize) + ", classes=" + size.length
                + ", huge_class_size=" + hugeClassSize + "]";
    }
}
