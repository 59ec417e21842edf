package dev.gmc.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gmc.kernels.AsyncGpuCompressor;
import dev.gmc.kernels.ClDevice;
import dev.gmc.kernels.GpuCompressorConfig;
import dev.gmc.kernels.KernelKind;
import dev.gmc.kernels.Lz4Program;
import java.io.InputStream;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code gmc gpu-bench}: LZ4 page compression on an OpenCL device against lz4-java on the CPU, on one batch of
 * realistic pages. Reports kernel-only and end-to-end throughput, compressed size, and host CPU time per GiB.
 *
 * <p>Method: the pages are loaded once into the heap. CPU baseline: lz4-java JNI fast compressor, 1 thread and all
 * cores, each thread a contiguous share of the pages. Device: one verification round (every block decoded by lz4-java
 * and compared), then timed rounds: kernel-only = bytes / (sum of same-filled + LZ4 (+ packing) kernel event times)
 * with one batch in flight; end-to-end = bytes / wall time from the first submit until the last page's callback,
 * streaming the batch {@code --e2e-batches} times through three buffers with {@code --submit-threads} submitters
 * copying pages from the heap ("heap pages"), and again with the pages in a {@link dev.gmc.kernels.PageRegion}
 * (host-visible memory the device reads by DMA, as a graphics buffer's pages: "region pages", no host copy). The
 * listener takes each result's length (the compressed block stays in the batch's pinned output, where a store
 * would copy it from). Host CPU = CPU time of all JVM threads during the round. Medians over rounds.
 */
@Command(name = "gpu-bench", mixinStandardHelpOptions = true,
        description = "Benchmark OpenCL LZ4 page compression against lz4-java on all CPU cores.")
final class GpuBenchCommand implements Callable<Integer> {
    static final int PAGE = 4096;

    @Spec
    CommandSpec spec;

    @Mixin
    GpuBenchOptions opt = new GpuBenchOptions();

    @Option(names = "--batch-mib", defaultValue = "64", description = "Batch size in MiB (default ${DEFAULT-VALUE}).")
    int batchMib;

    @Option(names = "--wg", defaultValue = "128", description = "Work-items per page in the cooperative kernel (default ${DEFAULT-VALUE}).")
    int workGroup;

    @Option(names = "--transfer", defaultValue = "AUTO", description = "AUTO, MAPPED (zero-copy) or STAGED "
            + "(pinned + DMA + packed results) (default ${DEFAULT-VALUE}).")
    GpuCompressorConfig.Transfer transfer;

    @Option(names = "--submit-threads", defaultValue = "4", description = "Threads submitting pages (copying them "
            + "into the batch) in the end-to-end runs (default ${DEFAULT-VALUE}).")
    int submitThreads;

    @Option(names = "--e2e-batches", defaultValue = "4", description = "Batches streamed per end-to-end round, "
            + "so that filling, kernels and delivery overlap (default ${DEFAULT-VALUE}).")
    int e2eBatches;

    @Option(names = "--list-devices", description = "List OpenCL devices and exit.")
    boolean listDevices;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (listDevices) {
            for (ClDevice d : ClDevice.list()) {
                out.println(d + " — " + d.version() + (d.hostUnifiedMemory() ? ", unified memory" : ""));
            }
            return 0;
        }
        Args.between("--batch-mib", batchMib, 1, 4096);
        opt.check();
        Args.threads("--submit-threads", submitThreads, 1);
        Args.atLeast("--e2e-batches", e2eBatches, 1);
        ClDevice dev = ClDevice.select(opt.device); // first: a missing device fails before minutes of CPU baseline
        int pages = batchMib * 256;
        byte[] data = load(pages);
        int cores = opt.cores();
        ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = om.createObjectNode();
        root.put("pages", pages).put("bytes", (long) pages * PAGE);

        // CPU baseline
        LZ4Compressor lz4 = LZ4Factory.fastestInstance().fastCompressor();
        long cpuBytes = 0;
        byte[] buf = new byte[lz4.maxCompressedLength(PAGE)];
        long cpuStored = 0;
        for (int p = 0; p < pages; p++) {
            int n = lz4.compress(data, p * PAGE, PAGE, buf, 0, buf.length);
            cpuBytes += n;
            cpuStored += n >= PAGE ? PAGE : n;
        }
        double[] cpu1 = cpuRounds(data, pages, 1);
        double[] cpuN = cpuRounds(data, pages, cores);
        out.printf("pages: %,d (%d MiB), lz4-java ratio %.3f%n", pages, batchMib, (double) pages * PAGE / cpuBytes);
        out.printf("%-28s %10s %10s %12s%n", "path", "GB/s", "vs CPU-N", "CPU s/GiB");
        out.printf("%-28s %10.2f %10.2f %12.3f%n", "lz4-java, 1 thread", cpu1[0], cpu1[0] / cpuN[0], cpu1[1]);
        out.printf("%-28s %10.2f %10.2f %12.3f%n", "lz4-java, " + cores + " threads", cpuN[0], 1.0, cpuN[1]);
        ObjectNode cpuNode = root.putObject("cpu");
        cpuNode.put("threads", cores).put("compressedBytes", cpuBytes).put("gbps1", cpu1[0]).put("gbpsN", cpuN[0])
                .put("cpuSecPerGiB1", cpu1[1]).put("cpuSecPerGiBN", cpuN[1]);

