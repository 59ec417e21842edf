package dev.gmc.core.pool;

import java.util.List;

/**
 * A snapshot of pool occupancy: totals plus one row per (merged) size class, the same columns as the kernel's
 * {@code /sys/kernel/debug/zsmalloc/<pool>/classes} (class, size, fullness-group counts, objs allocated/in use,
 * pages used, pages per zspage, freeable).
 */
public record PoolStats(long totalPages, long pagesCompacted, List<ClassStats> classes) {

    public PoolStats(long totalPages, long pagesCompacted, ClassStats[] rows) {
        this(totalPages, pagesCompacted, List.of(rows));
    }

    /**
     * One size class. {@code fullness[g]} counts zspages in group g (0 empty … 10 = 90–99 %, 11 full); before 6.3
     * (a legacy-rule table) only 0, 1 (almost empty), 10 (almost full) and 11 are used.
     */
    public record ClassStats(int classId, int kernelIndex, int size, int pagesPerZspage, int objsPerZspage,
                             int zspages, long objsAllocated, long objsInuse, long freeablePages, int[] fullness) {

        public long pagesUsed() {
            return (long) zspages * pagesPerZspage;
        }
    }
}
