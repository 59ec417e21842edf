package dev.gmc.bench;

import static dev.gmc.bench.Medians.max;
import static dev.gmc.bench.Medians.median;
import static dev.gmc.bench.Medians.min;

import dev.gmc.driver.AbstractGmcDriver;
import dev.gmc.driver.Buffer;
import dev.gmc.driver.BufferType;
import dev.gmc.driver.DriverConfig;
import dev.gmc.driver.GpuContext;
import dev.gmc.driver.MidgardDriver;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * CPU fault restores from N threads at once, each on its own buffer in its own process and GPU context (so the
 * threads share only the driver, the page store and physical memory), against the same N threads decompressing the
 * same pages raw. What {@code gmc fault-bench --threads N --buffers apart} measures, but with one driver kept across
 * the rounds and phases long enough to time (fault-bench builds a new driver, heap and all, every round, and its
 * parallel phase lasts tens of milliseconds at 16 threads), so that the rounds can be compared with each other.
 *
 * <p>Each round: every thread compresses its own buffer (not timed), then, after a barrier, faults every page of it
 * back with a one-byte CPU read, in a shuffled order; the wall time until the last thread ends is charged. The raw
 * phase decompresses the same pages with lz4-java's safe decompressor. After the rounds every buffer is compared
 * with its original page by page and the driver's invariants are checked.
 *
 * <p>Run from the repository root: {@code java -Xmx12g -cp gmc-bench/target/gmc-bench.jar dev.gmc.bench.FaultThreads
 * [rounds] [threads,…] [pages per thread] [dataset]} (default: 9 rounds, 1, 2, 4, … below the cores and the cores, 16384 pages,
 * samples).
 */
public final class FaultThreads {
    private static final int PAGE = 4096;

