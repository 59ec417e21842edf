package dev.gmc.core.store;

/**
 * zram's {@code io_stat}: failed reads, failed writes, invalid I/O (printed as a literal 0 by current kernels)
 * and free notifications.
 */
public record IoStat(long failedReads, long failedWrites, long invalidIo, long notifyFree) {
    @Override
    public String toString() {
        return String.format("%8d %8d %8d %8d", failedReads, failedWrites, invalidIo, notifyFree);
    }
}
