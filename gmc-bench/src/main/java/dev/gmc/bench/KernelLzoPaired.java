package dev.gmc.bench;

import static dev.gmc.bench.Medians.max;
import static dev.gmc.bench.Medians.median;
import static dev.gmc.bench.Medians.min;

import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.codec.PageCodec;
import io.airlift.compress.lzo.LzoCompressor;
import io.airlift.compress.lzo.LzoDecompressor;

/**
 * gmc's pure-Java {@code lzo-rle} and {@code lzo} (ports of the kernel's LZO1X-1) and its LZO1X decoder, timed back to
 * back with lz4-java's JNI liblz4 (the yardstick of the other benchmarks) and aircompressor's Java LZO1X (a second
 * Java implementation of the format, with its own compressor) on the same pages, in paired rounds (see
 * {@link StorePathPaired} for why).
 *
 * <p>Run from the repository root: {@code java -cp gmc-bench/target/gmc-bench.jar dev.gmc.bench.KernelLzoPaired [rounds]}
 */
public final class KernelLzoPaired {
    private KernelLzoPaired() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 11;
        System.out.printf("paired rounds: %d (after warm-up: at least 3 rounds and gmc.warmupMs, 3 s by default); median [min, max] of each round's ratio to "
                + "lz4-java JNI (compression or decompression)%n", rounds);
        for (String name : new String[] {"samples", "real-mix"}) {
            byte[][] pages = Datasets.load(name);
            int reps = Math.max(1, 60_000 / pages.length);
            PageCodec lz4 = CodecSpec.parse("lz4").newCodec();
            PageCodec rle = CodecSpec.parse("lzo-rle").newCodec();
            PageCodec lzo = CodecSpec.parse("lzo").newCodec();
            LzoCompressor airC = new LzoCompressor();
            LzoDecompressor airD = new LzoDecompressor();
            byte[] out = new byte[16384];
            byte[] back = new byte[4096];
            byte[][] lz4Blocks = PairedOps.blocks(pages, (p, i) -> lz4.compress(p, 0, 4096, out, 0, out.length), out);
            byte[][] rleBlocks = PairedOps.blocks(pages, (p, i) -> rle.compress(p, 0, 4096, out, 0, out.length), out);
            byte[][] lzoBlocks = PairedOps.blocks(pages, (p, i) -> lzo.compress(p, 0, 4096, out, 0, out.length), out);
            byte[][] airBlocks = PairedOps.blocks(pages, (p, i) -> airC.compress(p, 0, 4096, out, 0, out.length), out);
            String[] names = {"lz4-java JNI compress", "gmc lzo-rle compress", "gmc lzo compress",
                "aircompressor lzo compress", "lz4-java JNI decompress", "gmc lzo-rle decompress",
                "gmc lzo decompress", "aircompressor decompress (gmc's lzo blocks)"};
            PairedOps.Op[] ops = {
                (p, i) -> lz4.compress(p, 0, 4096, out, 0, out.length),
                (p, i) -> rle.compress(p, 0, 4096, out, 0, out.length),
                (p, i) -> lzo.compress(p, 0, 4096, out, 0, out.length),
                (p, i) -> airC.compress(p, 0, 4096, out, 0, out.length),
                (p, i) -> {
                    lz4.decompress(lz4Blocks[i], 0, lz4Blocks[i].length, back, 0, 4096);
                    return back[i & 4095];
                },
                (p, i) -> {
                    rle.decompress(rleBlocks[i], 0, rleBlocks[i].length, back, 0, 4096);
                    return back[i & 4095];
                },
                (p, i) -> {
                    lzo.decompress(lzoBlocks[i], 0, lzoBlocks[i].length, back, 0, 4096);
                    return back[i & 4095];
                },
                (p, i) -> airD.decompress(lzoBlocks[i], 0, lzoBlocks[i].length, back, 0, 4096),
            };
            double[][] ns = PairedOps.time(ops, pages, reps, rounds);
            long lz4Bytes = PairedOps.total(lz4Blocks);
            long rleBytes = PairedOps.total(rleBlocks);
            long airBytes = PairedOps.total(airBlocks);
            System.out.printf("%s (%d pages): compressed bytes lz4 %d, lzo-rle %d, lzo %d, aircompressor lzo %d%n",
                    name, pages.length, lz4Bytes, rleBytes, PairedOps.total(lzoBlocks), airBytes);
            for (int o = 0; o < ops.length; o++) {
                int ref = o < 4 ? 0 : 4;
                double[] ratio = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    ratio[r] = ns[ref][r] / ns[o][r]; // speed relative to lz4-java JNI
                }
                System.out.printf("  %-42s %7.0f ns/page   speed vs lz4-java %.2f [%.2f, %.2f]%n", names[o],
                        median(ns[o]), median(ratio), min(ratio), max(ratio));
            }
        }
    }
}
