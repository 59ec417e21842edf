package dev.gmc.driver;

import java.util.List;

/**
 * Which buffers to compress, and when: the seam where compression policies are prototyped. The
 * {@link ResourceDaemon} asks the policy after every app event and compresses what it returns, in order.
 */
public interface CompressionPolicy {
    /**
     * @param pid        the app whose state changed
     * @param foreground its new state
     * @param driver     the driver, to look at buffers and their states
     * @return buffers to compress now (empty for none)
     */
    List<Buffer> candidates(int pid, boolean foreground, GpuDriverModel driver);

    /**
     * The published GMC design: when an app goes to the background, all its buffers of at least
     * {@code minPages} pages that still have resident pages become candidates; nothing happens on foreground
     * (pages come back on fault).
     */
    static CompressionPolicy background(int minPages) {
        return (pid, foreground, driver) -> {
            if (foreground) {
                return List.of();
            }
            return driver.buffers().stream()
                    .filter(b -> b.context().owner().pid() == pid && b.pages() >= minPages)
                    .filter(b -> b.compressedPages() < b.pages())
                    .sorted(java.util.Comparator.comparingInt(Buffer::id))
                    .toList();
        };
    }
}
