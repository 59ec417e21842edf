package dev.gmc.bench;

import static dev.gmc.bench.Medians.max;
import static dev.gmc.bench.Medians.median;
import static dev.gmc.bench.Medians.min;

import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.codec.PageCodec;

/**
 * gmc's pure-Java {@code lz4-kernel} compressor against lz4-java's JNI liblz4, timed back to back on the same pages
 * in paired rounds (see {@link StorePathPaired} for why rounds are paired on this project's VM).
 *
 * <p>Run from the repository root: {@code java -cp gmc-bench/target/gmc-bench.jar dev.gmc.bench.KernelLz4Paired [rounds]}
 */
public final class KernelLz4Paired {
    private KernelLz4Paired() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 11;
        System.out.printf("paired rounds: %d (after 3 warm-up rounds); median [min, max]%n", rounds);
        for (String name : new String[] {"samples", "real-mix"}) {
            byte[][] pages = Datasets.load(name);
            int reps = Math.max(1, 100_000 / pages.length);
            double total = (double) reps * pages.length;
            PageCodec jni = CodecSpec.parse("lz4").newCodec();
            PageCodec kernel = CodecSpec.parse("lz4-kernel").newCodec();
            // lz4-java's own pure-Java fast compressor: a second Java implementation, for scale
            net.jpountz.lz4.LZ4Compressor javaLz4 = net.jpountz.lz4.LZ4Factory.safeInstance().fastCompressor();
            byte[] out = new byte[16384];
            long sink = 0;
            double[] jniNs = new double[rounds];
            double[] kernelNs = new double[rounds];
            double[] speed = new double[rounds];
            double[] javaNs = new double[rounds];
            double[] javaSpeed = new double[rounds];
            for (int r = -3; r < rounds; r++) {
                long t0 = System.nanoTime();
                for (int k = 0; k < reps; k++) {
                    for (byte[] p : pages) {
                        sink += jni.compress(p, 0, 4096, out, 0, out.length);
                    }
                }
                long t1 = System.nanoTime();
                for (int k = 0; k < reps; k++) {
                    for (byte[] p : pages) {
                        sink += kernel.compress(p, 0, 4096, out, 0, out.length);
                    }
                }
                long t2 = System.nanoTime();
                for (int k = 0; k < reps; k++) {
                    for (byte[] p : pages) {
                        sink += javaLz4.compress(p, 0, 4096, out, 0, out.length);
                    }
                }
                long t3 = System.nanoTime();
                if (r >= 0) {
                    jniNs[r] = (t1 - t0) / total;
                    kernelNs[r] = (t2 - t1) / total;
                    speed[r] = jniNs[r] / kernelNs[r];
                    javaNs[r] = (t3 - t2) / total;
                    javaSpeed[r] = jniNs[r] / javaNs[r];
                }
            }
            System.out.printf("%s: lz4-java JNI %.0f ns/page, lz4-kernel %.0f ns/page; lz4-kernel speed / lz4-java speed"
                    + " %.2f [%.2f, %.2f]%n", name, median(jniNs), median(kernelNs), median(speed), min(speed),
                    max(speed));
            System.out.printf("%s: lz4-java's pure-Java fast compressor %.0f ns/page; its speed / lz4-java JNI speed"
                    + " %.2f [%.2f, %.2f]%n", name, median(javaNs), median(javaSpeed), min(javaSpeed), max(javaSpeed));
            if (sink == 42) {
                System.out.println();
            }
        }
    }
}
