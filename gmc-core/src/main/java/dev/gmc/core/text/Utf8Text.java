package dev.gmc.core.text;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Strict UTF-8 decoding with errors that say where the bad byte is. */
public final class Utf8Text {
    private Utf8Text() {
    }

    /** Where a text stops being UTF-8: 1-based line and column (in characters), 0-based byte offset, the bytes. */
    public record Malformed(int line, int column, long offset, String bytes) {
        /** e.g. "column 12: byte 0xff (file offset 57) is not UTF-8"; the line goes in the caller's prefix. */
        public String describe() {
            return "column " + column + ": " + bytes + " (file offset " + offset + ") is not UTF-8";
        }
    }

    /** The file's text. @throws IOException naming the file and, for bytes that are not UTF-8, where they are */
    public static String read(Path p) throws IOException {
        byte[] b = Files.readAllBytes(p);
        try {
            return decode(b);
        } catch (MalformedTextException e) {
            throw new IOException(p + ":" + e.malformed().line() + ": " + e.malformed().describe(), e);
        }
    }

    /** Thrown by {@link #decode}; {@link #malformed} says where. */
    public static final class MalformedTextException extends IOException {
        private final Malformed malformed;

        MalformedTextException(Malformed m) {
            super(m.describe()); // the line goes in the caller's prefix (file:line:), as for every other input error
            this.malformed = m;
        }

        public Malformed malformed() {
            return malformed;
        }
    }

    /** Decodes {@code b} as UTF-8 (a leading byte-order mark is kept, as the JDK does). */
    public static String decode(byte[] b) throws MalformedTextException {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(b);
        CharBuffer out = CharBuffer.allocate(b.length); // UTF-8 never yields more chars than bytes
        CoderResult r = d.decode(in, out, true);
        if (!r.isError()) {
            r = d.flush(out);
        }
        if (r.isError()) {
            int at = in.position();
            int line = 1;
            int column = 1;
            for (int i = 0; i < out.position(); i++) {
                if (out.get(i) == '\n') {
                    line++;
                    column = 1;
                } else {
                    column++;
                }
            }
            StringBuilder bytes = new StringBuilder(r.length() == 1 ? "byte" : "bytes");
            for (int i = 0; i < r.length() && at + i < b.length; i++) {
                bytes.append(" 0x").append(String.format(Locale.ROOT, "%02x", b[at + i] & 0xff));
            }
            throw new MalformedTextException(new Malformed(line, column, at, bytes.toString()));
        }
        out.flip();
        return out.toString();
    }
}
