package dev.gmc.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Image files decoded the way a GPU surface holds them: linear rows of RGBA8888 (bytes R, G, B, A, as
 * {@code GL_RGBA}/{@code GL_UNSIGNED_BYTE}) or RGB565 (little-endian 16-bit, R in the top 5 bits), each row padded
 * with zero bytes to a pitch that is a multiple of the alignment (64 bytes by default, a common Mali/Adreno surface
 * pitch alignment). Whatever the JDK's ImageIO reads (PNG, JPEG, BMP, GIF) is accepted.
 */
final class ImageSurface {
    enum Format {
        RGBA8888(4), RGB565(2);

        final int bytesPerPixel;

        Format(int bpp) {
            this.bytesPerPixel = bpp;
        }

        static Format parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("image format '" + s + "' (expected rgba8888 or rgb565)");
            }
        }
    }

    /** How images become surfaces. */
    record Options(Format format, int pitchAlign) {
        static final Options DEFAULT = new Options(Format.RGBA8888, 64);

        Options {
            if (pitchAlign <= 0 || Integer.bitCount(pitchAlign) != 1 || pitchAlign > 4096) {
                throw new IllegalArgumentException("pitch alignment " + pitchAlign
                        + " (expected a power of two from 1 to 4096)");
            }
        }
    }

    private ImageSurface() {
    }

    static boolean isImage(Path p) {
        if (p.getFileName() == null) { // "/": not an image (reading it fails with the path named)
            return false;
        }
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".bmp")
                || n.endsWith(".gif");
    }

    static int pitch(int width, Options o) {
        int row = width * o.format().bytesPerPixel;
        return (row + o.pitchAlign() - 1) & -o.pitchAlign();
    }

    /**
     * The surface size an image will decode to, read from its header only (for progress); -1 if no reader knows
     * the file (the decode will then report it).
     */
    static long surfaceBytes(Path file, Options o) {
        System.setProperty("java.awt.headless", "true");
        try (javax.imageio.stream.ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            var readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                return -1;
            }
            javax.imageio.ImageReader r = readers.next();
            try {
                r.setInput(in, true, true);
                return (long) pitch(r.getWidth(0), o) * r.getHeight(0);
            } finally {
                r.dispose();
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Decodes an image into surface bytes; an image that does not decode is an IOException naming the file. */
    static byte[] decode(Path file, InputStream in, Options o) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img;
        try {
            img = ImageIO.read(in);
        } catch (IOException | RuntimeException e) {
            throw new IOException("image " + file + " does not decode: " + Errors.message(e), e);
        }
        if (img == null) {
            throw new IOException("image " + file + " does not decode: no ImageIO reader accepts its contents");
        }
        int w = img.getWidth();
        int h = img.getHeight();
        int pitch = pitch(w, o);
        long size = (long) pitch * h;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IOException("image " + file + " is " + w + "x" + h + ": its surface exceeds 2 GiB");
        }
        byte[] out = new byte[(int) size];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w); // ARGB, sRGB
            int p = y * pitch;
            for (int x = 0; x < w; x++) {
                int argb = row[x];
                if (o.format() == Format.RGBA8888) {
                    out[p++] = (byte) (argb >>> 16);
                    out[p++] = (byte) (argb >>> 8);
                    out[p++] = (byte) argb;
                    out[p++] = (byte) (argb >>> 24);
                } else {
                    int v = ((argb >>> 19) & 0x1F) << 11 | ((argb >>> 10) & 0x3F) << 5 | ((argb >>> 3) & 0x1F);
                    out[p++] = (byte) v;
                    out[p++] = (byte) (v >>> 8);
                }
            }
        }
        return out;
    }

    /** The image options shared by every command that reads inputs ({@code measure}, {@code kernel-check}). */
    static final class Mixin {
        @picocli.CommandLine.Option(names = "--image-format", defaultValue = "rgba8888",
                description = "Images (PNG, JPEG, BMP, GIF) are decoded to this surface format: rgba8888 or rgb565 "
                        + "(default: ${DEFAULT-VALUE}).")
        String imageFormat;

        @picocli.CommandLine.Option(names = "--pitch-align", defaultValue = "64",
                description = "Row pitch alignment in bytes of decoded image surfaces; padding is zero (default: "
                        + "${DEFAULT-VALUE}).")
        int pitchAlign;

        Options options() {
            return new Options(Format.parse(imageFormat), pitchAlign);
        }
    }
}
