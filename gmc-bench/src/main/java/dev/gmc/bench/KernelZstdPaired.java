package dev.gmc.bench;

import static dev.gmc.bench.Medians.max;
import static dev.gmc.bench.Medians.median;
import static dev.gmc.bench.Medians.min;

import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.codec.PageCodec;

/**
 * The forms of zram's zstd that gmc carries, timed back to back on the same pages in paired rounds (see
 * {@link StorePathPaired} for why): {@code zstd-crypto} (zstd-jni 1.5.6, native: the reference), {@code zstd-1.4.10}
 * (gmc's pure-Java port of Linux 5.16-6.1's lib/zstd), {@code zstd-1.3.1} (zstd-jni 1.3.1's stream) and
 * {@code zstd:3} (zstd-jni 1.5.2, 6.12's), with the decompression of the port's frames (zstd-jni 1.5.2).
 *
 * <p>Run from the repository root: {@code java -cp gmc-bench/target/gmc-bench.jar dev.gmc.bench.KernelZstdPaired [rounds]}
 */
public final class KernelZstdPaired {
    private KernelZstdPaired() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 11;
        System.out.printf("paired rounds: %d (after warm-up: at least 3 rounds and gmc.warmupMs, 3 s by default); median [min, max] of each round's speed ratio "
                + "to zstd-crypto's compression%n", rounds);
        for (String name : new String[] {"samples", "real-mix"}) {
            byte[][] pages = Datasets.load(name);
            int reps = Math.max(1, 3_000 / pages.length);
            String[] codecs = {"zstd-crypto", "zstd-1.4.10", "zstd-1.3.1", "zstd:3"};
            PageCodec[] c = new PageCodec[codecs.length];
            for (int k = 0; k < codecs.length; k++) {
                c[k] = CodecSpec.parse(codecs[k]).newCodec();
            }
            byte[] out = new byte[16384];
            byte[] back = new byte[4096];
            byte[][] blocks = PairedOps.blocks(pages, (p, i) -> c[1].compress(p, 0, 4096, out, 0, out.length), out);
            PairedOps.Op[] ops = new PairedOps.Op[codecs.length + 1];
            String[] names = new String[codecs.length + 1];
            for (int k = 0; k < codecs.length; k++) {
                PageCodec codec = c[k];
                ops[k] = (p, i) -> codec.compress(p, 0, 4096, out, 0, out.length);
                names[k] = codecs[k] + " compress" + (k == 0 ? " (reference)" : "");
            }
            ops[codecs.length] = (p, i) -> {
                c[1].decompress(blocks[i], 0, blocks[i].length, back, 0, 4096);
                return back[i & 4095];
            };
            names[codecs.length] = "zstd-1.4.10 frames decompressed (zstd-jni 1.5.2)";
            double[][] ns = PairedOps.time(ops, pages, reps, rounds);
            System.out.printf("%s (%d pages): zstd-1.4.10 compressed bytes %d%n", name, pages.length,
                    PairedOps.total(blocks));
            for (int o = 0; o < ops.length; o++) {
                double[] ratio = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    ratio[r] = ns[0][r] / ns[o][r];
                }
                System.out.printf("  %-50s %8.0f ns/page   speed vs zstd-crypto %.2f [%.2f, %.2f]%n", names[o],
                        median(ns[o]), median(ratio), min(ratio), max(ratio));
            }
            for (PageCodec codec : c) {
                codec.close();
            }
        }
    }
}
