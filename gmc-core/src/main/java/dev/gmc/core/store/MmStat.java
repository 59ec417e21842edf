package dev.gmc.core.store;

/**
 * zram's {@code /sys/block/zramX/mm_stat}, nine fields with the kernel's semantics (kernel-facts §2.2).
 *
 * @param origDataSize bytes: pages stored (compressed, huge and same-filled) × PAGE_SIZE (4096, or 16384)
 * @param comprDataSize bytes: Σ stored object lengths (compressed length, PAGE_SIZE for huge, 0 for same-filled)
 * @param memUsedTotal bytes: zsmalloc pages × PAGE_SIZE (fragmentation included; handles and tables excluded)
 * @param memLimit bytes: the mem_limit (0 = none)
 * @param memUsedMax bytes: high-water mark of memUsedTotal sampled at each pool allocation
 * @param samePages count of slots now same-filled
 * @param pagesCompacted cumulative pages freed by compaction
 * @param hugePages count of slots now stored raw
 * @param hugePagesSince cumulative raw (huge) writes
 */
public record MmStat(long origDataSize, long comprDataSize, long memUsedTotal, long memLimit, long memUsedMax,
                     long samePages, long pagesCompacted, long hugePages, long hugePagesSince) {

    /** Parses the kernel's line (nine whitespace-separated numbers). */
    public static MmStat parse(String line) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 9) {
            throw new IllegalArgumentException("mm_stat: expected 9 fields, got " + f.length + ": '" + line.trim() + "'");
        }
        long[] v = new long[9];
        for (int i = 0; i < 9; i++) {
            v[i] = Long.parseLong(f[i]);
        }
        return new MmStat(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
    }

    /** The line exactly as {@code mm_stat_show} prints it ({@code %8llu} fields separated by spaces). */
    @Override
    public String toString() {
        return String.format("%8d %8d %8d %8d %8d %8d %8d %8d %8d", origDataSize, comprDataSize, memUsedTotal,
                memLimit, memUsedMax, samePages, pagesCompacted, hugePages, hugePagesSince);
    }
}
