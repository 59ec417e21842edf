package dev.gmc.cli;

import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.pool.SizeClassTable;
import dev.gmc.core.store.IncompressiblePolicy;
import dev.gmc.core.store.StoreConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gmc measure-bench}: throughput of the measure pipeline (read, same-filled check, compress and count with
 * zram's accounting on N threads) against raw single-thread lz4-java compression of the same pages.
 */
@Command(name = "measure-bench", mixinStandardHelpOptions = true,
        description = "Throughput of 'gmc measure' (in-memory input, lz4) on N threads vs N x single-thread raw "
                + "lz4-java compression of the same pages.")
final class MeasureBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--input", split = ",", description = "Files or directories of pages; default: samples/ and "
            + "gmc-core's real-memory golden mix.")
    List<Path> inputs;

    @Option(names = "--pages", defaultValue = "32768", description = "Pages (default: ${DEFAULT-VALUE}).")
    int pages;

    @Option(names = "--threads", defaultValue = "2", description = "Threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--algo", defaultValue = "lz4", description = "Codec (default: ${DEFAULT-VALUE}).")
    String algo;

    @Option(names = "--rounds", defaultValue = "5", description = "Measured rounds after one warm-up.")
    int rounds;

    @Override
    public Integer call() throws Exception {
        Args.atLeast("--pages", pages, 1);
        Args.threads("--threads", threads, 1);
        Args.atLeast("--rounds", rounds, 1);
        byte[] data = PageInput.loadPages(inputs, pages);
        PrintWriter out = spec.commandLine().getOut();
        LZ4Compressor lz4 = LZ4Factory.fastestInstance().fastCompressor();
        byte[] comp = new byte[lz4.maxCompressedLength(4096)];
        CodecSpec codec = CodecSpec.parse(algo);
        double[] raw = new double[rounds];
        double[] meas = new double[rounds];
        double[] par = new double[rounds];
        for (int r = 0; r <= rounds; r++) {
            long t0 = System.nanoTime();
            long sink = 0;
            for (int p = 0; p < pages; p++) {
                sink += lz4.compress(data, p * 4096, 4096, comp, 0, comp.length);
            }
            long rawNs = System.nanoTime() - t0;
            long parNs = rawParallel(data, pages);
            StoreConfig cfg = new StoreConfig(codec, SizeClassTable.withChain(8), IncompressiblePolicy.STORE_RAW, 0,
                    true, 0, 0);
            MeasurePipeline.Tally[] t;
            long t1 = System.nanoTime();
            try (MeasurePipeline pipe = new MeasurePipeline(List.of(codec), new StoreConfig[] {cfg}, threads)) {
                t = pipe.newTallies();
                // the in-memory pages read by position, as measure reads a plain file
                pipe.run(MeasurePipeline.positional(data.length, (pos, dst, n) -> System.arraycopy(data, (int) pos, dst, 0,
                        n), null, () -> { }), t, new Progress(spec.commandLine().getErr(), 0));
            }
            long measNs = System.nanoTime() - t1;
            if (sink == 0 || t[0].pages != pages) {
                throw new IllegalStateException("measured " + t[0].pages + " of " + pages + " pages");
            }
            if (r > 0) {
                raw[r - 1] = data.length / (double) rawNs;
                meas[r - 1] = data.length / (double) measNs;
                par[r - 1] = data.length / (double) parNs;
            }
        }
        double rawMed = Units.median(raw);
        double measMed = Units.median(meas);
        out.printf(Locale.ROOT, "%d pages (%s), %s, %d threads, medians of %d rounds%n", pages,
                Units.bytes(data.length), algo, threads, rounds);
        out.printf(Locale.ROOT, "  raw lz4-java, 1 thread            %8.3f GB/s%n", rawMed);
        double parMed = Units.median(par);
        out.printf(Locale.ROOT, "  raw lz4-java, %d threads in parallel %6.3f GB/s = %.2fx of %d x raw (what this "
                + "machine's cores give)%n", threads, parMed, parMed / (threads * rawMed), threads);
        out.printf(Locale.ROOT, "  gmc measure pipeline, %d threads   %8.3f GB/s = %.2fx of %d x raw, %.2fx of raw "
                + "in parallel%n", threads, measMed, measMed / (threads * rawMed), threads, measMed / parMed);
        out.flush();
        return 0;
    }

    /** Raw lz4-java on {@code threads} threads, each compressing its own share of the pages; wall time in ns. */
    private long rawParallel(byte[] data, int pages) throws InterruptedException {
        Thread[] ts = new Thread[threads];
        long[] sinks = new long[threads];
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        for (int i = 0; i < threads; i++) {
            int id = i;
            ts[i] = new Thread(() -> {
                LZ4Compressor c = LZ4Factory.fastestInstance().fastCompressor();
                byte[] out = new byte[c.maxCompressedLength(4096)];
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int p = id; p < pages; p += threads) {
                    sinks[id] += c.compress(data, p * 4096, 4096, out, 0, out.length);
                }
            });
            ts[i].start();
        }
        long t0 = System.nanoTime();
        go.countDown();
        for (Thread t : ts) {
            t.join();
        }
        long ns = System.nanoTime() - t0;
        for (long s : sinks) {
            if (s == 0) {
                throw new IllegalStateException("a raw thread compressed nothing");
            }
        }
        return ns;
    }

}
