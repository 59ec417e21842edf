package dev.gmc.driver;

import java.util.List;

/**
 * Which buffers to compress, and when, and which to restore before they fault: the seam where compression policies
 * are prototyped. The {@link ResourceDaemon} asks the policy after every app event, compresses what
 * {@link #candidates} returns, then restores what {@link #restoreCandidates} returns, in order.
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
     * Buffers to restore now, ahead of their faults ({@link GpuDriverModel#restore}); none by default: the
     * published design restores on fault only.
     */
    default List<Buffer> restoreCandidates(int pid, boolean foreground, GpuDriverModel driver) {
        return List.of();
    }

    /**
     * Buffers whose compressed pages to recompress now with the store's recompression codecs
     * ({@link GpuDriverModel#recompress}, zram's {@code recompress} on one buffer, with the daemon's threshold):
     * asked after every app event, once that event's compressions are done and before its restores. None by
     * default; the daemon's own age rule ({@link ResourceDaemon#recompressAfter}) works with any policy.
     */
    default List<Buffer> recompressCandidates(int pid, boolean foreground, GpuDriverModel driver) {
        return List.of();
    }

    /**
     * Buffers to compress because memory is short, in the order to compress them: asked by
     * {@link ResourceDaemon#balance()} (kswapd-like, between trace lines) when the frames available fall under the
     * daemon's low watermark; the daemon compresses them one by one until the available frames reach the high
     * watermark, and ignores the rest. None by default: the published design compresses on app events only.
     */
    default List<Buffer> pressureCandidates(GpuDriverModel driver) {
        return List.of();
    }

    /**
     * This policy, plus eager restore: when an app returns to the foreground, every buffer of its that has
     * compressed pages is restored in batches at once, so that its first frames do not fault page by page (the
     * cost moves from the faults to the foreground event; see {@code gmc fault-bench --eager}).
     */
    default CompressionPolicy withEagerRestore() {
        return withEagerRestore(b -> true);
    }

    /** {@link #withEagerRestore()} for the buffers {@code which} accepts (say, only colour and depth buffers). */
    default CompressionPolicy withEagerRestore(java.util.function.Predicate<Buffer> which) {
        CompressionPolicy base = this;
        return new CompressionPolicy() {
            @Override
            public List<Buffer> candidates(int pid, boolean foreground, GpuDriverModel driver) {
                return base.candidates(pid, foreground, driver);
            }

            @Override
            public List<Buffer> pressureCandidates(GpuDriverModel driver) {
                return base.pressureCandidates(driver);
            }

            @Override
            public List<Buffer> recompressCandidates(int pid, boolean foreground, GpuDriverModel driver) {
                return base.recompressCandidates(pid, foreground, driver);
            }

            @Override
            public List<Buffer> restoreCandidates(int pid, boolean foreground, GpuDriverModel driver) {
                if (!foreground) {
                    return base.restoreCandidates(pid, false, driver);
                }
                return driver.buffers().stream()
                        .filter(b -> b.context().owner().pid() == pid && b.compressedPages() > 0)
                        .filter(which)
                        .sorted(java.util.Comparator.comparingInt(Buffer::id))
                        .toList();
            }
        };
    }

    /**
     * The published GMC design: when an app goes to the background, all its buffers of at least
     * {@code minPages} pages that still have resident pages become candidates; nothing happens on foreground
     * (pages come back on fault).
     */
    static CompressionPolicy background(int minPages) {
        return background(minPages, b -> true);
    }

    /**
     * {@link #background(int)} for the buffers {@code which} accepts: a policy that leaves, say, colour buffers
     * resident because the app redraws them as soon as it returns.
     */
    static CompressionPolicy background(int minPages, java.util.function.Predicate<Buffer> which) {
        return (pid, foreground, driver) -> {
            if (foreground) {
                return List.of();
            }
            return driver.buffers().stream()
                    .filter(b -> b.context().owner().pid() == pid && b.pages() >= minPages)
                    .filter(which)
                    .filter(b -> b.compressedPages() < b.pages())
                    .sorted(java.util.Comparator.comparingInt(Buffer::id))
                    .toList();
        };
    }
}
