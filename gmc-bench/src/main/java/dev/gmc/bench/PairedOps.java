package dev.gmc.bench;

import java.util.Arrays;

/**
 * What the codec benchmarks in paired rounds share ({@link KernelLzoPaired}, {@link KernelHcDeflatePaired}, {@link KernelZstdPaired}): one
 * operation per page, every operation timed back to back on the same pages within each round (see
 * {@link StorePathPaired} for why), and the blocks a compressor makes, kept for the decompression rounds.
 */
final class PairedOps {
    private PairedOps() {
    }

    /** One page's work; the result feeds a sink so that the JIT cannot drop it. */
    interface Op {
        int run(byte[] page, int index);
    }

    /**
     * Nanoseconds per page of each operation in each of {@code rounds} rounds, every round running every operation
     * {@code reps} times over all pages, one after the other. Warm-up: at least 3 rounds and at least
     * {@code -Dgmc.warmupMs} (3,000 by default) of them, so that the JIT has compiled the pure-Java codecs' hot loops
     * before the first timed round (3 rounds alone left zstd-1.4.10's port partly interpreted on {@code samples}).
     */
    static double[][] time(Op[] ops, byte[][] pages, int reps, int rounds) {
        double[][] ns = new double[ops.length][rounds];
        long sink = 0;
        long warmUntil = System.nanoTime() + Long.getLong("gmc.warmupMs", 3_000) * 1_000_000L;
        int warm = 0;
        while (warm < 3 || System.nanoTime() < warmUntil) {
            for (Op op : ops) {
                for (int k = 0; k < reps; k++) {
                    for (int i = 0; i < pages.length; i++) {
                        sink += op.run(pages[i], i);
                    }
                }
            }
            warm++;
        }
        for (int r = 0; r < rounds; r++) {
            for (int o = 0; o < ops.length; o++) {
                long t0 = System.nanoTime();
                for (int k = 0; k < reps; k++) {
                    for (int i = 0; i < pages.length; i++) {
                        sink += ops[o].run(pages[i], i);
                    }
                }
                if (r >= 0) {
                    ns[o][r] = (System.nanoTime() - t0) / ((double) reps * pages.length);
                }
            }
        }
        if (sink == 42) {
            System.out.println();
        }
        return ns;
    }

    /** The block {@code compress} makes of each page (it returns the length written into {@code out}). */
    static byte[][] blocks(byte[][] pages, Op compress, byte[] out) {
        byte[][] b = new byte[pages.length][];
        for (int i = 0; i < pages.length; i++) {
            b[i] = Arrays.copyOf(out, compress.run(pages[i], i));
        }
        return b;
    }

    static long total(byte[][] blocks) {
        long t = 0;
        for (byte[] b : blocks) {
            t += b.length;
        }
        return t;
    }
}
