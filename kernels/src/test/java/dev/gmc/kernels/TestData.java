package dev.gmc.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Assumptions;

/** Pages for the kernel tests: real data, the bundled GPU-buffer samples, and edge cases. */
final class TestData {
    static final int PAGE = 4096;

    private TestData() {
    }

    /** Skips (locally) or fails (CI, or GMC_REQUIRE_OPENCL=1) when no OpenCL device is present. */
    static ClDevice deviceOrSkip() {
        try {
            return ClDevice.select("auto");
        } catch (OpenClUnavailableException e) {
            if (System.getenv("CI") != null || "1".equals(System.getenv("GMC_REQUIRE_OPENCL"))) {
                throw e;
            }
            Assumptions.abort("OpenCL not available: " + e.getMessage());
            return null;
        }
    }

    /** 196 pages of real memory and files (the gmc-core golden set). */
    static byte[] realMix() {
        return gunzip(Path.of("../gmc-core/src/test/resources/golden/real-mix.bin.gz"));
    }

    /** The bundled synthetic GPU buffers (samples/), concatenated and padded to whole pages. */
    static byte[] samples() {
        try (Stream<Path> s = Files.list(Path.of("../samples"))) {
            List<Path> files = s.filter(p -> p.toString().endsWith(".gz")).sorted().toList();
            var out = new java.io.ByteArrayOutputStream();
            for (Path f : files) {
                byte[] b = gunzip(f);
                out.write(b);
                out.write(new byte[(PAGE - b.length % PAGE) % PAGE]);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Edge cases: zero, same-filled, random, short periods, a run that ends in the last bytes, one odd byte. */
    static byte[] edgeCases(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<byte[]> pages = new ArrayList<>();
        pages.add(new byte[PAGE]);
        byte[] fill = new byte[PAGE];
        for (int i = 0; i < 512; i++) {
            ByteBuffer.wrap(fill).order(ByteOrder.LITTLE_ENDIAN).putLong(i * 8, 0x0123456789ABCDEFL);
        }
        pages.add(fill);
        byte[] rnd = new byte[PAGE];
        r.nextBytes(rnd);
        pages.add(rnd);
        for (int period : new int[] {1, 2, 3, 4, 5, 7, 12, 16, 100, 255, 1000, 2049}) {
            byte[] p = new byte[PAGE];
            byte[] unit = new byte[period];
            r.nextBytes(unit);
            for (int i = 0; i < PAGE; i++) {
                p[i] = unit[i % period];
            }
            pages.add(p);
        }
        byte[] oneOdd = new byte[PAGE];
        oneOdd[PAGE - 1] = 1;
        pages.add(oneOdd);
        byte[] oddMid = new byte[PAGE];
        oddMid[2048] = 7;
        pages.add(oddMid);
        byte[] halfRandom = new byte[PAGE];
        r.nextBytes(halfRandom);
        java.util.Arrays.fill(halfRandom, 0, 2048, (byte) 0x55);
        pages.add(halfRandom);
        byte[] tailRandom = new byte[PAGE];
        for (int i = PAGE - 16; i < PAGE; i++) {
            tailRandom[i] = (byte) r.nextInt();
        }
        pages.add(tailRandom);
        // mostly random with rare short repeats: many literals, many sequences
        byte[] sparse = new byte[PAGE];
        r.nextBytes(sparse);
        for (int i = 64; i + 8 < PAGE; i += 40) {
            System.arraycopy(sparse, i - 37, sparse, i, 6);
        }
        pages.add(sparse);
        // densest sequence count: 4-byte matches separated by single literals
        byte[] dense = new byte[PAGE];
        for (int i = 0; i < PAGE; i++) {
            dense[i] = (byte) (i % 5 == 0 ? r.nextInt() : 0x11 * (i % 5));
        }
        pages.add(dense);
        byte[] all = new byte[pages.size() * PAGE];
        for (int i = 0; i < pages.size(); i++) {
            System.arraycopy(pages.get(i), 0, all, i * PAGE, PAGE);
        }
        return all;
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int o = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, o, p.length);
            o += p.length;
        }
        return all;
    }

    static byte[] gunzip(Path f) {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(f))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(f + ": " + e.getMessage(), e);
        }
    }
}
