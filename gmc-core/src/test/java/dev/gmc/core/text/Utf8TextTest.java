package dev.gmc.core.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Utf8Text} against the JDK's own decoding (valid text) and against positions computed from how each test
 * text was built (a bad byte put at a known place after a known prefix).
 */
class Utf8TextTest {

    /** Random text of ASCII, newlines, 2-, 3- and 4-byte characters. */
    private static String text(SplittableRandom r, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            switch (r.nextInt(6)) {
                case 0 -> b.append('\n');
                case 1 -> b.append((char) (0x80 + r.nextInt(0x780)));
                case 2 -> b.append((char) (0x800 + r.nextInt(0xd000 - 0x800)));
                case 3 -> b.appendCodePoint(0x10000 + r.nextInt(0x100000));
                default -> b.append((char) (0x20 + r.nextInt(0x5f)));
            }
        }
        return b.toString();
    }

    @Test
    void validTextDecodesAsTheJdkDecodesIt() throws Exception {
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 2000; i++) {
            byte[] b = text(r, r.nextInt(200)).getBytes(StandardCharsets.UTF_8);
            assertThat(Utf8Text.decode(b)).isEqualTo(new String(b, StandardCharsets.UTF_8));
        }
    }

    @Test
    void aBadByteIsPlacedByLineColumnAndOffset() {
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < 2000; i++) {
            String prefix = text(r, r.nextInt(120));
            byte[] head = prefix.getBytes(StandardCharsets.UTF_8);
            byte[] tail = text(r, r.nextInt(40)).getBytes(StandardCharsets.UTF_8);
            int bad = r.nextBoolean() ? 0xff : 0x80 + r.nextInt(0x40); // never valid / a continuation byte alone
            byte[] b = new byte[head.length + 1 + tail.length];
            System.arraycopy(head, 0, b, 0, head.length);
            b[head.length] = (byte) bad;
            System.arraycopy(tail, 0, b, head.length + 1, tail.length);
            int line = (int) prefix.chars().filter(c -> c == '\n').count() + 1;
            int column = prefix.length() - (prefix.lastIndexOf('\n') + 1) + 1; // in chars (UTF-16 units)
            assertThatThrownBy(() -> Utf8Text.decode(b)).isInstanceOfSatisfying(Utf8Text.MalformedTextException.class,
                    e -> assertThat(e.malformed()).isEqualTo(new Utf8Text.Malformed(line, column, head.length,
                            "byte 0x" + Integer.toHexString(bad))));
        }
    }

    @Test
    void aCharacterCutAtTheEndIsReportedWhereItStarts() {
        byte[] euro = "ab\u20ac".getBytes(StandardCharsets.UTF_8); // e2 82 ac
        byte[] cut = java.util.Arrays.copyOf(euro, euro.length - 1);
        assertThatThrownBy(() -> Utf8Text.decode(cut)).isInstanceOfSatisfying(Utf8Text.MalformedTextException.class,
                e -> assertThat(e.malformed()).isEqualTo(new Utf8Text.Malformed(1, 3, 2, "bytes 0xe2 0x82")));
    }

    @Test
    void readNamesTheFileAndLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("m.tsv");
        Files.write(f, new byte[] {'a', '\n', 'b', 'c', (byte) 0xe9, '\n'});
        assertThatThrownBy(() -> Utf8Text.read(f))
                .hasMessage(f + ":2: column 3: byte 0xe9 (file offset 4) is not UTF-8");
        Files.writeString(f, "a\nbc\u00e9\n");
        assertThat(Utf8Text.read(f)).isEqualTo("a\nbc\u00e9\n");
    }
}
