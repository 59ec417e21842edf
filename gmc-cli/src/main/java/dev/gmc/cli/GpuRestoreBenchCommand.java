package dev.gmc.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gmc.core.store.SameFilled;
import dev.gmc.kernels.ClDevice;
import dev.gmc.kernels.GpuRestorer;
import dev.gmc.kernels.KernelKind;
import dev.gmc.kernels.Lz4Program;
import dev.gmc.kernels.PageRegion;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gmc gpu-restore-bench}: batch restore (LZ4 decompression of whole buffers' pages) on an OpenCL device against
 * lz4-java's safe decompressor on the CPU, on the LZ4 blocks of realistic pages.
 *
 * <p>Method: the pages are loaded, same-filled pages dropped (a store restores them by filling, not decoding), and
 * the rest compressed once with lz4-java; pages whose block exceeds 4096 bytes are dropped too (a store keeps them
 * raw). CPU baseline: lz4-java's safe decompressor, 1 thread and all cores. Device: one verification round (every
 * restored page compared with its original), then timed rounds: kernel-only = bytes / the kernels' event time;
 * end-to-end = bytes / wall time of {@code --host-threads} threads, each with its own restorer and queue, restoring
 * its share in batches of {@code --batch-pages} from blocks on the Java heap into pages on the Java heap (packing,
 * DMA both ways and the copy out included), and again into a {@link PageRegion} holding all the pages (host-visible
 * memory, as a graphics buffer's pages are: the device's output goes there by DMA, no host copy); kernel-only is taken from a separate one-thread pass, so that kernels of
 * two threads never overlap in the sum. Host CPU = CPU time of all JVM threads per GiB restored. Medians.
 */
@Command(name = "gpu-restore-bench", mixinStandardHelpOptions = true,
        description = "Benchmark batch restore (LZ4 decompression) on an OpenCL device against lz4-java on all CPU cores.")
final class GpuRestoreBenchCommand implements Callable<Integer> {
    static final int PAGE = 4096;

    @Spec
    CommandSpec spec;

    @Mixin
    GpuBenchOptions opt = new GpuBenchOptions();

    @Option(names = "--mib", defaultValue = "64", description = "Pages loaded, in MiB (default ${DEFAULT-VALUE}).")
    int mib;

    @Option(names = "--batch-pages", defaultValue = "4096", description = "Pages per device batch (default ${DEFAULT-VALUE}).")
    int batchPages;

    @Option(names = "--host-threads", defaultValue = "2", description = "Host threads, each with its own restorer, "
            + "so that one batch's transfers overlap another's kernel (default ${DEFAULT-VALUE}).")
    int hostThreads;

    /** The benchmark's blocks: block i restores page source[i] of the loaded data. */
    private byte[] data;
    private byte[] blocks;
    private int[] offsets;
    private int[] lengths;
    private int[] source;
    private int count;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Args.between("--mib", mib, 1, 4096);
        Args.between("--batch-pages", batchPages, 1, 1 << 18);
        Args.between("--host-threads", hostThreads, 1, 64);
        opt.check();
        ClDevice dev = ClDevice.select(opt.device); // first: a missing device fails before the CPU baseline
        int pages = mib * 256;
        data = PageInput.loadPages(opt.inputs, pages);
        int same = prepare(pages);
        int cores = opt.cores();
        long bytes = (long) count * PAGE;
        ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = om.createObjectNode();
        root.put("batchPages", batchPages).put("hostThreads", hostThreads).put("slicePages", opt.slicePages)
                .put("maxGroups", opt.maxGroups);
        root.put("pagesLoaded", pages).put("sameFilledDropped", same).put("incompressibleDropped", pages - same - count)
                .put("pages", count).put("bytes", bytes).put("blockBytes", offsets[count - 1] + lengths[count - 1]);
        out.printf("pages: %,d restored of %,d loaded (%,d same-filled and %,d incompressible dropped), LZ4 ratio %.3f%n",
                count, pages, same, pages - same - count, (double) bytes / (offsets[count - 1] + lengths[count - 1]));

        double[] cpu1 = cpuRounds(1);
        double[] cpuN = cpuRounds(cores);
        out.printf("%-30s %10s %10s %12s%n", "path", "GB/s", "vs CPU-N", "CPU s/GiB");
        out.printf("%-30s %10.2f %10.2f %12.3f%n", "lz4-java safe, 1 thread", cpu1[0], cpu1[0] / cpuN[0], cpu1[1]);
        out.printf("%-30s %10.2f %10.2f %12.3f%n", "lz4-java safe, " + cores + " threads", cpuN[0], 1.0, cpuN[1]);
        root.putObject("cpu").put("threads", cores).put("gbps1", cpu1[0]).put("gbpsN", cpuN[0])
                .put("cpuSecPerGiB1", cpu1[1]).put("cpuSecPerGiBN", cpuN[1]);

