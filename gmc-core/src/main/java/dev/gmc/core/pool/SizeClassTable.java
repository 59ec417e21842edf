package dev.gmc.core.pool;

import java.util.ArrayList;
import java.util.List;

/**
 * zsmalloc's size classes for 4 KiB pages, computed with the kernel's own loops ({@code zs_create_pool},
 * {@code calculate_zspage_chain_size} / legacy {@code get_pages_per_zspage}), for a 64-bit kernel by default or
 * for a 32-bit one ({@link KernelArch}: 4-byte handles, and with LPAE a much larger smallest class).
 *
 * <p>Size index i (0..254 on 64-bit kernels) has size {@code ZS_MIN_ALLOC_SIZE + 16 i} (capped at 4096). Walking i from 254 down, a class whose
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
    public static final int PAGE_SIZE = 4096;
    public static final int PAGE_SHIFT = 12;
    public static final int CLASS_DELTA = 16;
    public static final int MAX_ALLOC_SIZE = PAGE_SIZE;
    public static final int MAX_CHAIN = 16;

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
        if (maxChain < 1 || maxChain > MAX_CHAIN) {
            throw new IllegalArgumentException("chain: " + maxChain + " (expected 1.." + MAX_CHAIN + ")");
        }
        this.maxChain = maxChain;
        this.rule = rule;
        this.arch = arch;
        this.minAllocSize = arch.minAllocSize(maxChain, rule);
        this.handleSize = arch.wordBytes();
        this.sizeIndices = (MAX_ALLOC_SIZE - minAllocSize + CLASS_DELTA - 1) / CLASS_DELTA + 1;
        this.indexToClass = new int[sizeIndices];
        List<int[]> created = new ArrayList<>(); // {size, ppz, objs, kernelIndex}, descending
        int[] createdAt = new int[sizeIndices];
        int huge = 0;
        int[] prev = null;
        for (int i = sizeIndices - 1; i >= 0; i--) {
            int sz = Math.min(minAllocSize + i * CLASS_DELTA, MAX_ALLOC_SIZE);
            int ppz = rule == ChainRule.LEGACY_USED_PERCENT ? legacyPagesPerZspage(sz, maxChain) : chainSize(sz, maxChain);
            int objs = ppz * PAGE_SIZE / sz;
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

    static int chainSize(int classSize, int maxChain) {
        if (Integer.bitCount(classSize) == 1) {
            return 1;
        }
        int best = 1;
        int minWaste = Integer.MAX_VALUE;
        for (int i = 1; i <= maxChain; i++) {
            int waste = i * PAGE_SIZE % classSize;
            if (waste < minWaste) {
                minWaste = waste;
                best = i;
            }
        }
        return best;
    }

    static int legacyPagesPerZspage(int classSize, int maxChain) {
        int best = 1;
        int maxUsed = 0;
        for (int i = 1; i <= maxChain; i++) {
            int zspageSize = i * PAGE_SIZE;
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
        int idx = slotSize <= minAllocSize ? 0 : (slotSize - minAllocSize + CLASS_DELTA - 1) / CLASS_DELTA;
        return Math.min(idx, sizeIndices - 1);
    }

    /**
     * The class id for a caller object of {@code length} bytes (1..4096): zs_malloc adds the handle (8 bytes, 4 on a
     * 32-bit kernel) before the lookup, so lengths ≥ {@link #hugeClassSize()} reach the huge class.
     */
    public int classFor(int length) {
        if (length <= 0 || length > MAX_ALLOC_SIZE) {
            throw new IllegalArgumentException("size: " + length + " (expected 1.." + MAX_ALLOC_SIZE + ")");
        }
        return indexToClass[sizeIndex(length + handleSize)];
    }

    /**
     * {@code zs_lookup_class_index}: the kernel's index (0..254 on 64-bit) of the class that holds objects of
     * {@code size} bytes as that function computes it, which, unlike {@code zs_malloc}, does not add the handle first. zram's
     * recompression compares these indices to decide whether a new object saves memory. Sizes above 4096 (a
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

    /** {@code ZS_MIN_ALLOC_SIZE}: 32, except on 32-bit LPAE kernels (2048). */
    public int minAllocSize() {
        return minAllocSize;
    }

    /** {@code ZS_HANDLE_SIZE}: the bytes in front of every non-huge object (8; 4 on 32-bit kernels). */
    public int handleSize() {
        return handleSize;
    }

    /** {@code ZS_SIZE_CLASSES}: size indices before merging (255 on 64-bit kernels). */
    public int sizeIndices() {
        return sizeIndices;
    }

    /** Amortised pool bytes per object of this class: {@code ppz * 4096 / objs}. */
    public double bytesPerObject(int classId) {
        return (double) pagesPerZspage[classId] * PAGE_SIZE / objsPerZspage[classId];
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
        return "SizeClassTable[chain=" + maxChain + ", rule=" + rule + ", arch=" + arch + ", classes=" + size.length
                + ", huge_class_size=" + hugeClassSize + "]";
    }
}
