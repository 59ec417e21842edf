package dev.gmc.core.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * Deterministic pages of the kinds GPU and CPU memory holds: zero and same-filled pages, RGBA8888 gradients and
 * noisy photos, RGB565, sparse pages, text, pointer arrays, low-entropy bytes and random (incompressible) bytes.
 *
 * <p>The golden vectors in src/test/resources/golden/synthetic-*.txt were measured on these pages with a real zram
 * device; changing this generator invalidates them (regenerate with scripts/zram-page-sizes.py, see
 * {@code docs/TESTING.md}).
 */
public final class TestPages {
    public static final int KINDS = 12;

    private TestPages() {
    }

    /** Page {@code i} of the sequence seeded by {@code seed}; the kind cycles with i. */
    public static byte[] page(long seed, int i) {
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + i);
        byte[] p = new byte[4096];
        ByteBuffer b = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN);
        switch (i % KINDS) {
            case 0: // zero page
                break;
            case 1: { // same-filled with a non-zero word
                long w = r.nextLong();
                for (int k = 0; k < 512; k++) {
                    b.putLong(k * 8, w);
                }
                break;
            }
            case 2: { // smooth RGBA gradient, one colour channel per axis, alpha 255
                int x0 = r.nextInt(256);
                for (int k = 0; k < 1024; k++) {
                    int x = ((k + x0) >> 2) & 63; // 4-pixel runs, as an upscaled gradient
                    int y = k >> 6;
                    b.putInt(k * 4, 0xFF000000 | (x * 4) << 16 | (y * 16) << 8 | 0x40);
                }
                break;
            }
            case 3: { // "photo": gradient plus noise of a few bits
                int bits = 1 + r.nextInt(5);
                for (int k = 0; k < 1024; k++) {
                    int v = (k / 3) & 0xFF;
                    int n = r.nextInt(1 << bits);
                    b.putInt(k * 4, 0xFF000000 | ((v + n) & 0xFF) << 16 | ((v + 2 * n) & 0xFF) << 8 | ((255 - v + n) & 0xFF));
                }
                break;
            }
            case 4: { // RGB565 UI surface: flat areas with edges
                short c = (short) r.nextInt();
                for (int k = 0; k < 2048; k++) {
                    if (r.nextInt(64) == 0) {
                        c = (short) r.nextInt();
                    }
                    b.putShort(k * 2, c);
                }
                break;
            }
            case 5: { // sparse: a few random words in a zero page
                int n = 1 + r.nextInt(40);
                for (int k = 0; k < n; k++) {
                    b.putLong(r.nextInt(512) * 8, r.nextLong());
                }
                break;
            }
            case 6: { // text
                String[] words = {"the", "buffer", "texture", "mali", "gpu", "page", "kbase", "region", "fault",
                        "compress", "zram", "of", "and", "a", "memory", "surface", "vertex", "colour", "\n"};
                int k = 0;
                while (k < 4096) {
                    byte[] w = (words[r.nextInt(words.length)] + " ").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                    int n = Math.min(w.length, 4096 - k);
                    System.arraycopy(w, 0, p, k, n);
                    k += n;
                }
                break;
            }
            case 7: { // pointer array: heap addresses with shared high bits
                long base = 0x00007f0000000000L | (long) r.nextInt(1 << 20) << 12;
                for (int k = 0; k < 512; k++) {
                    b.putLong(k * 8, r.nextInt(4) == 0 ? 0 : base + r.nextInt(1 << 16) * 16L);
                }
                break;
            }
            case 8: { // low-entropy bytes: a small alphabet
                int alphabet = 2 + r.nextInt(14);
                for (int k = 0; k < 4096; k++) {
                    p[k] = (byte) r.nextInt(alphabet);
                }
                break;
            }
            case 9: // random: incompressible (huge in zram)
                r.nextBytes(p);
                break;
            case 10: { // half random, half zero: compresses to about 2 KiB
                byte[] h = new byte[2048 + r.nextInt(1500)];
                r.nextBytes(h);
                System.arraycopy(h, 0, p, 0, h.length);
                break;
            }
            default: { // short repeating pattern with occasional mutations
                int period = 3 + r.nextInt(60);
                byte[] pat = new byte[period];
                r.nextBytes(pat);
                for (int k = 0; k < 4096; k++) {
                    p[k] = r.nextInt(200) == 0 ? (byte) r.nextInt() : pat[k % period];
                }
                break;
            }
        }
        return p;
    }

    /** {@code n} pages concatenated. */
    public static byte[] pages(long seed, int n) {
        byte[] all = new byte[n * 4096];
        for (int i = 0; i < n; i++) {
            System.arraycopy(page(seed, i), 0, all, i * 4096, 4096);
        }
        return all;
    }

    /**
     * A 16 KiB page of kind {@code i % KINDS}: pages {@code i} of the sequences seeded 1, 2, 3 and 4, one after the
     * other, so that a zero page stays a zero page (a free in zram), a random one stays huge and the others keep
     * their kind's compressibility, and the 4 KiB workloads' page numbers mean the same at 16 KiB
     * (scripts/oracle/synthetic-16k.sh writes these for a 16 KiB-page kernel).
     */
    public static byte[] sixteenKiBPage(int i) {
        byte[] p = new byte[16384];
        for (int s = 0; s < 4; s++) {
            System.arraycopy(page(s + 1, i), 0, p, s * 4096, 4096);
        }
        return p;
    }

    /** {@code n} of {@link #sixteenKiBPage}, concatenated. */
    public static byte[] sixteenKiBPages(int n) {
        byte[] all = new byte[n * 16384];
        for (int i = 0; i < n; i++) {
            System.arraycopy(sixteenKiBPage(i), 0, all, i * 16384, 16384);
        }
        return all;
    }

    /**
     * Page {@code i} of a sequence built to hit the edges of the kernel's LZO compressors: zero runs of the lengths
     * where lzo-rle's encoding changes (3, 4, 5, 2051, 2052, ...), runs reaching into the last 20 bytes where probing
     * stops, short matches at M2/M3 distance limits, literal runs of 1..3 and of 18, 19, 273, 274 bytes (where
     * their length encoding changes) and random bytes. Never same-filled.
     */
    public static byte[] edgePage(long seed, int i) {
        SplittableRandom r = new SplittableRandom(seed * 7_000_003L + i);
        int[] zeroRuns = {1, 2, 3, 4, 5, 7, 8, 11, 12, 31, 32, 33, 64, 255, 256, 2047, 2050, 2051, 2052, 2053, 2055, 3000};
        int[] literalRuns = {1, 2, 3, 4, 15, 16, 17, 18, 19, 20, 238, 239, 273, 274, 275, 529, 530};
        byte[] p = new byte[4096];
        int k = 0;
        while (k < 4096) {
            int n;
            switch (r.nextInt(5)) {
                case 0 -> n = zeroRuns[r.nextInt(zeroRuns.length)]; // the array is zero already
                case 1 -> {
                    n = literalRuns[r.nextInt(literalRuns.length)];
                    for (int j = 0; j < n && k + j < 4096; j++) {
                        p[k + j] = (byte) (1 + r.nextInt(255));
                    }
                }
                case 2 -> { // a copy from 1..3000 bytes back (M2 up to 2 KiB, M3 beyond), 3..300 long
                    n = 3 + r.nextInt(298);
                    int d = k == 0 ? 1 : 1 + r.nextInt(Math.min(k, 3000));
                    for (int j = 0; j < n && k + j < 4096; j++) {
                        p[k + j] = k + j - d >= 0 ? p[k + j - d] : 7;
                    }
                }
                case 3 -> { // a byte repeated: an overlapping match at distance 1
                    n = 1 + r.nextInt(400);
                    java.util.Arrays.fill(p, k, Math.min(4096, k + n), (byte) r.nextInt());
                }
                default -> {
                    n = 1 + r.nextInt(200);
                    for (int j = 0; j < n && k + j < 4096; j++) {
                        p[k + j] = (byte) r.nextInt();
                    }
                }
            }
            k += n;
        }
        if (i % 4 == 0) { // end on a zero run of 1..40 bytes: into the 20 bytes that are never probed
            java.util.Arrays.fill(p, 4096 - 1 - r.nextInt(40), 4096, (byte) 0);
        }
        p[r.nextInt(4096)] |= 1; // never same-filled
        return p;
    }

    /** {@code n} {@link #edgePage} pages concatenated. */
    public static byte[] edgePages(long seed, int n) {
        byte[] all = new byte[n * 4096];
        for (int i = 0; i < n; i++) {
            System.arraycopy(edgePage(seed, i), 0, all, i * 4096, 4096);
        }
        return all;
    }

    /**
     * Writes {@code n} pages of seed {@code seed} to a file (for scripts/zram-page-sizes.py); a fourth argument
     * {@code edge} writes {@link #edgePages} instead.
     */
    public static void main(String[] args) throws Exception {
        long seed = Long.parseLong(args[1]);
        int n = Integer.parseInt(args[2]);
        java.nio.file.Files.write(java.nio.file.Path.of(args[0]),
                args.length > 3 && args[3].equals("edge") ? edgePages(seed, n) : pages(seed, n));
    }
}