        root.put("device", dev.toString()).put("deviceVersion", dev.version());
        out.println("device: " + dev + ", batches of " + batchPages + " pages, " + hostThreads + " host threads"
                + (opt.slicePages > 0 ? ", slices of " + opt.slicePages + " pages" : "")
                + (opt.maxGroups > 0 ? ", at most " + opt.maxGroups + " work-groups a launch" : ""));
        ArrayNode kNodes = root.putArray("kernels");
        double[] kernelGbps = new double[KernelKind.values().length];
        try (Lz4Program program = new Lz4Program(dev, 64)) {
            for (String k : opt.kernels) {
                KernelKind kind = KernelKind.parse(k);
                long mismatches = verifyRound(program, kind);
                double[] ko = new double[opt.rounds];
                double[] e2e = new double[opt.rounds];
                double[] host = new double[opt.rounds];
                double[] e2eRegion = new double[opt.rounds];
                double[] hostRegion = new double[opt.rounds];
                try (GpuRestorer owner = new GpuRestorer(program, kind, 1);
                     PageRegion region = owner.allocateRegion(count)) {
                    for (int r = 0; r < opt.rounds; r++) {
                        ko[r] = timedRound(program, kind, 1, null)[1]; // one batch in flight: no overlap in the sum
                        double[] t = timedRound(program, kind, hostThreads, null);
                        e2e[r] = t[0];
                        host[r] = t[2];
                        t = timedRound(program, kind, hostThreads, region);
                        e2eRegion[r] = t[0];
                        hostRegion[r] = t[2];
                    }
                    mismatches += compare(region);
                }
                double kom = Units.median(ko);
                double eem = Units.median(e2e);
                double hm = Units.median(host);
                double eemR = Units.median(e2eRegion);
                double hmR = Units.median(hostRegion);
                kernelGbps[kind.ordinal()] = kom;
                out.printf("%-30s %10.2f %10.2f %12s%n", kind.id() + " kernel only", kom, kom / cpuN[0], "-");
                out.printf("%-30s %10.2f %10.2f %12.3f%n", kind.id() + " end to end, heap pages", eem, eem / cpuN[0], hm);
                out.printf("%-30s %10.2f %10.2f %12.3f%n", kind.id() + " end to end, region", eemR, eemR / cpuN[0], hmR);
                out.printf("  %s: %,d pages verified (heap and region), %d mismatches or fallbacks%n", kind.id(), count,
                        mismatches);
                kNodes.addObject().put("kernel", kind.id()).put("kernelOnlyGbps", kom).put("endToEndGbps", eem)
                        .put("endToEndVsCpuN", eem / cpuN[0]).put("kernelOnlyVsCpuN", kom / cpuN[0])
                        .put("hostCpuSecPerGiB", hm).put("endToEndRegionGbps", eemR)
                        .put("endToEndRegionVsCpuN", eemR / cpuN[0]).put("hostCpuRegionSecPerGiB", hmR)
                        .put("verifyFailures", mismatches).putPOJO("kernelOnlyRounds", ko)
                        .putPOJO("endToEndRounds", e2e).putPOJO("hostCpuRounds", host)
                        .putPOJO("endToEndRegionRounds", e2eRegion).putPOJO("hostCpuRegionRounds", hostRegion);
            }
        }
        GpuBenchOptions.coopVsWi(out, root, kernelGbps);
        out.flush();
        if (opt.json != null) {
            om.writeValue(opt.json.toFile(), root);
        }
        return 0;
    }

    /** Compresses the restorable pages into packed blocks. @return the number of same-filled pages dropped */
    private int prepare(int pages) {
        LZ4Compressor lz4 = LZ4Factory.fastestInstance().fastCompressor();
        byte[] buf = new byte[lz4.maxCompressedLength(PAGE)];
        byte[] packed = new byte[pages * PAGE];
        offsets = new int[pages];
        lengths = new int[pages];
        source = new int[pages];
        int at = 0;
        int same = 0;
        for (int p = 0; p < pages; p++) {
            if (SameFilled.test(data, p * PAGE)) {
                same++;
                continue;
            }
            int n = lz4.compress(data, p * PAGE, PAGE, buf, 0, buf.length);
            if (n > PAGE) {
                continue;
            }
            System.arraycopy(buf, 0, packed, at, n);
            offsets[count] = at;
            lengths[count] = n;
            source[count++] = p;
            at += n;
        }
        if (count == 0) {
            throw new IllegalArgumentException("none of the " + pages + " pages loaded needs decoding (" + same
                    + " same-filled, " + (pages - same) + " incompressible): nothing to restore; try --input or a larger --mib");
        }
        blocks = Arrays.copyOf(packed, at);
        return same;
    }

    /** lz4-java's safe decompressor (JNI) over all blocks on {@code nThreads} threads. @return {GB/s, CPU s/GiB} */
    private double[] cpuRounds(int nThreads) throws Exception {
        return opt.cpuRounds(nThreads, count, () -> {
            LZ4SafeDecompressor d = LZ4Factory.fastestInstance().safeDecompressor();
            byte[] page = new byte[PAGE];
            return (from, to) -> {
                long s = 0;
                for (int i = from; i < to; i++) {
                    s += d.decompress(blocks, offsets[i], lengths[i], page, 0, PAGE);
                }
                return s;
            };
        });
    }

    /** Restores every block once and compares every page with its original. @return mismatches + fallbacks */
    private long verifyRound(Lz4Program program, KernelKind kind) {
        long bad = 0;
        int cap = Math.min(batchPages, count);
        byte[] dst = new byte[cap * PAGE];
        try (GpuRestorer r = restorer(program, kind, cap)) {
            for (int first = 0; first < count; first += cap) {
                int n = Math.min(cap, count - first);
                GpuRestorer.Report rep = r.restore(blocks, Arrays.copyOfRange(offsets, first, first + n),
                        Arrays.copyOfRange(lengths, first, first + n), n, dst, 0);
                bad += rep.cpuFallbacks() + rep.corrupt();
                for (int i = 0; i < n; i++) {
                    int p = source[first + i];
                    if (!Arrays.equals(dst, i * PAGE, i * PAGE + PAGE, data, p * PAGE, p * PAGE + PAGE)) {
                        bad++;
                    }
                }
            }
        }
        return bad;
    }

    private GpuRestorer restorer(Lz4Program program, KernelKind kind, int cap) {
        return new GpuRestorer(program, kind, cap, false, dev.gmc.kernels.FaultInjector.NONE,
                new GpuRestorer.Fairness(opt.slicePages, opt.maxGroups, () -> false));
    }

    /** Compares every page of the region (block i restored into page i) with its original. */
    private long compare(PageRegion region) {
        long bad = 0;
        byte[] page = new byte[PAGE];
        for (int i = 0; i < count; i++) {
            region.get(i, page, 0);
            int p = source[i];
            if (!Arrays.equals(page, 0, PAGE, data, p * PAGE, p * PAGE + PAGE)) {
                bad++;
            }
        }
        return bad;
    }

    /**
     * One pass over all blocks by {@code nt} threads, into heap pages or, if {@code region} is not null, into the
     * region (block i into page i). @return {end-to-end GB/s, kernel-only GB/s, host CPU s/GiB}
     */
    private double[] timedRound(Lz4Program program, KernelKind kind, int nt, PageRegion region) throws Exception {
        int cap = Math.min(batchPages, count);
        ExecutorService pool = Executors.newFixedThreadPool(nt);
        List<GpuRestorer> restorers = new ArrayList<>();
        try {
            for (int t = 0; t < nt; t++) {
                restorers.add(restorer(program, kind, cap));
            }
            long c0 = GpuBenchCommand.totalCpu();
            long t0 = System.nanoTime();
            List<Future<Long>> fs = new ArrayList<>();
            for (int t = 0; t < nt; t++) {
                GpuRestorer r = restorers.get(t);
                int tt = t;
                fs.add(pool.submit(() -> {
                    byte[] dst = region == null ? new byte[cap * PAGE] : null;
                    long kernelNanos = 0;
                    // batches dealt round-robin to the threads
                    for (int first = tt * cap; first < count; first += nt * cap) {
                        int n = Math.min(cap, count - first);
                        int[] o = Arrays.copyOfRange(offsets, first, first + n);
                        int[] l = Arrays.copyOfRange(lengths, first, first + n);
                        kernelNanos += (region == null ? r.restore(blocks, o, l, n, dst, 0)
                                : r.restoreInto(blocks, o, l, n, region, first)).kernelNanos();
                    }
                    return kernelNanos;
                }));
            }
            long kernelNanos = 0;
            for (Future<Long> f : fs) {
                kernelNanos += f.get();
            }
            long dt = System.nanoTime() - t0;
            long cpu = GpuBenchCommand.totalCpu() - c0;
            double bytes = (double) count * PAGE;
            return new double[] {bytes / dt, kernelNanos > 0 ? bytes / kernelNanos : 0, cpu / 1e9 / (bytes / (1L << 30))};
        } finally {
            pool.shutdown();
            for (GpuRestorer r : restorers) {
                r.close();
            }
        }
    }
}
