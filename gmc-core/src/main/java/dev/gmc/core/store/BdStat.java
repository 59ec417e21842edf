package dev.gmc.core.store;

/**
 * zram's {@code /sys/block/zramX/bd_stat} (CONFIG_ZRAM_WRITEBACK): pages now on the backing device, pages read from
 * it and pages written to it, in 4 KiB units (the kernel's {@code FOUR_K}: a 16 KiB page counts 4).
 */
public record BdStat(long bdCount, long bdReads, long bdWrites) {
    /** Parses the kernel's line (three whitespace-separated numbers). */
    public static BdStat parse(String line) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 3) {
            throw new IllegalArgumentException("bd_stat: expected 3 fields, got " + f.length + ": '" + line.trim() + "'");
        }
        return new BdStat(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]));
    }

    /** The line as {@code bd_stat_show} prints it ({@code %8llu} fields). */
    @Override
    public String toString() {
        return String.format("%8d %8d %8d", bdCount, bdReads, bdWrites);
    }
}
