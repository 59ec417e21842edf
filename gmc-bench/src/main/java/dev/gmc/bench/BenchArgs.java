package dev.gmc.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Arguments shared by the many-thread benchmarks. */
final class BenchArgs {
    private BenchArgs() {
    }

    /** {@code args[i]} as a comma-separated list of thread counts; if absent 1, 2, 4, … below the cores, then the cores. */
    static int[] threadCounts(String[] args, int i) {
        if (args.length > i) {
            return Arrays.stream(args[i].split(",")).mapToInt(Integer::parseInt).toArray();
        }
        int cores = Runtime.getRuntime().availableProcessors();
        List<Integer> t = new ArrayList<>();
        for (int n = 1; n < cores; n *= 2) {
            t.add(n);
        }
        t.add(cores);
        return t.stream().mapToInt(Integer::intValue).toArray();
    }
}
