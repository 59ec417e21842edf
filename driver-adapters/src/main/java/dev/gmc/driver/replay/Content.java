package dev.gmc.driver.replay;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Deterministic buffer contents for traces and tests, shaped like GPU buffers: cleared surfaces (zero), solid
 * colours (same-filled), smooth gradients (RGBA rows that compress well), UI-like text, and noise (which does not
 * compress and is refused by the GMC policy). {@code mix} picks one of these per page.
 *
 * <p>Spec syntax: {@code zero}, {@code same:0xRRGGBBAA}, {@code gradient}, {@code text}, {@code noise},
 * {@code mix}; each seeded by the caller so a trace replays identically. {@code mix} draws each 4 KiB page's kind
 * from the seed and the page number: zero 30 %, same-filled 10 %, gradient 25 %, text 20 %, noise 15 %.
 *
 * <p>Every byte is a function of the seed and its position alone, so {@link #fill} of any range equals the same range
 * of the whole buffer's fill (a write into the middle of a page writes what a write of the whole page would have).
 */
public final class Content {
    public enum Kind { ZERO, SAME, GRADIENT, TEXT, NOISE, MIX }

    private final Kind kind;
    private final int colour;

    private Content(Kind kind, int colour) {
        this.kind = kind;
        this.colour = colour;
    }

    public static Content parse(String spec) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        if (s.startsWith("same:")) {
            String v = s.substring(5);
            try {
                return new Content(Kind.SAME, (int) Long.parseLong(v.startsWith("0x") ? v.substring(2) : v, 16));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("same: expects a hex colour like 0xff8000ff, got '" + v + "'");
            }
        }
        for (Kind k : Kind.values()) {
            if (k != Kind.SAME && k.name().toLowerCase(Locale.ROOT).equals(s)) {
                return new Content(k, 0);
            }
        }
        throw new IllegalArgumentException("content '" + spec + "' (expected zero, same:0xCOLOUR, gradient, text, "
                + "noise or mix)");
    }

    public Kind kind() {
        return kind;
    }

    /** Fills {@code dst[off, off+len)}, as bytes starting at byte {@code pos} of a buffer seeded with {@code seed}. */
    public void fill(long seed, long pos, byte[] dst, int off, int len) {
        int i = 0;
        while (i < len) {
            long p = pos + i;
            int pageEnd = (int) Math.min(len, i + (4096 - (p & 4095)));
            Kind k = kind == Kind.MIX ? mixKind(seed, p >>> 12) : kind;
            SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + (p >>> 12));
            int salt = r.nextInt();
            long pageSeed = r.nextLong();
            for (; i < pageEnd; i++) {
                dst[off + i] = byteAt(k, salt, pageSeed, pos + i);
            }
        }
    }

    private static Kind mixKind(long seed, long page) {
        int v = (int) Math.floorMod(new SplittableRandom(seed ^ page * 0xD1B54A32D192ED03L).nextInt(), 100);
        return v < 30 ? Kind.ZERO : v < 40 ? Kind.SAME : v < 65 ? Kind.GRADIENT : v < 85 ? Kind.TEXT : Kind.NOISE;
    }

    private byte byteAt(Kind k, int salt, long pageSeed, long p) {
        switch (k) {
            case ZERO:
                return 0;
            case SAME: {
                int c = kind == Kind.SAME ? colour : salt;
                return (byte) (c >>> (8 * (3 - (int) (p & 3))));
            }
            case GRADIENT: { // RGBA8888, 256-pixel rows, banded as 8-bit gradients are: R steps every 16 pixels,
                // G follows the row, B is constant per page, A opaque
                long px = p >>> 2;
                int x = (int) (px & 255);
                int y = (int) ((px >>> 8) & 255);
                return switch ((int) (p & 3)) {
                    case 0 -> (byte) (x & ~15);
                    case 1 -> (byte) (y + (x >> 6));
                    case 2 -> (byte) salt;
                    default -> (byte) 0xFF;
                };
            }
            case TEXT: {
                String words = "the quick brown fox jumps over the lazy dog; settings menu button label ok cancel ";
                return (byte) words.charAt((int) Math.floorMod((p * 7 + (salt & 0xFF)) / 7, words.length()));
            }
            default: // noise: each 8-byte word a hash of the page's seed and the word's position (not a stream, which
                // would make a write's bytes depend on where it starts)
                return (byte) (mix64(pageSeed + (p >>> 3) * 0x9E3779B97F4A7C15L) >>> (8 * (int) (p & 7)));
        }
    }

    /** Stafford's variant 13 of MurmurHash3's finaliser (SplittableRandom's mix64): a bijection that scrambles well. */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
