package dev.gmc.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.store.SameFilled;
import dev.gmc.driver.AbstractGmcDriver;
import dev.gmc.driver.Buffer;
import dev.gmc.driver.BufferType;
import dev.gmc.driver.DriverConfig;
import dev.gmc.driver.GpuContext;
import dev.gmc.driver.Job;
import dev.gmc.driver.JobResult;
import dev.gmc.driver.MidgardDriver;
import dev.gmc.driver.RestoreResult;
import dev.gmc.driver.UtgardDriver;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.ArrayList;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gmc fault-bench}: the cost of the GMC mechanism on this machine — fault-restore latency of one 4 KiB page
 * (fault, frame allocation, decompression, handle free, table update, TLB invalidation) and region compression
 * throughput against raw lz4-java on the same pages.
 */
@Command(name = "fault-bench", mixinStandardHelpOptions = true,
        description = {"Measure fault-restore latency (p50/p99 per 4 KiB page, CPU and GPU faults on the Midgard "
                + "model, the pre-job hook on Utgard) and region compression throughput vs raw lz4-java.",
                "Only pages that the store's codec (--algo) stores compressed are used (same-filled and refused "
                        + "pages are dropped), so every restore decompresses."})
final class FaultBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--input", split = ",", description = "Files or directories of pages (.gz/.zst/.xz ok); "
            + "default: samples/ and gmc-core's real-memory golden mix.")
    List<Path> inputs;

    @Option(names = "--pages", defaultValue = "16384", description = "Pages per round (default: ${DEFAULT-VALUE}).")
    int pages;

    @Option(names = "--algo", defaultValue = "lz4", description = "Store codec (default: ${DEFAULT-VALUE}).")
    String algo;

    @Option(names = "--rounds", defaultValue = "5",
            description = "Measured rounds after one warm-up round (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--threads", defaultValue = "0", description = "Also measure restore throughput with this many "
            + "threads faulting disjoint compressed pages at once (see --buffers), against as many threads "
            + "decompressing the same pages raw; each phase repeats, the buffers compressed again in between, until it "
            + "has run 0.2 s a round; 1 gives the one-thread figure to compare with (default: ${DEFAULT-VALUE}: no "
            + "such phase).")
    int threads;

    /** Where the threads of the parallel phase fault. */
    enum Spread { one, apart }

    @Option(names = "--buffers", defaultValue = "one", paramLabel = "one|apart", description = "With --threads: 'one' = all threads fault one "
            + "buffer of one process; 'apart' = each thread faults its own buffer in its own process and GPU context "
            + "(the buffers share only the store and physical memory) (default: ${DEFAULT-VALUE}).")
    Spread buffers;

    @Option(names = "--json", description = "Also write the results as JSON to this file.")
    Path json;

    @Mixin
    BatchLoaderOptions batch;

    @Override
    public Integer call() throws Exception {
        Args.atLeast("--pages", pages, 16);
        Args.atLeast("--rounds", rounds, 1);
        Args.threads("--threads", threads, 0);
        PrintWriter out = spec.commandLine().getOut();
        byte[] data = compressiblePages(PageInput.loadPages(inputs, pages * 2), CodecSpec.parse(algo));
        int n = data.length / 4096;
        if (buffers == Spread.apart && threads > n) {
            throw new IllegalArgumentException("--threads " + threads + " with --buffers apart needs a page per thread, "
                    + "but the input has only " + n + " compressed-storable pages (raise --pages or lower --threads)");
        }
        out.printf("%d pages (%s) of compressed-storable input, %s codec, %d rounds after a warm-up%n", n,
                Units.bytes(data.length), algo, rounds);

        double[] rawGbps = new double[rounds];
        double[] regionGbps = new double[rounds];
        double[] utgardPreJobGbps = new double[rounds];
        double[] lazyResumeGbps = new double[rounds];
        double[] eagerResumeGbps = new double[rounds];
        double[] lazyThreadCpu = new double[rounds]; // CPU seconds of the resuming thread per GiB restored
        double[] eagerThreadCpu = new double[rounds];
        long[] procCpu = new long[2]; // process CPU ns (all threads, native ones too) over the timed rounds: lazy, eager
        long[] wallNs = new long[2];
        double[] parallelRestorePps = new double[rounds];
        double[] parallelRawPps = new double[rounds];
        String batchName;
        Histogram cpuLat = new Histogram(3_600_000_000L, 3);
        Histogram gpuLat = new Histogram(3_600_000_000L, 3);
        Histogram rawLat = new Histogram(3_600_000_000L, 3);
        LZ4SafeDecompressor dec = LZ4Factory.fastestInstance().safeDecompressor();
        byte[][] compPages = new byte[n][];
        int[] compLens = new int[n];
        byte[] back = new byte[4096];
        LZ4Compressor lz4 = LZ4Factory.fastestInstance().fastCompressor();
        byte[] comp = new byte[lz4.maxCompressedLength(4096)];
        DriverConfig cfg = DriverConfig.defaults().withPoisonOnFree(false)
                .withRam(((long) n * 5 / 4) * 4096 + (32L << 20))
                .withStore(DriverConfig.defaults().store().withCodec(CodecSpec.parse(algo)));
        try (BatchLoaderOptions.Opened loader = batch.open()) {
            batchName = loader.loader().name();
            if (!batchName.equals("cpu")) {
                out.println("batch restores (Utgard pre-job, eager resume) decode through " + loader.description());
            }
            for (int round = 0; round <= rounds; round++) {
                long t0 = System.nanoTime();
                long sink = 0;
                for (int p = 0; p < n; p++) {
                    sink += lz4.compress(data, p * 4096, 4096, comp, 0, comp.length);
                }
                long rawNs = System.nanoTime() - t0;
                if (sink == 0) {
                    throw new IllegalStateException();
                }
                if (round == 0) {
                    for (int p = 0; p < n; p++) {
                        compPages[p] = new byte[comp.length];
                        compLens[p] = lz4.compress(data, p * 4096, 4096, compPages[p], 0, comp.length);
                    }
                }
                for (int i : shuffled(n, round + 100)) { // the floor: decompressing the page, nothing else
                    long s = System.nanoTime();
                    dec.decompress(compPages[i], 0, compLens[i], back, 0, 4096);
                    long e = System.nanoTime() - s;
                    if (round > 0) {
                        rawLat.recordValue(e);
                    }
                }
                try (AbstractGmcDriver d = new MidgardDriver(cfg)) {
                    d.batchLoader(loader.loader());
                    d.createProcess(100, "bench");
                    GpuContext ctx = d.createContext(100);
                    Buffer b = d.allocate(ctx, n, BufferType.TEXTURE, "bench", false);
                    d.upload(b, data, 0);
                    long va = d.mapCpu(b, 100);
                    long gva = d.mapGpu(b);
                    long c0 = System.nanoTime();
                    var r = d.compress(b);
                    long regionNs = System.nanoTime() - c0;
                    if (r.stored() != n) {
                        throw new IllegalStateException("expected all " + n + " pages stored, got " + r);
                    }
                    int[] order = shuffled(n, round);
                    byte[] one = new byte[1];
                    int half = n / 2;
                    long lazyCpu0 = threadCpu();
                    long lazyProc0 = processCpu();
                    long lazy0 = System.nanoTime();
                    for (int i = 0; i < half; i++) { // CPU faults on half the pages
                        long s = System.nanoTime();
                        d.cpuRead(100, va + (long) order[i] * 4096, one, 0, 1);
                        long e = System.nanoTime() - s;
                        if (round > 0) {
                            cpuLat.recordValue(e);
                        }
                    }
                    var as = ctx.addressSpace();
                    for (int i = half; i < n; i++) { // GPU faults (GMC-extended page-fault worker) on the others
                        long s = System.nanoTime();
                        as.read(gva + (long) order[i] * 4096, one, 0, 1);
                        long e = System.nanoTime() - s;
                        if (round > 0) {
                            gpuLat.recordValue(e);
                        }
                    }
                    long lazyNs = System.nanoTime() - lazy0;
                    long lazyProc = processCpu() - lazyProc0;
                    long lazyCpu = threadCpu() - lazyCpu0;
                    verify(d, b, data);
                    // the same app resumed eagerly: compressed again, then one restore of the whole buffer
                    if (d.compress(b).stored() != n) {
                        throw new IllegalStateException("expected all " + n + " pages stored again");
                    }
                    long eagerCpu0 = threadCpu();
                    long eagerProc0 = processCpu();
                    long e0 = System.nanoTime();
                    RestoreResult rr = d.restore(b);
                    long eagerNs = System.nanoTime() - e0;
                    long eagerProc = processCpu() - eagerProc0;
                    long eagerCpu = threadCpu() - eagerCpu0;
                    if (rr.restored() != n || !rr.errors().isEmpty()) {
                        throw new IllegalStateException("eager restore: " + rr);
                    }
                    verify(d, b, data);
                    if (round > 0) {
                        rawGbps[round - 1] = data.length / (double) rawNs;
                        regionGbps[round - 1] = data.length / (double) regionNs;
                        lazyResumeGbps[round - 1] = data.length / (double) lazyNs;
                        eagerResumeGbps[round - 1] = data.length / (double) eagerNs;
                        lazyThreadCpu[round - 1] = lazyCpu / 1e9 / (data.length / (double) (1L << 30));
                        eagerThreadCpu[round - 1] = eagerCpu / 1e9 / (data.length / (double) (1L << 30));
                        procCpu[0] += lazyProc;
                        procCpu[1] += eagerProc;
                        wallNs[0] += lazyNs;
                        wallNs[1] += eagerNs;
                    }
                }
                if (threads > 0) {
                    double[] pps = parallelRestore(cfg, data, compPages, compLens, round);
                    if (round > 0) {
                        parallelRawPps[round - 1] = pps[0];
                        parallelRestorePps[round - 1] = pps[1];
                    }
                }
                try (AbstractGmcDriver u = new UtgardDriver(cfg.withRam(Math.min(cfg.ramBytes(), 1L << 32)))) {
                    u.batchLoader(loader.loader());
                    u.createProcess(100, "bench");
                    GpuContext s = u.createContext(100);
                    Buffer b = u.allocate(s, n, BufferType.TEXTURE, "bench", false);
                    u.upload(b, data, 0);
                    u.mapGpu(b);
                    u.compress(b);
                    long j0 = System.nanoTime();
                    JobResult jr = u.submitJob(s, new Job(List.of(b), List.of()));
                    long jobNs = System.nanoTime() - j0;
                    if (!jr.ok()) {
                        throw new IllegalStateException(jr.message());
                    }
                    verify(u, b, data);
                    if (round > 0) {
                        utgardPreJobGbps[round - 1] = data.length / (double) jobNs;
                    }
                }
            }
        }
        double raw = Units.median(rawGbps);
        double region = Units.median(regionGbps);
        out.println();
        out.printf(Locale.ROOT, "%-52s %10s%n", "region compression (1 thread)", "GB/s");
        out.printf(Locale.ROOT, "  %-50s %10.3f%n", "raw lz4-java compress, same pages", raw);
        out.printf(Locale.ROOT, "  %-50s %10.3f  (%.2fx raw)%n", "Midgard compress(region): unmap+flush, store, "
                + "free", region, region / raw);
        out.printf(Locale.ROOT, "  %-50s %10.3f%n", "Utgard pre-job restore (region), " + batchName, Units.median(
                utgardPreJobGbps));
        double lazy = Units.median(lazyResumeGbps);
        double eager = Units.median(eagerResumeGbps);
        out.println();
        double gib = (double) data.length * rounds / (1L << 30);
        // 10 ms ticks: below half a second of wall time a phase's process figure would be mostly rounding
        double lazyProcPerGib = wallNs[0] >= 500_000_000L && procCpu[0] >= 0 ? procCpu[0] / 1e9 / gib : Double.NaN;
        double eagerProcPerGib = wallNs[1] >= 500_000_000L && procCpu[1] >= 0 ? procCpu[1] / 1e9 / gib : Double.NaN;
        out.printf(Locale.ROOT, "%-52s %10s %12s %12s%n", "app resume: every page of the buffer back (Midgard)", "GB/s",
                "thread s/GiB", "process s/GiB");
        out.printf(Locale.ROOT, "  %-50s %10.3f %12.3f %12.3f%n", "lazy: one CPU or GPU fault per page", lazy,
                Units.median(lazyThreadCpu), lazyProcPerGib);
        out.printf(Locale.ROOT, "  %-50s %10.3f %12.3f %12.3f  (%.2fx lazy)%n", "eager: restore(buffer), " + batchName,
                eager, Units.median(eagerThreadCpu), eagerProcPerGib, eager / lazy);
        out.println("  (CPU seconds per GiB restored: of the resuming thread, and of the whole process incl. native "
                + "driver threads and loader lanes, in /proc's 10 ms ticks; NaN: under 0.5 s of rounds, too short to "
                + "count)");
        out.println();
        out.printf("%-52s %8s %8s %8s %8s %8s%n", "fault restore latency per 4 KiB page (ns)", "p50", "p90", "p99",
                "p99.9", "max");
        printLat(out, "raw lz4-java safe decompress only (the floor)", rawLat);
        printLat(out, "CPU fault (PTE walk, restore, PTE install)", cpuLat);
        printLat(out, "GPU fault (kbase: restore, ATE insert, FLUSH_PT)", gpuLat);
        if (threads > 0) {
            double rawPps = Units.median(parallelRawPps);
            double restorePps = Units.median(parallelRestorePps);
            out.println();
            out.printf(Locale.ROOT, "%-52s %10s%n", "restore throughput, " + threads + (threads == 1 ? " thread" : " threads")
                    + (buffers == Spread.one ? " on one buffer" : ", a buffer each"), "pages/s");
            out.printf(Locale.ROOT, "  %-50s %,10.0f%n", "raw lz4-java safe decompress, same pages", rawPps);
            out.printf(Locale.ROOT, "  %-50s %,10.0f  (%.2fx raw)%n", "CPU faults on disjoint pages (Midgard)",
                    restorePps, restorePps / rawPps);
        }
        out.flush();
        if (json != null) {
            ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode root = om.createObjectNode();
            root.put("pages", n).put("codec", algo).put("rounds", rounds);
            root.put("raw_lz4_gbps", raw).put("region_compress_gbps", region).put("region_vs_raw", region / raw);
            root.put("utgard_prejob_restore_gbps", Units.median(utgardPreJobGbps));
            root.putObject("resume").put("batch_loader", batchName).put("lazy_gbps", lazy).put("eager_gbps", eager)
                    .put("eager_vs_lazy", eager / lazy)
                    .put("lazy_thread_cpu_s_per_gib", Units.median(lazyThreadCpu))
                    .put("eager_thread_cpu_s_per_gib", Units.median(eagerThreadCpu))
;
            ObjectNode resume = (ObjectNode) root.get("resume");
            // null where the rounds were too short to count in 10 ms ticks
            resume.set("lazy_process_cpu_s_per_gib", Double.isNaN(lazyProcPerGib) ? resume.nullNode()
                    : resume.numberNode(lazyProcPerGib));
            resume.set("eager_process_cpu_s_per_gib", Double.isNaN(eagerProcPerGib) ? resume.nullNode()
                    : resume.numberNode(eagerProcPerGib));
            latJson(root.putObject("raw_decompress_ns"), rawLat);
            latJson(root.putObject("cpu_fault_ns"), cpuLat);
            latJson(root.putObject("gpu_fault_ns"), gpuLat);
            if (threads > 0) {
                root.putObject("parallel_restore").put("threads", threads).put("buffers", buffers.name())
                        .put("raw_decompress_pages_per_s", Units.median(parallelRawPps))
                        .put("cpu_fault_pages_per_s", Units.median(parallelRestorePps));
            }
            om.writeValue(json.toFile(), root);
        }
        return 0;
    }

    /**
     * One buffer compressed, then {@code threads} threads fault its pages back with CPU reads, thread t taking pages
     * t, t+threads, … in a shuffled order; before that the same threads decompress the same pages raw. A barrier
     * starts each phase; the wall time until the last thread ends is charged. Each phase repeats (the buffers
     * compressed again in between, not timed) until it has run {@value #MIN_PHASE_NS} ns in all: at 16 threads one
     * pass over 16,384 pages lasts a few milliseconds, too short to time. Returns {raw, restore} pages/s.
     */
    private double[] parallelRestore(DriverConfig cfg, byte[] data, byte[][] compPages, int[] compLens, int round)
            throws Exception {
        int n = compPages.length;
        int[] order = shuffled(n, round + 200);
        int parts = buffers == Spread.apart ? threads : 1;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (AbstractGmcDriver d = new MidgardDriver(cfg)) {
            // One buffer: all the pages in input order. Apart: buffer p (in process 100 + p) holds the pages order[i]
            // with i % parts == p. Either way each thread faults its pages in a shuffled order.
            Buffer[] bufs = new Buffer[parts];
            long[] vas = new long[parts];
            byte[][] content = new byte[parts][];
            for (int p = 0; p < parts; p++) {
                int k = (n - p + parts - 1) / parts;
                content[p] = parts == 1 ? data : new byte[k * 4096];
                for (int j = 0, i = p; parts > 1 && i < n; i += parts, j++) {
                    System.arraycopy(data, order[i] * 4096, content[p], j * 4096, 4096);
                }
                d.createProcess(100 + p, "bench-" + p);
                GpuContext ctx = d.createContext(100 + p);
                bufs[p] = d.allocate(ctx, k, BufferType.TEXTURE, "bench-" + p, false);
                d.upload(bufs[p], content[p], 0);
                vas[p] = d.mapCpu(bufs[p], 100 + p);
                var r = d.compress(bufs[p]);
                if (r.stored() != k) {
                    throw new IllegalStateException("expected all " + k + " pages stored, got " + r);
                }
            }
            long rawNs = 0;
            long rawPages = 0;
            while (rawNs < MIN_PHASE_NS) {
                rawNs += inParallel(pool, t -> {
                    LZ4SafeDecompressor dec = LZ4Factory.fastestInstance().safeDecompressor();
                    byte[] back = new byte[4096];
                    for (int i = t; i < n; i += threads) {
                        dec.decompress(compPages[order[i]], 0, compLens[order[i]], back, 0, 4096);
                    }
                });
                rawPages += n;
            }
            int[][] partOrder = new int[parts][];
            for (int p = 0; parts > 1 && p < parts; p++) {
                partOrder[p] = shuffled(bufs[p].pages(), round * 1000L + p);
            }
            long restoreNs = 0;
            long restorePages = 0;
            for (int pass = 0; restoreNs < MIN_PHASE_NS; pass++) {
                if (pass > 0) {
                    for (Buffer b : bufs) {
                        var r = d.compress(b);
                        if (r.stored() != b.pages()) {
                            throw new IllegalStateException("expected all " + b.pages() + " pages stored again, got " + r);
                        }
                    }
                }
                restoreNs += inParallel(pool, t -> {
                    byte[] one = new byte[1];
                    if (parts == 1) { // thread t takes pages order[t], order[t + threads], … of the one buffer
                        for (int i = t; i < n; i += threads) {
                            d.cpuRead(100, vas[0] + (long) order[i] * 4096, one, 0, 1);
                        }
                    } else { // thread t takes every page of its own buffer, in an order shuffled beforehand
                        for (int j : partOrder[t]) {
                            d.cpuRead(100 + t, vas[t] + (long) j * 4096, one, 0, 1);
                        }
                    }
                });
                restorePages += n;
                for (int p = 0; p < parts; p++) {
                    verify(d, bufs[p], content[p]);
                }
            }
            return new double[] {rawPages * 1e9 / rawNs, restorePages * 1e9 / restoreNs};
        } finally {
            pool.shutdownNow();
        }
    }

    /** The least time each parallel phase of a round runs, repeated as often as it takes. */
    static final long MIN_PHASE_NS = 200_000_000L;

    @FunctionalInterface
    private interface Share {
        void run(int thread) throws Exception;
    }

    /** Runs share 0..threads-1 on as many pool threads, released together; returns the wall time in ns. */
    private long inParallel(ExecutorService pool, Share share) throws Exception {
        long[] start = new long[1];
        CyclicBarrier go = new CyclicBarrier(threads, () -> start[0] = System.nanoTime());
        List<Future<Object>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int me = t;
            fs.add(pool.submit(() -> {
                go.await();
                share.run(me);
                return null;
            }));
        }
        for (var f : fs) {
            try {
                f.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception ex ? ex : e;
            }
        }
        return System.nanoTime() - start[0];
    }

    /** Keeps the pages that are neither same-filled nor refused by the store's codec (as the GMC store sees them). */
    private static byte[] compressiblePages(byte[] data, CodecSpec codec) {
        byte[] out = new byte[data.length];
        int k = 0;
        int limit = dev.gmc.core.pool.SizeClassTable.withChain(8).hugeClassSize();
        try (dev.gmc.core.codec.PageCodec c = codec.newCodec()) {
            byte[] comp = new byte[c.maxCompressedLength(4096)];
            for (int p = 0; p < data.length / 4096; p++) {
                if (SameFilled.test(data, p * 4096)) {
                    continue;
                }
                if (c.compress(data, p * 4096, 4096, comp, 0, comp.length) >= limit) {
                    continue;
                }
                System.arraycopy(data, p * 4096, out, k * 4096, 4096);
                k++;
            }
        }
        if (k < 16) {
            throw new IllegalArgumentException("the input has only " + k + " compressible pages");
        }
        return Arrays.copyOf(out, k * 4096);
    }

    private static void verify(AbstractGmcDriver d, Buffer b, byte[] data) {
        byte[] page = new byte[4096];
        for (int p = 0; p < b.pages(); p++) {
            d.peek(b, p, page, 0);
            if (!Arrays.equals(page, 0, 4096, data, p * 4096, (p + 1) * 4096)) {
                throw new IllegalStateException("page " + p + " differs after restore");
            }
        }
        d.checkInvariants();
    }

    private static long threadCpu() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    /**
     * CPU time of the whole process in ns, native threads included (an OpenCL driver's own threads are not Java
     * threads): utime + stime of /proc/self/stat at Linux's 100 ticks a second; -1 where there is no /proc.
     */
    private static long processCpu() {
        try {
            String stat = java.nio.file.Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L; // fields 14, 15
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    private static int[] shuffled(int n, long seed) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }


    private static void printLat(PrintWriter out, String what, Histogram h) {
        out.printf(Locale.ROOT, "  %-50s %8d %8d %8d %8d %8d%n", what, h.getValueAtPercentile(50),
                h.getValueAtPercentile(90), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), h.getMaxValue());
    }

    private static void latJson(ObjectNode o, Histogram h) {
        o.put("count", h.getTotalCount()).put("p50", h.getValueAtPercentile(50)).put("p90",
                h.getValueAtPercentile(90)).put("p99", h.getValueAtPercentile(99)).put("p999",
                h.getValueAtPercentile(99.9)).put("max", h.getMaxValue());
    }
}
