package @@PACKAGE@@;

import dev.gmc.driver.Buffer;
import dev.gmc.driver.CompressionPolicy;
import dev.gmc.driver.GpuDriverModel;
import dev.gmc.driver.PolicyArgs;
import dev.gmc.driver.PolicyProvider;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * {@code daemon=@@NAME@@} (made by {@code gmc new-policy}): when an app goes to the background, compress its largest
 * buffers first, at most {@code @@NAME@@.max-buffers} of them. Edit {@link #create} to try your own rule; see
 * docs/TRACE-FORMAT.md "Daemon policies" in gmc for what a policy can see and do.
 */
public final class @@CLASS@@ implements PolicyProvider {
    @Override
    public String name() {
        return "@@NAME@@";
    }

    @Override
    public String description() {
        return "compress a backgrounded app's largest buffers first, at most max-buffers of them";
    }

    @Override
    public Map<String, String> options() {
        return Map.of("max-buffers", "buffers compressed per background event, largest first (default: all)");
    }

    @Override
    public CompressionPolicy create(PolicyArgs args) {
        int max = args.intOption("max-buffers", Integer.MAX_VALUE, 1, Integer.MAX_VALUE);
        return new CompressionPolicy() {
            @Override
            public List<Buffer> candidates(int pid, boolean foreground, GpuDriverModel driver) {
                if (foreground) {
                    return List.of(); // pages come back on fault
                }
                return driver.buffers().stream()
                        .filter(b -> b.context().owner().pid() == pid)
                        .filter(args::eligible) // the driver line's compress= and min-pages=
                        .filter(b -> b.compressedPages() < b.pages())
                        .sorted(Comparator.comparingInt(Buffer::pages).reversed().thenComparingInt(Buffer::id))
                        .limit(max)
                        .toList();
            }

            // Optional: pressureCandidates(driver) for reclaim= under memory pressure, restoreCandidates(...) for
            // restores ahead of faults, recompressCandidates(...) for buffers to recompress with the driver line's
            // recompress= codecs; implement dev.gmc.driver.GmcListener as well to see every event of the run.
        };
    }
}
