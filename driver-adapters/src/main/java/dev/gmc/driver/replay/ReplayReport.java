package dev.gmc.driver.replay;

import java.util.List;
import java.util.Map;

/**
 * The outcome of a replay.
 *
 * @param pool       the pool's kernel when not the default (Linux ≥ 6.3, chain 8, 64-bit): {@code zsmalloc legacy
 *                   (<= 6.2), arm32 kernel}; "" for the default
 * @param daemon     the resource daemon: its policy, the policy's own options and reclaim ({@code background},
 *                   {@code lru-apps warm=2 reclaim=40:50})
 * @param failures   verification failures (a read that differs from the shadow copy) and unexpected outcomes
 *                   (an access that faulted where the trace expected success, or the reverse)
 * @param reported   faults the drivers reported as the real ones would (SIGSEGV, context kills, failed jobs)
 * @param timeline   one sample per {@code stats} line and at the end
 * @param peak       the memory after the first line where the bytes saved were highest (checked after every line;
 *                   the trace's first command line if nothing was ever saved)
 */
public record ReplayReport(String trace, String driver, String pool, String daemon, int lines, long accesses, long bytesVerified,
        List<String> failures, List<String> reported, List<Sample> timeline, Sample peak,
        Map<String, Long> driverCounters,
        Map<String, Long> mmuCounters, String mmStat) {

    /** Memory after a given trace line. */
    public record Sample(int line, String label, long dataFrames, long tableFrames, long storedPages,
            long poolBytes, long savedBytes) {
    }

    public boolean ok() {
        return failures.isEmpty();
    }
}
