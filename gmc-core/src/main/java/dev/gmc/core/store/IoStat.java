package dev.gmc.core.store;

/**
 * zram's {@code io_stat}: failed reads, failed writes, invalid I/O (printed as a literal 0 by current kernels)
 * and free notifications.
 */
public record IoStat(long failedReads, long failedWrites, long invalidIo, long notifyFree) {
    /** Parses the kernel's line (four whitespace-separated numbers). */
    public static IoStat parse(String line) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 4) {
            throw new IllegalArgumentException("io_stat: expected 4 fields, got " + f.length + ": '" + line.trim() + "'");
        }
        return new IoStat(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]));
    }

    @Override
    public String toString() {
        return String.format("%8d %8d %8d %8d", failedReads, failedWrites, invalidIo, notifyFree);
    }
}
