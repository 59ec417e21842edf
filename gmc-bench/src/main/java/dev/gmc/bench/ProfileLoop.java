package dev.gmc.bench;

import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.store.PageStore;
import dev.gmc.core.store.StoreConfig;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;

/**
 * One variant of {@link StorePathPaired} in a loop for a fixed time, for a sampling profiler ({@code perf record}
 * with the JIT's perf map): {@code raw} (lz4-java into one buffer), {@code fill} (fresh stores of ≈ 200k pages,
 * as {@code storeOnly}) or {@code ring} (a store at steady state, as {@code storeRing}). Prints the pages done.
 *
 * <p>Run from the repository root: {@code java -Xmx6g -Xms6g -XX:+AlwaysPreTouch -XX:+UnlockDiagnosticVMOptions
 * -XX:+DumpPerfMapAtExit -cp gmc-bench/target/gmc-bench.jar dev.gmc.bench.ProfileLoop fill samples 30}
 */
public final class ProfileLoop {
    private static final int PAGE = 4096;

    private ProfileLoop() {
    }

    public static void main(String[] args) {
        String mode = args.length > 0 ? args[0] : "fill";
        byte[][] pages = Datasets.load(args.length > 1 ? args[1] : "samples");
        long seconds = args.length > 2 ? Long.parseLong(args[2]) : 30;
        int n = pages.length;
        int reps = Math.max(1, 200_000 / n);
        StoreConfig cfg = StoreConfig.defaults().withCodec(CodecSpec.parse("lz4"));
        LZ4Compressor lz4 = LZ4Factory.nativeInstance().fastCompressor();
        byte[] out = new byte[8192];
        PageStore ring = null;
        long[] ringIds = null;
        if (mode.equals("ring")) {
            ring = new PageStore(cfg);
            ringIds = new long[4 * n];
            for (int i = 0; i < ringIds.length; i++) {
                ringIds[i] = ring.store(pages[i % n], 0);
            }
        } else if (!mode.equals("raw") && !mode.equals("fill")) {
            throw new IllegalArgumentException("mode: " + mode + " (expected raw, fill or ring)");
        }
        long sink = 0;
        long done = 0;
        int ringAt = 0;
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            if (mode.equals("fill")) {
                try (PageStore fresh = new PageStore(cfg)) {
                    for (int k = 0; k < reps; k++) {
                        for (int i = 0; i < n; i++) {
                            sink += fresh.store(pages[i], 0);
                        }
                    }
                }
            } else {
                for (int k = 0; k < reps; k++) {
                    for (int i = 0; i < n; i++) {
                        if (ring == null) {
                            sink += lz4.compress(pages[i], 0, PAGE, out, 0, out.length);
                        } else {
                            ring.free(ringIds[ringAt]);
                            ringIds[ringAt] = ring.store(pages[i], 0);
                            ringAt = ringAt + 1 == ringIds.length ? 0 : ringAt + 1;
                        }
                    }
                }
            }
            done += (long) reps * n;
        }
        double s = (System.nanoTime() - start) / 1e9;
        System.out.printf("%s: %,d pages in %.1f s = %.0f ns/page (sink %d)%n", mode, done, s, s * 1e9 / done, sink & 1);
    }
}
