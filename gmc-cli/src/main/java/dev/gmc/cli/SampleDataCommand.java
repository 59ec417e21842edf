package dev.gmc.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.zip.GZIPOutputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code gmc sample-data}: writes the synthetic GPU buffers bundled in {@code samples/} (deterministic, gzip'ed):
 * a UI colour buffer, a cleared colour buffer, a depth buffer, a smooth and a noisy texture, an RGB565 surface and a
 * vertex buffer. They stand in for captured dumps in the README's first command; real dumps are measured the same way.
 */
@Command(name = "sample-data", mixinStandardHelpOptions = true,
        description = "Write the synthetic sample buffers (the ones bundled in samples/) to a directory.")
final class SampleDataCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-o", "--output"}, required = true, description = "Directory to write into.")
    Path dir;

    @Override
    public Integer call() throws IOException {
        Files.createDirectories(dir);
        write("ui-colour-720x1280.rgba8888", uiSurface(720, 1280));
        write("cleared-colour-720x1280.rgba8888", new byte[720 * 1280 * 4]);
        write("depth-720x1280.d24s8", depth(720, 1280));
        write("gradient-texture-256x256.rgba8888", gradient(256, 256));
        write("photo-texture-256x256.rgba8888", photo(256, 256));
        write("icons-256x256.rgb565", rgb565(256, 256));
        write("vertex-grid-64x64.f32", vertices(64, 64));
        spec.commandLine().getOut().println("wrote 7 sample buffers to " + dir);
        return 0;
    }

    private void write(String name, byte[] data) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve(name + ".gz")))) {
            out.write(data);
        }
    }

    /** Panels of flat colour, rounded cards, and rows of glyph-like strokes with anti-aliased edges. */
    static byte[] uiSurface(int w, int h) {
        ByteBuffer b = ByteBuffer.allocate(w * h * 4).order(ByteOrder.LITTLE_ENDIAN);
        SplittableRandom r = new SplittableRandom(1);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int c = y < 96 ? 0xFF3F51B5 : 0xFFFAFAFA; // app bar, background
                int card = (y - 120) / 180;
                int cy = (y - 120) % 180;
                if (y >= 120 && cy < 160 && x >= 24 && x < w - 24) {
                    c = 0xFFFFFFFF;
                    if (cy > 30 && cy < 130 && (cy / 14) % 2 == 0 && x > 48 && x < w - 48 - (card * 37 % 200)) {
                        int stroke = (x * 7 + cy * 3 + card) % 11;
                        c = stroke < 3 ? 0xFF212121 : stroke < 4 ? 0xFF9E9E9E : c; // glyph cores and AA pixels
                    }
                }
                b.putInt(c);
            }
        }
        // a photo thumbnail in the first card
        for (int y = 160; y < 260; y++) {
            for (int x = 40; x < 140; x++) {
                b.putInt((y * w + x) * 4, 0xFF000000 | (r.nextInt(40) + x) << 16 | (r.nextInt(40) + y / 2) << 8 | 120);
            }
        }
        return b.array();
    }

    /** D24S8: a sloped floor plane and two boxes; stencil 0. */
    static byte[] depth(int w, int h) {
        ByteBuffer b = ByteBuffer.allocate(w * h * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int d = y < h / 3 ? 0xFFFFFF : 0xFFFFFF - (y - h / 3) * 9000;
                if (x > 100 && x < 300 && y > 600 && y < 900) {
                    d = 0x400000 + x * 300;
                }
                if (x > 400 && x < 650 && y > 500 && y < 700) {
                    d = 0x300000;
                }
                b.putInt(d << 8);
            }
        }
        return b.array();
    }

    static byte[] gradient(int w, int h) {
        ByteBuffer b = ByteBuffer.allocate(w * h * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                b.putInt(0xFF000000 | (x / 2) << 16 | (y / 2) << 8 | ((x + y) / 4));
            }
        }
        return b.array();
    }

    /** Smooth shapes plus sensor-like noise: compresses poorly, as real photos do. */
    static byte[] photo(int w, int h) {
        ByteBuffer b = ByteBuffer.allocate(w * h * 4).order(ByteOrder.LITTLE_ENDIAN);
        SplittableRandom r = new SplittableRandom(7);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double v = 128 + 60 * Math.sin(x / 23.0) * Math.cos(y / 31.0);
                int n = r.nextInt(24);
                int cr = clamp(v + n);
                int cg = clamp(v * 0.8 + n);
                int cb = clamp(255 - v + n);
                b.putInt(0xFF000000 | cr << 16 | cg << 8 | cb);
            }
        }
        return b.array();
    }

    static byte[] rgb565(int w, int h) {
        ByteBuffer b = ByteBuffer.allocate(w * h * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int icon = (x / 32) + (y / 32) * 8;
                int ix = x % 32;
                int iy = y % 32;
                boolean inside = (ix - 16) * (ix - 16) + (iy - 16) * (iy - 16) < 144;
                b.putShort((short) (inside ? (icon * 2654435761L >>> 16) & 0xFFFF : 0xFFFF));
            }
        }
        return b.array();
    }

    /** Interleaved position (xyz), normal (xyz) and uv float32 of a wavy grid. */
    static byte[] vertices(int nx, int ny) {
        ByteBuffer b = ByteBuffer.allocate(nx * ny * 8 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int j = 0; j < ny; j++) {
            for (int i = 0; i < nx; i++) {
                float x = i / (float) (nx - 1);
                float z = j / (float) (ny - 1);
                float y = (float) (0.05 * Math.sin(x * 12) * Math.cos(z * 9));
                b.putFloat(x).putFloat(y).putFloat(z).putFloat(0).putFloat(1).putFloat(0).putFloat(x).putFloat(z);
            }
        }
        return b.array();
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, v));
    }
}
