package dev.gmc.bench;

import static dev.gmc.bench.Medians.max;
import static dev.gmc.bench.Medians.median;
import static dev.gmc.bench.Medians.min;

import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.codec.PageCodec;
import java.util.zip.Deflater;

/**
 * gmc's {@code lz4hc-kernel} (a pure-Java port of the kernel's LZ4 HC v1.7.3) against lz4-java's JNI {@code lz4hc:9}
 * (liblz4 1.10), and its {@code deflate} (JZlib, pure Java, the kernel's window bits 11 and memLevel 8) against the
 * JDK's native {@link Deflater} at the same level (zlib, 32 KiB window: other output, the same work per byte), timed
 * back to back on the same pages in paired rounds (see {@link StorePathPaired} for why), with decompression
 * (lz4-java's safe decoder; the JDK's {@code Inflater}); and its {@code 842} (a pure-Java port of the kernel's software
 * 842) against lz4-java's JNI {@code lz4}, the yardstick of the other benchmarks.
 *
 * <p>Run from the repository root: {@code java -cp gmc-bench/target/gmc-bench.jar dev.gmc.bench.KernelHcDeflatePaired [rounds]}
 */
public final class KernelHcDeflatePaired {
    private KernelHcDeflatePaired() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 11;
        System.out.printf("paired rounds: %d (after warm-up: at least 3 rounds and gmc.warmupMs, 3 s by default); median [min, max] of each round's speed ratio "
                + "to its reference%n", rounds);
        for (String name : new String[] {"samples", "real-mix"}) {
            byte[][] pages = Datasets.load(name);
            int reps = Math.max(1, 6_000 / pages.length);
            PageCodec javaHc = CodecSpec.parse("lz4hc:9").newCodec();
            PageCodec kernelHc = CodecSpec.parse("lz4hc-kernel").newCodec();
            PageCodec deflate = CodecSpec.parse("deflate").newCodec();
            PageCodec lz4 = CodecSpec.parse("lz4").newCodec();
            PageCodec sw842 = CodecSpec.parse("842").newCodec();
            Deflater jdk = new Deflater(6, true);
            byte[] out = new byte[16384];
            byte[] back = new byte[4096];
            byte[][] hcBlocks = PairedOps.blocks(pages,
                    (p, i) -> kernelHc.compress(p, 0, 4096, out, 0, out.length), out);
            byte[][] dfBlocks = PairedOps.blocks(pages,
                    (p, i) -> deflate.compress(p, 0, 4096, out, 0, out.length), out);
            byte[][] lz4Blocks = PairedOps.blocks(pages,
                    (p, i) -> lz4.compress(p, 0, 4096, out, 0, out.length), out);
            byte[][] b842 = PairedOps.blocks(pages,
                    (p, i) -> sw842.compress(p, 0, 4096, out, 0, out.length), out);
            String[] names = {"lz4-java lz4hc:9 compress (reference)", "gmc lz4hc-kernel compress",
                "JDK Deflater level 6 (reference)", "gmc deflate compress (JZlib)",
                "lz4-java decompress of lz4hc-kernel blocks", "gmc deflate decompress (JDK Inflater)",
                "lz4-java lz4 compress (reference)", "gmc 842 compress", "lz4-java lz4 decompress (reference)",
                "gmc 842 decompress"};
            PairedOps.Op[] ops = {
                (p, i) -> javaHc.compress(p, 0, 4096, out, 0, out.length),
                (p, i) -> kernelHc.compress(p, 0, 4096, out, 0, out.length),
                (p, i) -> {
                    jdk.reset();
                    jdk.setInput(p, 0, 4096);
                    jdk.finish();
                    return jdk.deflate(out, 0, out.length);
                },
                (p, i) -> deflate.compress(p, 0, 4096, out, 0, out.length),
                (p, i) -> {
                    kernelHc.decompress(hcBlocks[i], 0, hcBlocks[i].length, back, 0, 4096);
                    return back[i & 4095];
                },
                (p, i) -> {
                    deflate.decompress(dfBlocks[i], 0, dfBlocks[i].length, back, 0, 4096);
                    return back[i & 4095];
                },
                (p, i) -> lz4.compress(p, 0, 4096, out, 0, out.length),
                (p, i) -> sw842.compress(p, 0, 4096, out, 0, out.length),
                (p, i) -> {
                    lz4.decompress(lz4Blocks[i], 0, lz4Blocks[i].length, back, 0, 4096);
                    return back[i & 4095];
                },
                (p, i) -> {
                    sw842.decompress(b842[i], 0, b842[i].length, back, 0, 4096);
                    return back[i & 4095];
                },
            };
            int[] ref = {0, 0, 2, 2, 4, 5, 6, 6, 8, 8};
            double[][] ns = PairedOps.time(ops, pages, reps, rounds);
            System.out.printf("%s (%d pages): compressed bytes lz4hc-kernel %d, deflate %d, 842 %d, lz4 %d%n", name,
                    pages.length, PairedOps.total(hcBlocks), PairedOps.total(dfBlocks), PairedOps.total(b842), PairedOps.total(lz4Blocks));
            for (int o = 0; o < ops.length; o++) {
                double[] ratio = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    ratio[r] = ns[ref[o]][r] / ns[o][r];
                }
                System.out.printf("  %-44s %8.0f ns/page   speed vs reference %.2f [%.2f, %.2f]%n", names[o],
                        median(ns[o]), median(ratio), min(ratio), max(ratio));
            }
            jdk.end();
        }
    }
}
