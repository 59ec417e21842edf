package dev.gmc.tests;

import static dev.gmc.tests.MeasureCommandTest.gmc;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gmc.core.store.StoreConfig;
import dev.gmc.core.store.ZramDevice;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images are measured as the GPU surface they would become: the figures equal a zram device fed surface bytes built
 * here independently (RGBA8888 / RGB565, rows padded with zeros to the pitch alignment).
 */
class MeasureImagesTest {

    private static BufferedImage picture(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int a = x % 7 == 0 ? 0x80 : 0xFF;
                img.setRGB(x, y, a << 24 | (x * 5 & 0xFF) << 16 | (y * 9 & 0xFF) << 8 | ((x ^ y) & 0xFF));
            }
        }
        return img;
    }

    /** The surface written out by hand from the ARGB pixels (the oracle). */
    private static byte[] surface(BufferedImage img, boolean rgb565, int align) {
        int bpp = rgb565 ? 2 : 4;
        int pitch = (img.getWidth() * bpp + align - 1) / align * align;
        byte[] s = new byte[pitch * img.getHeight()];
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int c = img.getRGB(x, y);
                int r = c >>> 16 & 0xFF;
                int g = c >>> 8 & 0xFF;
                int b = c & 0xFF;
                int o = y * pitch + x * bpp;
                if (rgb565) {
                    int v = (r >> 3) << 11 | (g >> 2) << 5 | (b >> 3);
                    s[o] = (byte) v;
                    s[o + 1] = (byte) (v >> 8);
                } else {
                    s[o] = (byte) r;
                    s[o + 1] = (byte) g;
                    s[o + 2] = (byte) b;
                    s[o + 3] = (byte) (c >>> 24);
                }
            }
        }
        return s;
    }

    private static String mmStatOf(byte[] s) {
        byte[] page = new byte[4096];
        int pages = (s.length + 4095) / 4096;
        try (ZramDevice dev = new ZramDevice(StoreConfig.defaults(), pages)) {
            for (int i = 0; i < pages; i++) {
                java.util.Arrays.fill(page, (byte) 0);
                System.arraycopy(s, i * 4096, page, 0, Math.min(4096, s.length - i * 4096));
                dev.write(i, page, 0);
            }
            return dev.mmStat().toString().trim().replaceAll("\\s+", " ");
        }
    }

    @Test
    void pngBecomesARgbaOrRgb565SurfaceWithAlignedPitch(@TempDir Path dir) throws Exception {
        BufferedImage img = picture(301, 97); // 1204-byte rows: pitch 1216 at 64, 1280 at 256
        Path png = dir.resolve("icon.png");
        ImageIO.write(img, "png", png.toFile());
        for (String[] c : new String[][] {{"rgba8888", "64"}, {"rgba8888", "256"}, {"rgb565", "64"}}) {
            boolean rgb565 = c[0].equals("rgb565");
            int align = Integer.parseInt(c[1]);
            byte[] expected = surface(img, rgb565, align);
            MeasureCommandTest.Run r = gmc("measure", "--format", "json", "--image-format", c[0], "--pitch-align",
                    c[1], png.toString());
            assertThat(r.code()).as(r.err()).isZero();
            JsonNode total = new ObjectMapper().readTree(r.out()).get("results").get(0).get("total");
            assertThat(total.get("pages").asLong()).as(c[0] + "/" + c[1]).isEqualTo((expected.length + 4095) / 4096);
            assertThat(new ObjectMapper().readTree(r.out()).get("results").get(0).get("mm_stat").asText())
                    .as(c[0] + "/" + c[1]).isEqualTo(mmStatOf(expected));
        }
    }

    @Test
    void anImageThatDoesNotDecodeIsNamedAndKeepGoingMeasuresTheRest(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("broken.png"), "not a png at all");
        BufferedImage rgb = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB); // BMP has no alpha
        rgb.getGraphics().drawImage(picture(64, 64), 0, 0, null);
        assertThat(ImageIO.write(rgb, "bmp", dir.resolve("ok.bmp").toFile())).isTrue();
        MeasureCommandTest.Run strict = gmc("measure", dir.toString());
        assertThat(strict.code()).isEqualTo(1);
        assertThat(strict.err()).contains("broken.png").contains("does not decode").doesNotContain("\tat ");
        MeasureCommandTest.Run lenient = gmc("measure", "--keep-going", "--format", "csv", dir.toString());
        assertThat(lenient.code()).isEqualTo(2);
        assertThat(lenient.out()).contains("ok.bmp,4,"); // 64x64 RGBA = 16 KiB = 4 pages
        // A damaged header: the width's top byte set (67 -> 16,777,283 pixels, a row stride the raster refuses). ImageIO wraps
        // the decoder's IllegalArgumentException in an IIOException whose message is the cause's toString(); the user
        // reads the decoder's words, not Java class names.
        BufferedImage small = picture(67, 45);
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        assertThat(ImageIO.write(small, "png", png)).isTrue();
        byte[] damaged = png.toByteArray();
        damaged[16] = 1;
        Path header = dir.resolve("header.png");
        Files.write(header, damaged);
        MeasureCommandTest.Run wrapped = gmc("measure", header.toString());
        assertThat(wrapped.code()).isEqualTo(1);
        assertThat(wrapped.err()).contains("header.png").contains("does not decode: ").doesNotContain("java.")
                .doesNotContain("Exception").doesNotContain("\tat ");
        MeasureCommandTest.Run bad = gmc("measure", "--pitch-align", "48", dir.resolve("ok.bmp").toString());
        assertThat(bad.code()).isNotZero();
        assertThat(bad.err()).contains("pitch alignment 48");
    }
}
