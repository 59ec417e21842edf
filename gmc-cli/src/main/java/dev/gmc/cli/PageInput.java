package dev.gmc.cli;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * Raw inputs: files and directories (recursively, in name order), read as a stream of 4 KiB pages. Files ending in
 * {@code .gz}, {@code .zst} or {@code .xz} are decompressed on the fly. A file whose length is not a multiple of
 * 4096 has its last page zero-padded, and that page is flagged as padded. Images (PNG, JPEG, BMP, GIF) are decoded
 * to RGBA8888 or RGB565 surfaces first (held whole while read). Otherwise nothing is held beyond one page.
 */
final class PageInput {
    static final int PAGE = 4096;

    private PageInput() {
    }

    /** {@code -} on the command line: standard input. */
    static final Path STDIN = Path.of("/dev/stdin");

    /**
     * Expands directories into their regular files, sorted by path; missing paths are an error naming them. A path
     * named on the command line that is not a regular file but can be read as one (a FIFO, a device, {@code -} for
     * standard input) is taken as a stream of unknown length.
     */
    static List<Path> expand(List<Path> paths) {
        List<Path> out = new ArrayList<>();
        for (Path p : paths) {
            if (p.toString().equals("-")) {
                out.add(STDIN);
            } else if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    s.filter(Files::isRegularFile).sorted().forEach(out::add);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list directory " + p + ": " + Errors.message(e), e);
                }
            } else if (Files.isRegularFile(p) || Files.isReadable(p) && Files.exists(p)) {
                out.add(p);
            } else {
                throw new IllegalArgumentException("input " + p + ": no such file or directory");
            }
        }
        return out;
    }

    static InputStream open(Path p) throws IOException {
        return open(p, ImageSurface.Options.DEFAULT);
    }

    /**
     * Opens a file as a byte stream of pages: compressed files are decompressed; images (by extension) are decoded
     * into a GPU-style surface ({@link ImageSurface}), so their pages are what the GPU would hold.
     */
    static InputStream open(Path p, ImageSurface.Options images) throws IOException {
        if (ImageSurface.isImage(p)) {
            try (InputStream raw = new BufferedInputStream(Files.newInputStream(p), 1 << 16)) {
                return new java.io.ByteArrayInputStream(ImageSurface.decode(p, raw, images));
            }
        }
        // FileInputStream for streams (FIFOs, stdin): the NIO channel stream tries to seek them
        boolean stream = !Files.isRegularFile(p);
        InputStream in = new BufferedInputStream(stream ? new java.io.FileInputStream(p.toFile())
                : Files.newInputStream(p), 1 << 16);
        String n = p.getFileName().toString();
        if (stream && !isCompressedName(n)) {
            n += sniffSuffix(in); // a stream has no telling name (`zcat` forgotten): its magic bytes decide
        }
        String format = n.endsWith(".gz") ? "gzip" : n.endsWith(".zst") ? "zstd" : n.endsWith(".xz") ? "xz" : null;
        if (format == null) {
            return in;
        }
        try {
            return new Decoded(format, switch (format) {
                case "gzip" -> new GZIPInputStream(in, 1 << 16);
                case "zstd" -> new ZstdInputStream(in);
                default -> new XZInputStream(in);
            });
        } catch (IOException e) { // gzip and xz read their header here
            in.close();
            throw new IOException(format + " header: " + Errors.message(e), e);
        }
    }

    /** Compressed files whose whole stream this run has decoded without error (path, size, modification time). */
    private static final java.util.Set<String> CHECKED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * Reads {@code through} (a view of {@code opened}, the stream {@link #open} returned for {@code file}) on to its
     * end, once per file and run, when {@code opened} decompresses: gzip's CRC-32, xz's check and zstd's checksum
     * (when the frame has one) cover the whole stream and are checked only at its end, so a reader that stops after
     * the bytes it needs would take whatever a damaged stream decoded to without a word.
     *
     * @throws IOException from the decoder when the rest of the stream is damaged
     */
    static void checkRest(Path file, InputStream opened, InputStream through) throws IOException {
        if (!(opened instanceof Decoded)) {
            return;
        }
        String key = file.toAbsolutePath().normalize() + "\0" + Files.size(file) + "\0"
                + Files.getLastModifiedTime(file);
        if (!CHECKED.contains(key)) {
            through.transferTo(java.io.OutputStream.nullOutputStream());
            CHECKED.add(key); // only once it has passed: every later read of a damaged file fails as well
        }
    }

    /**
     * A decompressing stream that names its format in its errors ("zstd: Corrupted block detected", where the
     * decoder alone says only the second half).
     */
    static final class Decoded extends java.io.FilterInputStream {
        private final String format;

        Decoded(String format, InputStream in) {
            super(in);
            this.format = format;
        }

        @Override
        public int read() throws IOException {
            try {
                return in.read();
            } catch (IOException e) {
                throw named(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (IOException e) {
                throw named(e);
            }
        }

        @Override
        public long skip(long n) throws IOException {
            try {
                return in.skip(n);
            } catch (IOException e) {
                throw named(e);
            }
        }

        private IOException named(IOException e) {
            return new IOException(format + ": " + Errors.message(e), e);
        }
    }

    /**
     * The compression suffix whose magic number {@code in} starts with (gzip {@code 1f 8b 08}, zstd frame
     * {@code 28 b5 2f fd}, xz {@code fd 37 7a 58 5a 00}), or "" (raw pages); {@code in} is left unread.
     */
    static String sniffSuffix(InputStream in) throws IOException {
        in.mark(6);
        byte[] m = in.readNBytes(6);
        in.reset();
        if (m.length >= 3 && (m[0] & 0xff) == 0x1f && (m[1] & 0xff) == 0x8b && m[2] == 8) {
            return ".gz";
        }
        if (m.length >= 4 && (m[0] & 0xff) == 0x28 && (m[1] & 0xff) == 0xb5 && (m[2] & 0xff) == 0x2f
                && (m[3] & 0xff) == 0xfd) {
            return ".zst";
        }
        if (m.length == 6 && (m[0] & 0xff) == 0xfd && m[1] == '7' && m[2] == 'z' && m[3] == 'X' && m[4] == 'Z'
                && m[5] == 0) {
            return ".xz";
        }
        return "";
    }

    /** Suffixes of the compressed files read transparently. */
    private static final String[] COMPRESSED = {".gz", ".zst", ".xz"};

    /** True if the name ends in a suffix of a compressed file ({@code .gz}, {@code .zst}, {@code .xz}). */
    static boolean isCompressedName(String name) {
        for (String s : COMPRESSED) {
            if (name.endsWith(s)) {
                return true;
            }
        }
        return false;
    }

    /** Name of a file without its compression suffix. */
    static String logicalName(Path p) {
        String n = p.toString();
        for (String s : COMPRESSED) {
            if (n.endsWith(s)) {
                return n.substring(0, n.length() - s.length());
            }
        }
        return n;
    }

    /**
     * Reads the next page (of {@code page.length} bytes: 4096, or the kernel's page size) into {@code page}; returns
     * the number of real bytes (1..page.length, the rest zeroed) or 0 at the end of the stream.
     */
    static int readPage(InputStream in, byte[] page) throws IOException {
        int n = in.readNBytes(page, 0, page.length);
        if (n > 0 && n < page.length) {
            java.util.Arrays.fill(page, n, page.length, (byte) 0);
        }
        return n;
    }

    /**
     * {@code pages} pages for a benchmark: from {@code inputs}, or by default the bundled samples plus gmc-core's
     * real-memory golden mix (run from the repository), cycled when the inputs hold fewer pages.
     */
    static byte[] loadPages(List<Path> inputs, int pages) throws IOException {
        List<Path> files = new java.util.ArrayList<>();
        if (inputs != null && !inputs.isEmpty()) {
            files.addAll(expand(inputs));
        } else {
            for (Path p : List.of(Path.of("samples"), Path.of("gmc-core/src/test/resources/golden/real-mix.bin.gz"))) {
                if (java.nio.file.Files.exists(p)) {
                    files.addAll(expand(List.of(p)));
                }
            }
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no input pages: give --input FILES (run from the repository for "
                    + "the defaults)");
        }
        var bo = new java.io.ByteArrayOutputStream();
        byte[] page = new byte[PAGE];
        for (Path f : files) {
            try (InputStream in = open(f)) {
                while (bo.size() < (long) pages * PAGE && readPage(in, page) > 0) {
                    bo.write(page);
                }
            }
            if (bo.size() >= (long) pages * PAGE) {
                break;
            }
        }
        byte[] src = bo.toByteArray();
        if (src.length == 0) {
            throw new IllegalArgumentException("the input files hold no pages");
        }
        byte[] data = new byte[pages * PAGE];
        for (int o = 0; o < data.length; o += src.length) { // cycle to fill the batch
            System.arraycopy(src, 0, data, o, Math.min(src.length, data.length - o));
        }
        return data;
    }
}
