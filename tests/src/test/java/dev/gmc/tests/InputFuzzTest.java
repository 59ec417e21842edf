package dev.gmc.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gmc.core.codec.TestPages;
import dev.gmc.tests.MeasureCommandTest.Run;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged inputs through the command line, as a user would give them: manifests (JSON and TSV) with tokens replaced
 * by junk, lines dropped, doubled or swapped and the file cut; images (PNG, GIF, BMP, JPEG) and a gzip'ed dump with
 * bits flipped, bytes overwritten, runs zeroed and the file cut; zram-replay op files mutated like the manifests. Each
 * mutant must either be measured or replayed (exit 0) or be refused with one line naming the input (exit 1): never an
 * internal error, a stack trace, or a Java class name in place of a message. (trace files have their own:
 * driver-adapters' TraceFuzzTest.)
 *
 * <p>A longer hunt: {@code -Dgmc.fuzz.mutants=1000 -Dgmc.fuzz.seed=N} (mutants per seed input; the default 60 take
 * about 12 s). What it found is listed in docs/TESTING.md ("Bad input"), each fixed with a test.
 */
class InputFuzzTest {
    private static final String[] JUNK = {"-1", "0", "1", "4294967296", "2147483647", "9223372036854775807",
        "-9223372036854775808", "99999999999999999999", "0x", "0xffffffffffffffff", "", "NaN", "1e9", "abc", "=",
        ":", "+", "\u00e9", "\t", "1k", "16k", "-0", "1.5", "..", "/", "null", "true", "[]", "{}", "\"", "#"};

    private static final int MUTANTS = Integer.getInteger("gmc.fuzz.mutants", 60);
    private final SplittableRandom rnd = new SplittableRandom(Long.getLong("gmc.fuzz.seed", 20261123));

    @TempDir
    Path dir;

    @Test
    void damagedManifestsAreMeasuredOrRefusedInOneLine() throws Exception {
        byte[] pages = TestPages.pages(3, 16);
        Files.write(dir.resolve("pages.bin"), pages);
        String json = """
                {"gmc_manifest": 1, "source": {"pid": 1234, "comm": "game", "page_size": 4096}, "buffers": [
                  {"name": "atlas", "owner": "com.example.game (1234)", "type": "texture", "format": "rgba8888",
                   "width": 64, "height": 64, "stride": 256, "file": "pages.bin", "offset": 0, "length": 16384},
                  {"name": "fb", "type": "colour-buffer", "file": "pages.bin", "offset": "0x4000", "length": 20000},
                  {"name": "z", "type": "depth", "file": "pages.bin", "offset": 40960, "length": 24576}
                ]}
                """;
        String tsv = "name\towner\ttype\tfile\toffset\tlength\n# comment\natlas\tgame (1)\ttexture\tpages.bin\t0\t16384\n"
                + "fb\t-\tcolour-buffer\tpages.bin\t0x4000\t20000\nz\t-\tdepth\tpages.bin\t40960\t24576\n";
        assertThat(measureOk(json.getBytes(StandardCharsets.UTF_8), "manifest.json")).isTrue();
        assertThat(measureOk(tsv.getBytes(StandardCharsets.UTF_8), "manifest.tsv")).isTrue();
        int measured = 0;
        for (int i = 0; i < MUTANTS; i++) {
            measured += measureOk(mutateText(json), "manifest.json") ? 1 : 0;
            measured += measureOk(mutateText(tsv), "manifest.tsv") ? 1 : 0;
        }
        // Not every mutant is refused: the hunt reaches past the parser into the measurement.
        assertThat(measured).isPositive().isLessThan(2 * MUTANTS);
    }

    @Test
    void damagedImagesAndCompressedDumpsAreMeasuredOrRefusedInOneLine() throws Exception {
        BufferedImage img = new BufferedImage(67, 45, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 45; y++) {
            for (int x = 0; x < 67; x++) {
                img.setRGB(x, y, (x > 30 ? 0x80 : 0xFF) << 24 | (x * 3) << 16 | (y * 5) << 8 | ((x ^ y) & 0xFF));
            }
        }
        BufferedImage rgb = new BufferedImage(67, 45, BufferedImage.TYPE_INT_RGB);
        rgb.getGraphics().drawImage(img, 0, 0, null);
        List<String> names = List.of("a.png", "a.gif", "a.bmp", "a.jpg", "dump.rgba8888.gz");
        List<byte[]> seeds = new ArrayList<>();
        for (String n : names) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            if (n.endsWith(".gz")) {
                try (GZIPOutputStream gz = new GZIPOutputStream(b)) {
                    gz.write(TestPages.pages(5, 8));
                }
            } else {
                assertThat(ImageIO.write(n.endsWith(".png") || n.endsWith(".gif") ? img : rgb,
                        n.substring(2), b)).as(n).isTrue();
            }
            seeds.add(b.toByteArray());
            assertThat(measureOk(b.toByteArray(), n)).as(n).isTrue();
        }
        int measured = 0;
        for (int i = 0; i < MUTANTS; i++) {
            for (int s = 0; s < names.size(); s++) {
                measured += measureOk(mutateBytes(seeds.get(s)), names.get(s)) ? 1 : 0;
            }
        }
        assertThat(measured).isLessThan(names.size() * MUTANTS);
    }

    @Test
    void damagedZramOpsAreReplayedOrRefusedInOneLine() throws Exception {
        Path pages = dir.resolve("pages.bin");
        Files.write(pages, TestPages.pages(1, 1200));
        List<byte[]> seeds = new ArrayList<>();
        for (String n : List.of("zram-writeback.ops", "zram-idle-age.ops", "arm-churn.ops")) {
            seeds.add(Files.readAllBytes(Path.of("../gmc-core/src/test/resources/golden", n)));
        }
        int replayed = 0;
        for (int i = 0; i < MUTANTS; i++) {
            byte[] m = mutateText(seeds.get(i % seeds.size()));
            Path ops = dir.resolve("fuzz.ops");
            Files.write(ops, m);
            Run r = MeasureCommandTest.gmc("zram-replay", ops.toString(), "--pages", pages.toString(), "--kernel", "6.19");
            check(r, m, "fuzz.ops");
            replayed += r.code() == 0 ? 1 : 0;
        }
        assertThat(replayed).isPositive().isLessThan(MUTANTS);
    }

    /** Measures {@code content} saved as {@code name}: true if measured, false if refused; anything else fails. */
    private boolean measureOk(byte[] content, String name) throws Exception {
        Path sub = Files.createTempDirectory(dir, "m");
        if (name.startsWith("manifest")) {
            Files.copy(dir.resolve("pages.bin"), sub.resolve("pages.bin"));
        }
        Files.write(sub.resolve(name), content);
        Run r = MeasureCommandTest.gmc("measure", sub.resolve(name).toString());
        check(r, content, name);
        return r.code() == 0;
    }

    private static void check(Run r, byte[] content, String name) {
        String what = name + " (mutant: " + new String(content, 0, Math.min(content.length, 400), StandardCharsets.ISO_8859_1)
                + ")\n" + r.err();
        assertThat(r.code()).as(what).isIn(0, 1);
        assertThat(r.err()).as(what).doesNotContain("internal error").doesNotContain("\tat ")
                .doesNotContainPattern("java\\.[a-z]+\\.[A-Z]|[A-Za-z]+Exception\\b");
        if (r.code() == 1) {
            List<String> lines = r.err().lines().filter(l -> l.startsWith("gmc ")).toList();
            assertThat(lines).as(what).hasSize(1);
            assertThat(lines.get(0)).as(what).contains(name);
        }
    }

    private byte[] mutateBytes(byte[] o) {
        byte[] b = o.clone();
        for (int k = 1 + rnd.nextInt(4); k > 0 && b.length > 0; k--) {
            int p = rnd.nextInt(b.length);
            switch (rnd.nextInt(5)) {
                case 0 -> b[p] ^= (byte) (1 << rnd.nextInt(8));
                case 1 -> b = Arrays.copyOf(b, p);
                case 2 -> b[p] = (byte) rnd.nextInt(256);
                case 3 -> Arrays.fill(b, p, Math.min(b.length, p + 1 + rnd.nextInt(64)), (byte) (rnd.nextBoolean() ? 0 : 0xFF));
                default -> {
                    byte[] c = new byte[b.length + 1];
                    System.arraycopy(b, 0, c, 0, p);
                    c[p] = (byte) rnd.nextInt(256);
                    System.arraycopy(b, p, c, p + 1, b.length - p);
                    b = c;
                }
            }
        }
        return b;
    }

    private byte[] mutateText(String s) {
        return mutateText(s.getBytes(StandardCharsets.UTF_8));
    }

    private byte[] mutateText(byte[] o) {
        if (rnd.nextInt(10) == 0) {
            return mutateBytes(o);
        }
        List<String> lines = new ArrayList<>(Arrays.asList(new String(o, StandardCharsets.UTF_8).split("\n", -1)));
        for (int k = 1 + rnd.nextInt(3); k > 0 && !lines.isEmpty(); k--) {
            int li = rnd.nextInt(lines.size());
            switch (rnd.nextInt(6)) {
                case 0 -> lines.remove(li);
                case 1 -> lines.add(rnd.nextInt(lines.size() + 1), lines.get(li));
                case 2 -> {
                    int lj = rnd.nextInt(lines.size());
                    String t = lines.get(li);
                    lines.set(li, lines.get(lj));
                    lines.set(lj, t);
                }
                default -> {
                    // split into tokens and the separators between them, and replace one of them
                    String[] toks = lines.get(li).split("((?<=[ \t=:+,\"\\[\\]{}])|(?=[ \t=:+,\"\\[\\]{}]))");
                    int t = rnd.nextInt(toks.length);
                    toks[t] = toks[t].matches("-?\\d{1,15}") && rnd.nextBoolean()
                            ? Long.toString(Long.parseLong(toks[t]) + rnd.nextInt(3) - 1)
                            : JUNK[rnd.nextInt(JUNK.length)];
                    lines.set(li, String.join("", toks));
                }
            }
        }
        return String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
    }
}
