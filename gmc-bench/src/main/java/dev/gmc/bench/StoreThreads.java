package dev.gmc.bench;

import static dev.gmc.bench.Medians.max;
import static dev.gmc.bench.Medians.median;
import static dev.gmc.bench.Medians.min;

import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.store.PageStore;
import dev.gmc.core.store.StoreConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * Many threads on <em>one</em> {@link PageStore}: aggregate pages/s of the store and read paths against the same
 * number of threads doing raw lz4-java work, in paired rounds (as {@link StorePathPaired}, whose variants these
 * are). It measures what the per-class locks cost when writers, freers and readers share one pool.
 *
 * <p>For each thread count N, N worker threads run each variant together (a barrier starts them; the wall time
 * until the last one finishes is charged), each on its own copy of the page sequence starting at a different page,
 * so threads do not walk the size classes in step:
 * <ul>
 *   <li>{@code raw}: lz4-java JNI {@code fastCompressor()} into a private buffer — the baseline, which scales with
 *       cores because it shares nothing;</li>
 *   <li>{@code storeRing}: each thread frees its oldest page and stores the next into the shared store, which holds
 *       4 copies of the dataset per thread (steady state);</li>
 *   <li>{@code ownRing}: the same with blocks compressed beforehand ({@link PageStore#storeCompressed}): only gmc's
 *       own work, so lock contention is not diluted by compression;</li>
 *   <li>{@code rawDecompress} and {@code load}: lz4-java's safe decompressor against {@link PageStore#load} of the
 *       same pages from one shared store.</li>
 * </ul>
 * After the rounds every thread reloads its ring and compares each page with the original, and the store's
 * invariants are checked: a benchmark of a store that mixed up pages would report nothing.
 *
 * <p>Run from the repository root: {@code java -Xmx6g -Xms6g -XX:+AlwaysPreTouch -cp gmc-bench/target/gmc-bench.jar
 * dev.gmc.bench.StoreThreads [rounds] [threads,…] [datasets…]} (default: 11 rounds, 1, 2, 4, … up to the cores).
 */
public final class StoreThreads {
    private static final int PAGE = 4096;
    private static final String[] NAMES = {"raw", "storeRing", "ownRing", "rawDecompress", "load"};

    private StoreThreads() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 11;
        int cores = Runtime.getRuntime().availableProcessors();
        int[] threads = BenchArgs.threadCounts(args, 1);
        String[] sets = args.length > 2 ? Arrays.copyOfRange(args, 2, args.length) : new String[] {"samples", "real-mix"};
        System.out.printf("one shared PageStore (codec lz4), %d cores; paired rounds: %d (after 3 warm-up rounds);"
                + " median [min, max] of per-round values%n", cores, rounds);
        for (String name : sets) {
            byte[][] pages = Datasets.load(name);
            System.out.printf("%n%s: %,d pages; %s%n", name, pages.length, classShare(pages));
            System.out.printf("  %7s %12s %12s %16s %12s %12s %12s %16s%n", "threads", "raw p/s", "storeRing p/s",
                    "store/raw", "ownRing p/s", "rawDec p/s", "load p/s", "load/rawDec");
            for (int n : threads) {
                run(pages, n, rounds);
            }
        }
    }

    /**
     * How concentrated the pages are in size classes (each malloc and free takes its class's lock, so this is what
     * writers contend on): the share of objects in the busiest 1 and 5 classes.
     */
    private static String classShare(byte[][] pages) {
        try (PageStore s = new PageStore(StoreConfig.defaults().withCodec(CodecSpec.parse("lz4")))) {
            for (byte[] p : pages) {
                s.store(p, 0);
            }
            long[] inuse = s.poolStats().classes().stream().mapToLong(c -> c.objsInuse()).sorted().toArray();
            long total = Arrays.stream(inuse).sum();
            long top1 = inuse[inuse.length - 1];
            long top5 = 0;
            for (int i = 1; i <= 5 && i <= inuse.length; i++) {
                top5 += inuse[inuse.length - i];
            }
            long used = Arrays.stream(inuse).filter(x -> x > 0).count();
            return String.format("objects in %d size classes, the busiest holds %.0f %%, the busiest 5 hold %.0f %%",
                    used, 100.0 * top1 / total, 100.0 * top5 / total);
        }
    }

    private static void run(byte[][] pages, int nThreads, int rounds) throws Exception {
        int n = pages.length;
        int reps = Math.max(1, 100_000 / n); // ≈ 100k pages per thread per variant per round
        LZ4Compressor lz4 = LZ4Factory.nativeInstance().fastCompressor();
        byte[][] comp = new byte[n][];
        int[] compLen = new int[n];
        byte[] blocks = new byte[n * (PAGE + 64)];
        int[] blockAt = new int[n];
        int[] blockLen = new int[n];
        for (int i = 0, at = 0; i < n; i++) {
            comp[i] = new byte[8192];
            compLen[i] = lz4.compress(pages[i], 0, PAGE, comp[i], 0, 8192);
            blockAt[i] = at;
            blockLen[i] = compLen[i] > PAGE ? PageStore.INCOMPRESSIBLE : compLen[i];
            if (compLen[i] <= PAGE) {
                System.arraycopy(comp[i], 0, blocks, at, compLen[i]);
                at += compLen[i];
            }
        }
        StoreConfig cfg = StoreConfig.defaults().withCodec(CodecSpec.parse("lz4"));
        ExecutorService pool = Executors.newFixedThreadPool(nThreads);
        try (PageStore ring = new PageStore(cfg); PageStore own = new PageStore(cfg); PageStore reads = new PageStore(cfg)) {
            long[] readIds = new long[n];
            for (int i = 0; i < n; i++) {
                readIds[i] = reads.store(pages[i], 0);
            }
            Worker[] w = new Worker[nThreads];
            for (int t = 0; t < nThreads; t++) {
                w[t] = new Worker(pages, comp, compLen, blocks, blockAt, blockLen, readIds, t * n / nThreads, reps);
            }
            // Fill the rings from the workers' own threads (their entry caches and counters are where they will run).
            all(pool, w, x -> x.fill(ring, own));
            double[][] pps = new double[NAMES.length][rounds];
            for (int r = -3; r < rounds; r++) {
                for (int v = 0; v < NAMES.length; v++) {
                    final int variant = v;
                    long ns = all(pool, w, x -> x.run(variant, ring, own, reads));
                    if (r >= 0) {
                        pps[v][r] = (double) nThreads * reps * n * 1e9 / ns;
                    }
                }
            }
            all(pool, w, x -> x.verify(ring, own));
            ring.checkInvariants();
            own.checkInvariants();
            System.out.printf("  %7d %12s %12s %16s %12s %12s %12s %16s%n", nThreads, k(pps[0]), k(pps[1]),
                    ratio(pps[1], pps[0]), k(pps[2]), k(pps[3]), k(pps[4]), ratio(pps[4], pps[3]));
        } finally {
            pool.shutdownNow();
        }
    }

    @FunctionalInterface
    private interface Job {
        void run(Worker w) throws Exception;
    }

    /** Runs {@code job} on every worker, one per thread, all released at once; returns the wall time in ns. */
    private static long all(ExecutorService pool, Worker[] workers, Job job) throws Exception {
        long[] start = new long[1];
        CyclicBarrier go = new CyclicBarrier(workers.length, () -> start[0] = System.nanoTime());
        List<Future<Object>> done = new ArrayList<>();
        for (Worker w : workers) {
            Callable<Object> c = () -> {
                go.await(); // no thread can finish before all have started, so each runs exactly one worker
                job.run(w);
                return null;
            };
            done.add(pool.submit(c));
        }
        try {
            for (Future<Object> f : done) {
                f.get();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("worker failed: " + e.getCause(), e.getCause());
        }
        return System.nanoTime() - start[0];
    }

    /** One thread's share: its own rings of IDs in the shared stores and its own buffers. */
    private static final class Worker {
        final byte[][] pages;
        final byte[][] comp;
        final int[] compLen;
        final byte[] blocks;
        final int[] blockAt;
        final int[] blockLen;
        final long[] readIds;
        final int first;
        final int reps;
        final long[] ringIds;
        final long[] ownIds;
        final int[] ringPage;
        int ringAt;
        int ownAt;
        final byte[] out = new byte[8192];
        final byte[] back = new byte[PAGE];
        final LZ4Compressor lz4 = LZ4Factory.nativeInstance().fastCompressor();
        final LZ4SafeDecompressor lz4d = LZ4Factory.nativeInstance().safeDecompressor();
        long sink;

        Worker(byte[][] pages, byte[][] comp, int[] compLen, byte[] blocks, int[] blockAt, int[] blockLen,
               long[] readIds, int first, int reps) {
            this.pages = pages;
            this.comp = comp;
            this.compLen = compLen;
            this.blocks = blocks;
            this.blockAt = blockAt;
            this.blockLen = blockLen;
            this.readIds = readIds;
            this.first = first;
            this.reps = reps;
            this.ringIds = new long[4 * pages.length];
            this.ownIds = new long[4 * pages.length];
            this.ringPage = new int[4 * pages.length];
        }

        void fill(PageStore ring, PageStore own) {
            int n = pages.length;
            for (int j = 0; j < ringIds.length; j++) {
                int i = (first + j) % n;
                ringIds[j] = ring.store(pages[i], 0);
                ownIds[j] = own.store(pages[i], 0);
                ringPage[j] = i;
            }
        }

        void run(int variant, PageStore ring, PageStore own, PageStore reads) {
            int n = pages.length;
            for (int k = 0; k < reps; k++) {
                for (int j = 0; j < n; j++) {
                    int i = first + j < n ? first + j : first + j - n;
                    switch (variant) {
                        case 0 -> sink += lz4.compress(pages[i], 0, PAGE, out, 0, out.length);
                        case 1 -> {
                            ring.free(ringIds[ringAt]);
                            ringIds[ringAt] = ring.store(pages[i], 0);
                            ringPage[ringAt] = i;
                            ringAt = ringAt + 1 == ringIds.length ? 0 : ringAt + 1;
                        }
                        case 2 -> {
                            own.free(ownIds[ownAt]);
                            ownIds[ownAt] = own.storeCompressed(pages[i], 0, blocks, blockAt[i], blockLen[i]);
                            ownAt = ownAt + 1 == ownIds.length ? 0 : ownAt + 1;
                        }
                        case 3 -> sink += lz4d.decompress(comp[i], 0, compLen[i], back, 0, PAGE);
                        default -> reads.load(readIds[i], back, 0);
                    }
                }
            }
            sink += back[0];
        }

        /** Every page of this thread's rings must come back as it went in. */
        void verify(PageStore ring, PageStore own) {
            for (int j = 0; j < ringIds.length; j++) {
                ring.load(ringIds[j], back, 0);
                if (!Arrays.equals(back, pages[ringPage[j]])) {
                    throw new AssertionError("storeRing: page " + ringPage[j] + " came back different");
                }
            }
            // ownRing stores the pages in the same order as storeRing (same start, same count per round).
            for (int j = 0; j < ownIds.length; j++) {
                own.load(ownIds[j], back, 0);
                if (!Arrays.equals(back, pages[ringPage[j]])) {
                    throw new AssertionError("ownRing: page " + ringPage[j] + " came back different");
                }
            }
        }
    }

    private static String k(double[] pps) {
        return String.format("%,.0fk", median(pps) / 1e3);
    }

    private static String ratio(double[] variant, double[] base) {
        double[] r = new double[base.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = variant[i] / base[i];
        }
        return String.format("%.2f× [%.2f,%.2f]", median(r), min(r), max(r));
    }
}