    private FaultThreads() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        int cores = Runtime.getRuntime().availableProcessors();
        int[] threads = BenchArgs.threadCounts(args, 1);
        int perThread = args.length > 2 ? Integer.parseInt(args[2]) : 16384;
        String dataset = args.length > 3 ? args[3] : "samples";
        // Only pages the store keeps compressed, so that every fault restores (refused pages stay resident).
        int threshold = DriverConfig.defaults().store().threshold();
        LZ4Compressor lz4 = LZ4Factory.nativeInstance().fastCompressor();
        byte[] c = new byte[lz4.maxCompressedLength(PAGE)];
        byte[][] pages = Arrays.stream(Datasets.load(dataset))
                .filter(p -> lz4.compress(p, 0, PAGE, c, 0, c.length) < threshold).toArray(byte[][]::new);
        System.out.printf("FaultThreads: %d rounds, %d pages a thread of %s (%d distinct, compressible), %d cores%n", rounds,
                perThread, dataset, pages.length, cores);
        System.out.printf("%7s %14s %14s %8s %22s %12s%n", "threads", "raw pages/s", "faults pages/s", "ratio",
                "faults [min, max]", "slowest/avg");
        for (int n : threads) {
            run(n, perThread, pages, rounds);
        }
    }

    private static void run(int n, int perThread, byte[][] pages, int rounds) throws Exception {
        // Thread t's buffer holds the dataset's pages from page t*7 on, cycled: threads do not walk classes in step.
        byte[][] content = new byte[n][perThread * PAGE];
        byte[][][] comp = new byte[n][perThread][];
        LZ4Compressor lz4 = LZ4Factory.nativeInstance().fastCompressor();
        for (int t = 0; t < n; t++) {
            for (int p = 0; p < perThread; p++) {
                byte[] src = pages[(t * 7 + p) % pages.length];
                System.arraycopy(src, 0, content[t], p * PAGE, PAGE);
                byte[] c = new byte[lz4.maxCompressedLength(PAGE)];
                int len = lz4.compress(src, 0, PAGE, c, 0, c.length);
                comp[t][p] = Arrays.copyOf(c, len);
            }
        }
        long ram = (long) n * perThread * PAGE * 5 / 4 + (64L << 20);
        DriverConfig cfg = DriverConfig.defaults().withPoisonOnFree(false).withRam(ram);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        double[] raw = new double[rounds];
        double[] faults = new double[rounds];
        double[] skew = new double[rounds];
        try (AbstractGmcDriver d = new MidgardDriver(cfg)) {
            Buffer[] bufs = new Buffer[n];
            long[] vas = new long[n];
            for (int t = 0; t < n; t++) {
                d.createProcess(100 + t, "bench-" + t);
                GpuContext ctx = d.createContext(100 + t);
                bufs[t] = d.allocate(ctx, perThread, BufferType.TEXTURE, "bench-" + t, false);
                d.upload(bufs[t], content[t], 0);
                vas[t] = d.mapCpu(bufs[t], 100 + t);
            }
            for (int round = -2; round < rounds; round++) { // two warm-up rounds
                int[][] order = new int[n][]; // shuffled outside the timed phases
                for (int t = 0; t < n; t++) {
                    order[t] = shuffled(perThread, (round + 10) * 1000L + t);
                }
                long[] rawNs = inParallel(pool, n, null, t -> {
                    LZ4SafeDecompressor dec = LZ4Factory.nativeInstance().safeDecompressor();
                    byte[] back = new byte[PAGE];
                    for (int p : order[t]) {
                        dec.decompress(comp[t][p], 0, comp[t][p].length, back, 0, PAGE);
                    }
                });
                long[] faultNs = inParallel(pool, n, t -> {
                    var r = d.compress(bufs[t]);
                    if (r.stored() != perThread) {
                        throw new IllegalStateException("thread " + t + ": expected all pages stored, got " + r);
                    }
                }, t -> {
                    byte[] one = new byte[1];
                    for (int p : order[t]) {
                        d.cpuRead(100 + t, vas[t] + (long) p * PAGE, one, 0, 1);
                    }
                });
                if (round >= 0) {
                    raw[round] = (double) n * perThread * 1e9 / rawNs[0];
                    faults[round] = (double) n * perThread * 1e9 / faultNs[0];
                    double sum = 0;
                    for (int t = 1; t <= n; t++) {
                        sum += faultNs[t];
                    }
                    skew[round] = faultNs[0] / (sum / n);
                }
            }
            byte[] page = new byte[PAGE];
            for (int t = 0; t < n; t++) {
                for (int p = 0; p < perThread; p++) {
                    d.peek(bufs[t], p, page, 0);
                    if (!Arrays.equals(page, 0, PAGE, content[t], p * PAGE, (p + 1) * PAGE)) {
                        throw new IllegalStateException("thread " + t + ", page " + p + " differs after restore");
                    }
                }
            }
            d.checkInvariants();
        } finally {
            pool.shutdownNow();
        }
        System.out.printf("%7d %,14.0f %,14.0f %7.2fx   [%,9.0f, %,9.0f] %11.2f%n", n, median(raw), median(faults),
                median(faults) / median(raw), min(faults), max(faults), median(skew));
    }

    @FunctionalInterface
    private interface Share {
        void run(int thread) throws Exception;
    }

    /**
     * Runs {@code before} (untimed) and then, after a barrier, {@code timed} on each of n threads; returns the wall
     * time from the barrier to the last thread's end, then each thread's own time.
     */
    private static long[] inParallel(ExecutorService pool, int n, Share before, Share timed) throws Exception {
        long[] start = new long[1];
        long[] times = new long[n + 1];
        long[] ends = new long[n];
        CyclicBarrier go = new CyclicBarrier(n, () -> start[0] = System.nanoTime());
        List<Future<Object>> fs = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            int me = t;
            Callable<Object> c = () -> {
                if (before != null) {
                    before.run(me);
                }
                go.await();
                timed.run(me);
                ends[me] = System.nanoTime();
                return null;
            };
            fs.add(pool.submit(c));
        }
        for (Future<Object> f : fs) {
            f.get();
        }
        long last = 0;
        for (int t = 0; t < n; t++) {
            last = Math.max(last, ends[t]);
            times[t + 1] = ends[t] - start[0];
        }
        times[0] = last - start[0];
        return times;
    }

    private static int[] shuffled(int n, long seed) {
        List<Integer> l = new ArrayList<>(IntStream.range(0, n).boxed().toList());
        Collections.shuffle(l, new Random(seed));
        return l.stream().mapToInt(Integer::intValue).toArray();
    }
}