        root.put("device", dev.toString()).put("deviceVersion", dev.version());
        out.println("device: " + dev + ", transfer " + transfer + ", work-group " + workGroup);
        ArrayNode kNodes = root.putArray("kernels");
        double[] kernelGbps = new double[KernelKind.values().length];
        try (Lz4Program program = new Lz4Program(dev, workGroup)) {
            for (String k : opt.kernels) {
                KernelKind kind = KernelKind.parse(k);
                GpuCompressorConfig cfg = GpuCompressorConfig.defaults().withKernel(kind).withBatchPages(pages)
                        .withQuota(opt.maxGroups, opt.slicePages).withWorkGroupSize(workGroup).withTransfer(transfer);
                Sizes sizes = new Sizes();
                long bad = verifyRound(cfg.withBuffers(2).withVerify(true), program, data, pages, sizes);
                double[] kernelOnly = new double[opt.rounds];
                double[] e2e = new double[opt.rounds];
                double[] hostCpu = new double[opt.rounds];
                double[] e2eRegion = new double[opt.rounds];
                double[] hostCpuRegion = new double[opt.rounds];
                for (int r = 0; r < opt.rounds; r++) {
                    kernelOnly[r] = timedRound(cfg.withBuffers(2), program, data, pages, 1, false)[1];
                    double[] t = timedRound(cfg.withBuffers(3), program, data, pages, e2eBatches, false);
                    e2e[r] = t[0];
                    hostCpu[r] = t[2];
                    t = timedRound(cfg.withBuffers(3), program, data, pages, e2eBatches, true);
                    e2eRegion[r] = t[0];
                    hostCpuRegion[r] = t[2];
                }
                double ko = Units.median(kernelOnly);
                double ee = Units.median(e2e);
                double hc = Units.median(hostCpu);
                double eeR = Units.median(e2eRegion);
                double hcR = Units.median(hostCpuRegion);
                kernelGbps[kind.ordinal()] = ko;
                double sizeVsCpu = (double) sizes.stored / cpuStored;
                out.printf("%-28s %10.2f %10.2f %12s%n", kind.id() + " kernel only", ko, ko / cpuN[0], "-");
                out.printf("%-28s %10.2f %10.2f %12.3f%n", kind.id() + " end to end, heap pages", ee, ee / cpuN[0], hc);
                out.printf("%-28s %10.2f %10.2f %12.3f%n", kind.id() + " end to end, region", eeR, eeR / cpuN[0], hcR);
                // compressed-only: the pages that are neither same-filled nor incompressible (none: "-")
                out.printf("  %s: stored bytes vs lz4-java %.4f (compressed-only %s), host CPU %.2f%% of "
                        + "lz4-java's (region pages: %.2f%%), %,d device pages verified, %d mismatches/fallbacks%n",
                        kind.id(), sizeVsCpu, sizes.cpuCompressedSamePages == 0 ? "-" : String.format(java.util.Locale.ROOT,
                                "%.4f", (double) sizes.compressed / sizes.cpuCompressedSamePages),
                        100 * hc / cpu1[1], 100 * hcR / cpu1[1], pages, bad);
                ObjectNode kn = kNodes.addObject();
                kn.put("kernel", kind.id()).put("kernelOnlyGbps", ko).put("endToEndGbps", ee)
                        .put("endToEndVsCpuN", ee / cpuN[0]).put("hostCpuSecPerGiB", hc)
                        .put("hostCpuVsLz4", hc / cpu1[1]).put("endToEndRegionGbps", eeR)
                        .put("endToEndRegionVsCpuN", eeR / cpuN[0]).put("hostCpuRegionSecPerGiB", hcR)
                        .put("hostCpuRegionVsLz4", hcR / cpu1[1]).putPOJO("endToEndRegionRounds", e2eRegion)
                        .putPOJO("hostCpuRegionRounds", hostCpuRegion).putPOJO("hostCpuRounds", hostCpu)
                        .put("storedBytes", sizes.stored)
                        .put("storedVsLz4", sizeVsCpu).put("verifyFailures", bad)
                        .putPOJO("kernelOnlyRounds", kernelOnly).putPOJO("endToEndRounds", e2e);
            }
        }
        GpuBenchOptions.coopVsWi(out, root, kernelGbps);
        out.flush();
        if (opt.json != null) {
            om.writeValue(opt.json.toFile(), root);
        }
        return 0;
    }

    private byte[] load(int pages) throws Exception {
        return PageInput.loadPages(opt.inputs, pages);
    }

    /** lz4-java JNI fast compression of all pages on {@code nThreads} threads. @return {GB/s, CPU s/GiB} */
    private double[] cpuRounds(byte[] data, int pages, int nThreads) throws Exception {
        return opt.cpuRounds(nThreads, pages, () -> {
            LZ4Compressor c = LZ4Factory.fastestInstance().fastCompressor();
            byte[] b = new byte[c.maxCompressedLength(PAGE)];
            return (from, to) -> {
                long s = 0;
                for (int p = from; p < to; p++) {
                    s += c.compress(data, p * PAGE, PAGE, b, 0, b.length);
                }
                return s;
            };
        });
    }

    private static final class Sizes {
        long stored;
        long compressed;
        long cpuCompressedSamePages;
    }

    private long verifyRound(GpuCompressorConfig cfg, Lz4Program program, byte[] data, int pages, Sizes sizes) {
        LongAdder bad = new LongAdder();
        AtomicLong stored = new AtomicLong();
        AtomicLong comp = new AtomicLong();
        AtomicLong cpuSame = new AtomicLong();
        LZ4SafeDecompressor dec = LZ4Factory.fastestInstance().safeDecompressor();
        ThreadLocal<LZ4Compressor> ref = ThreadLocal.withInitial(() -> LZ4Factory.fastestInstance().fastCompressor());
        try (AsyncGpuCompressor gpu = new AsyncGpuCompressor(cfg, program, (token, r) -> {
            int p = (int) token;
            if (!r.onDevice()) {
                bad.increment();
            }
            switch (r.kind()) {
                case SAME -> { }
                case INCOMPRESSIBLE -> stored.addAndGet(PAGE);
                case COMPRESSED -> {
                    stored.addAndGet(r.length());
                    comp.addAndGet(r.length());
                    byte[] b = new byte[PAGE + PAGE / 255 + 16];
                    cpuSame.addAndGet(ref.get().compress(data, p * PAGE, PAGE, b, 0, b.length));
                    byte[] o = new byte[PAGE];
                    if (dec.decompress(r.data(), 0, r.length(), o, 0, PAGE) != PAGE
                            || !Arrays.equals(o, 0, PAGE, data, p * PAGE, p * PAGE + PAGE)) {
                        bad.increment();
                    }
                }
            }
        })) {
            for (int p = 0; p < pages; p++) {
                gpu.submit(p, data, p * PAGE);
            }
            gpu.drain();
            bad.add(gpu.stats().fallbacks().get(AsyncGpuCompressor.Fallback.VERIFY_FAILED));
        }
        sizes.stored = stored.get();
        sizes.compressed = comp.get();
        sizes.cpuCompressedSamePages = cpuSame.get();
        return bad.sum();
    }

    /** @return {end-to-end GB/s, kernel-only GB/s, host CPU s/GiB} */
    private double[] timedRound(GpuCompressorConfig cfg, Lz4Program program, byte[] data, int pages, int times,
            boolean region) throws Exception {
        LongAdder sink = new LongAdder();
        int nt = submitThreads; // checked >= 1 in call()
        ExecutorService submitters = Executors.newFixedThreadPool(nt);
        try (AsyncGpuCompressor gpu = new AsyncGpuCompressor(cfg, program, (token, r) -> sink.add(r.length()));
             dev.gmc.kernels.PageRegion pr = region ? gpu.allocateRegion(pages) : null) {
            if (pr != null) { // the pages live in device-visible memory before the round, as a graphics buffer's do
                for (int p = 0; p < pages; p++) {
                    pr.put(p, data, p * PAGE);
                }
            }
            long c0 = totalCpu();
            long t0 = System.nanoTime();
            List<Future<?>> fs = new ArrayList<>();
            if (pr != null) {
                for (int k = 0; k < times; k++) {
                    gpu.submitRegion(pr, 0, pages, (long) k * pages);
                }
            } else {
                for (int t = 0; t < nt; t++) {
                    int first = t;
                    fs.add(submitters.submit(() -> {
                        for (int k = 0; k < times; k++) {
                            for (int p = first; p < pages; p += nt) {
                                gpu.submit((long) k * pages + p, data, p * PAGE);
                            }
                        }
                    }));
                }
            }
            for (Future<?> f : fs) {
                f.get();
            }
            gpu.drain();
            long dt = System.nanoTime() - t0;
            long cpu = totalCpu() - c0;
            double bytes = (double) pages * PAGE * times;
            var st = gpu.stats();
            return new double[] {bytes / dt, st.kernelNanos() > 0 ? bytes / st.kernelNanos() : 0,
                    cpu / 1e9 / (bytes / (1L << 30))};
        } finally {
            submitters.shutdown();
        }
    }

    /** CPU time of all live JVM threads, in nanoseconds. */
    static long totalCpu() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long s = 0;
        for (long id : mx.getAllThreadIds()) {
            long t = mx.getThreadCpuTime(id);
            if (t > 0) {
                s += t;
            }
        }
        return s;
    }

}
