package dev.gmc.bench;

import static dev.gmc.bench.Medians.max;
import static dev.gmc.bench.Medians.median;
import static dev.gmc.bench.Medians.min;

import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.store.PageStore;
import dev.gmc.core.store.StoreConfig;
import java.util.Arrays;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * The store and read paths against raw lz4-java in <em>paired rounds</em>, for machines whose speed drifts (this
 * project's VM moved by up to 50 % between JMH benchmarks run minutes apart, which made JMH's one-after-another
 * ratios meaningless). Each round times every variant back to back on the same pages in the same order, the ratio
 * is taken within the round, and the report gives the median ratio over rounds and its spread.
 *
 * <p>Variants (ns per page, one thread, codec lz4 = lz4-java JNI):
 * <ul>
 *   <li>{@code raw}: {@code LZ4Factory.nativeInstance().fastCompressor()} into a buffer — the baseline;</li>
 *   <li>{@code rawKeep}: the same compression, but each block is written where the previous one ended in a log as
 *       large as the steady-state stores' data (RING copies of the dataset's blocks, wrapping): the floor for any
 *       store that keeps its output in memory, which raw compression into one hot buffer does not pay;</li>
 *   <li>{@code storeOnly}: {@link PageStore#store} into a fresh store, pages kept (the pool grows, frames are
 *       allocated, and the garbage collector copies them: the cost of filling a store);</li>
 *   <li>{@code storeRing}: a store at steady state holding {@code gmc.ring} (4) copies of the dataset: free the oldest page, store the
 *       next (the free is charged to the store path);</li>
 *   <li>{@code storeSteady}: the store path at steady state as the issue defines it (same-filled check, compression,
 *       pool, copy) without the free: a second store holding as many copies frees its oldest pass of
 *       pages untimed, then stores the next pass timed; the frees are timed apart as {@code freeSteady};</li>
 *   <li>{@code ownRing}: {@code storeRing} with the compression taken out: the same pages' blocks, compressed
 *       beforehand and laid end to end in one array, go through {@link PageStore#storeCompressed} (same-filled check,
 *       threshold, zs_malloc, copy, publish) after the free — gmc's own cost per page, which the store path adds to
 *       the codec's;</li>
 *   <li>{@code rawDecompress}: lz4-java's safe decompressor on the same pages' blocks — the read baseline;</li>
 *   <li>{@code load}: {@link PageStore#load} of the same pages.</li>
 * </ul>
 *
 * <p>Run from the repository root: {@code java -Xmx6g -Xms6g -XX:+AlwaysPreTouch -cp gmc-bench/target/gmc-bench.jar
 * dev.gmc.bench.StorePathPaired [rounds] [datasets…]}
 */
public final class StorePathPaired {
    private static final int PAGE = 4096;
    /** Copies of the dataset that the steady-state stores hold ({@code -Dgmc.ring=K}; 4 by default). */
    private static final int RING = Integer.getInteger("gmc.ring", 4);

    private StorePathPaired() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 21;
        String[] sets = args.length > 1 ? Arrays.copyOfRange(args, 1, args.length) : new String[] {"samples", "real-mix"};
        System.out.printf("paired rounds: %d (after 5 warm-up rounds); median [min, max] of per-round values%n", rounds);
        for (String name : sets) {
            run(name, rounds);
        }
    }

    private static void run(String name, int rounds) {
        byte[][] pages = Datasets.load(name);
        int n = pages.length;
        int reps = Math.max(1, 200_000 / n); // ≈ 200k pages per variant per round
        LZ4Compressor lz4 = LZ4Factory.nativeInstance().fastCompressor();
        LZ4SafeDecompressor lz4d = LZ4Factory.nativeInstance().safeDecompressor();
        byte[] out = new byte[8192];
        byte[] back = new byte[PAGE];
        byte[][] comp = new byte[n][];
        int[] compLen = new int[n];
        for (int i = 0; i < n; i++) {
            comp[i] = new byte[8192];
            compLen[i] = lz4.compress(pages[i], 0, PAGE, comp[i], 0, 8192);
        }
        long compTotal = 0;
        for (int i = 0; i < n; i++) {
            compTotal += compLen[i];
        }
        byte[] log = new byte[(int) Math.min(Integer.MAX_VALUE - 16, RING * compTotal + 8192)];
        int logAt = 0;
        StoreConfig cfg = StoreConfig.defaults().withCodec(CodecSpec.parse("lz4"));
        PageStore ring = new PageStore(cfg);
        long[] ringIds = new long[RING * n];
        for (int i = 0; i < ringIds.length; i++) {
            ringIds[i] = ring.store(pages[i % n], 0);
        }
        byte[] blocks = new byte[n * (PAGE + 64)];
        int[] blockAt = new int[n];
        int[] blockLen = new int[n];
        for (int i = 0, at = 0; i < n; i++) {
            blockAt[i] = at;
            blockLen[i] = compLen[i] > PAGE ? PageStore.INCOMPRESSIBLE : compLen[i];
            if (compLen[i] <= PAGE) {
                System.arraycopy(comp[i], 0, blocks, at, compLen[i]);
                at += compLen[i];
            }
        }
        PageStore own = new PageStore(cfg);
        long[] ownIds = new long[RING * n];
        for (int i = 0; i < ownIds.length; i++) {
            ownIds[i] = own.store(pages[i % n], 0);
        }
        int ownAt = 0;
        PageStore steady = new PageStore(cfg);
        long[] steadyIds = new long[RING * n];
        for (int i = 0; i < steadyIds.length; i++) {
            steadyIds[i] = steady.store(pages[i % n], 0);
        }
        int steadyAt = 0;
        PageStore reads = new PageStore(cfg);
        long[] readIds = new long[n];
        for (int i = 0; i < n; i++) {
            readIds[i] = reads.store(pages[i], 0);
        }
        String[] names = {"raw", "storeOnly", "storeRing", "rawDecompress", "load", "ownRing", "storeSteady", "freeSteady", "rawKeep"};
        double[][] ns = new double[names.length][rounds];
        long sink = 0;
        int ringAt = 0;
        for (int r = -5; r < rounds; r++) {
            double total = (double) reps * n;
            long t0 = System.nanoTime();
            for (int k = 0; k < reps; k++) {
                for (int i = 0; i < n; i++) {
                    sink += lz4.compress(pages[i], 0, PAGE, out, 0, out.length);
                }
            }
            long t1 = System.nanoTime();
            try (PageStore fresh = new PageStore(cfg)) {
                t1 = System.nanoTime();
                for (int k = 0; k < reps; k++) {
                    for (int i = 0; i < n; i++) {
                        sink += fresh.store(pages[i], 0);
                    }
                }
            }
            long t2 = System.nanoTime();
            for (int k = 0; k < reps; k++) {
                for (int i = 0; i < n; i++) {
                    ring.free(ringIds[ringAt]);
                    ringIds[ringAt] = ring.store(pages[i], 0);
                    ringAt = ringAt + 1 == ringIds.length ? 0 : ringAt + 1;
                }
            }
            long t3 = System.nanoTime();
            for (int k = 0; k < reps; k++) {
                for (int i = 0; i < n; i++) {
                    sink += lz4d.decompress(comp[i], 0, compLen[i], back, 0, PAGE);
                }
            }
            long t4 = System.nanoTime();
            for (int k = 0; k < reps; k++) {
                for (int i = 0; i < n; i++) {
                    reads.load(readIds[i], back, 0);
                }
            }
            long t5 = System.nanoTime();
            for (int k = 0; k < reps; k++) {
                for (int i = 0; i < n; i++) {
                    own.free(ownIds[ownAt]);
                    ownIds[ownAt] = own.storeCompressed(pages[i], 0, blocks, blockAt[i], blockLen[i]);
                    ownAt = ownAt + 1 == ownIds.length ? 0 : ownAt + 1;
                }
            }
            long t6 = System.nanoTime();
            long storeNs = 0;
            long freeNs = 0;
            for (int k = 0; k < reps; k++) {
                long a = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    steady.free(steadyIds[steadyAt + i]);
                }
                long b = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    steadyIds[steadyAt + i] = steady.store(pages[i], 0);
                }
                long c = System.nanoTime();
                freeNs += b - a;
                storeNs += c - b;
                steadyAt = steadyAt + n == steadyIds.length ? 0 : steadyAt + n;
            }
            long t7 = System.nanoTime();
            for (int k = 0; k < reps; k++) {
                for (int i = 0; i < n; i++) {
                    if (logAt > log.length - 8192) {
                        logAt = 0;
                    }
                    logAt += lz4.compress(pages[i], 0, PAGE, log, logAt, 8192);
                }
            }
            long t8 = System.nanoTime();
            sink += back[0];
            if (r >= 0) {
                ns[8][r] = (t8 - t7) / total;
                ns[0][r] = (t1 - t0) / total;
                ns[1][r] = (t2 - t1) / total;
                ns[2][r] = (t3 - t2) / total;
                ns[3][r] = (t4 - t3) / total;
                ns[4][r] = (t5 - t4) / total;
                ns[5][r] = (t6 - t5) / total;
                ns[6][r] = storeNs / total;
                ns[7][r] = freeNs / total;
            }
        }
        ring.close();
        own.close();
        reads.close();
        steady.close();
        System.out.printf("%n%s: %,d pages, %,d pages per variant per round%n", name, n, reps * n);
        for (int v = 0; v < names.length; v++) {
            System.out.printf("  %-14s %7.0f ns/page [%5.0f, %5.0f]%n", names[v], median(ns[v]), min(ns[v]), max(ns[v]));
        }
        ratio("store path (storeOnly) / raw compression", ns[0], ns[1]);
        ratio("store path at steady state (storeRing) / raw compression", ns[0], ns[2]);
        ratio("store path at steady state, frees apart (storeSteady) / raw", ns[0], ns[6]);
        ratio("read path (load) / raw decompression", ns[3], ns[4]);
        ratio("raw compression kept in a log (rawKeep) / raw compression", ns[0], ns[8]);
        ratio("store path at steady state (storeRing) / rawKeep", ns[8], ns[2]);
        double[] share = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            share[i] = ns[5][i] / ns[0][i];
        }
        System.out.printf("  %-58s %.3f [%.3f, %.3f]%n", "gmc's own cost per page (ownRing) / raw compression", median(share),
                min(share), max(share));
        if (sink == 42) {
            System.out.println();
        }
    }

    /** Speed ratio per round = baseline time / variant time. */
    private static void ratio(String what, double[] base, double[] variant) {
        double[] r = new double[base.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = base[i] / variant[i];
        }
        System.out.printf("  %-58s %.2f× [%.2f, %.2f]%n", what, median(r), min(r), max(r));
    }
}
