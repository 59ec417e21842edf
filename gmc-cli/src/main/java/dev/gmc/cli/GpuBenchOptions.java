package dev.gmc.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/** Options and the CPU baseline shared by {@code gpu-bench} and {@code gpu-restore-bench} (a picocli mixin). */
final class GpuBenchOptions {
    static final int PAGE = 4096;

    @Option(names = "--input", split = ",", description = "Files or directories of pages (.gz/.zst/.xz ok); "
            + "default: samples/ and the real-data golden set, cycled to fill the batch.")
    List<Path> inputs;

    @Option(names = "--device", defaultValue = "auto", description = "auto, gpu, cpu or a name fragment (default ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--kernels", split = ",", defaultValue = "coop,wi", description = "Kernels to run (default ${DEFAULT-VALUE}).")
    List<String> kernels;

    @Option(names = "--slice-pages", defaultValue = "0", description = "Pages per kernel launch; 0 = whole batch (default ${DEFAULT-VALUE}).")
    int slicePages;

    @Option(names = "--max-groups", defaultValue = "0", description = "Work-group quota per launch; 0 = none (default ${DEFAULT-VALUE}).")
    int maxGroups;

    @Option(names = "--threads", defaultValue = "0", description = "CPU baseline threads; 0 = all cores (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--rounds", defaultValue = "5", description = "Timed rounds; medians are reported (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--json", description = "Also write the results as JSON to this file.")
    Path json;

    void check() {
        Args.threads("--threads", threads, 0);
        Args.atLeast("--rounds", rounds, 1);
        Args.atLeast("--slice-pages", slicePages, 0);
        Args.atLeast("--max-groups", maxGroups, 0);
    }

    /** Prints and records the cooperative kernel's speed over the one-work-item kernel's, if both ran. */
    static void coopVsWi(java.io.PrintWriter out, com.fasterxml.jackson.databind.node.ObjectNode root, double[] kernelGbps) {
        double wi = kernelGbps[dev.gmc.kernels.KernelKind.PER_ITEM.ordinal()];
        double coop = kernelGbps[dev.gmc.kernels.KernelKind.COOP.ordinal()];
        if (wi > 0 && coop > 0) {
            out.printf("cooperative / one-work-item kernel: %.2f×%n", coop / wi);
            root.put("coopVsWi", coop / wi);
        }
    }

    /** CPU baseline threads: {@code --threads}, or all cores. */
    int cores() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }

    /** A thread's share of the baseline: items {@code [from, to)}; made per thread, so it may hold a codec. */
    interface RangeWork {
        long run(int from, int to);
    }

    /**
     * Times {@code items} pages split into contiguous shares over {@code nThreads} threads, one warm-up round and then
     * {@code --rounds} timed ones. @return {GB/s of pages, CPU seconds of all JVM threads per GiB}, medians
     */
    double[] cpuRounds(int nThreads, int items, Supplier<RangeWork> perThread) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(nThreads);
        try {
            double[] gbps = new double[rounds];
            double[] cpu = new double[rounds];
            double bytes = (double) items * PAGE;
            for (int r = -1; r < rounds; r++) { // round -1 warms up
                long c0 = GpuBenchCommand.totalCpu();
                long t0 = System.nanoTime();
                List<Future<Long>> fs = new ArrayList<>();
                for (int t = 0; t < nThreads; t++) {
                    int from = (int) ((long) items * t / nThreads);
                    int to = (int) ((long) items * (t + 1) / nThreads);
                    fs.add(pool.submit(() -> perThread.get().run(from, to)));
                }
                for (Future<Long> f : fs) {
                    f.get();
                }
                long dt = System.nanoTime() - t0;
                if (r >= 0) {
                    gbps[r] = bytes / dt;
                    cpu[r] = (GpuBenchCommand.totalCpu() - c0) / 1e9 / (bytes / (1L << 30));
                }
            }
            return new double[] {Units.median(gbps), Units.median(cpu)};
        } finally {
            pool.shutdown();
        }
    }
}
