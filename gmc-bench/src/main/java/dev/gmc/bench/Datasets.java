package dev.gmc.bench;

import dev.gmc.core.store.SameFilled;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Benchmark page sets, read from the repository (run from its root): {@code samples} = the bundled sample buffers,
 * {@code real-mix} = 196 pages of real files (gmc-core's golden test resource). Same-filled pages are dropped: they
 * skip compression in the store, which would flatter the store path against raw compression.
 */
final class Datasets {
    private Datasets() {
    }

    static byte[][] load(String name) {
        List<Path> files = new ArrayList<>();
        try {
            if (name.equals("samples")) {
                try (Stream<Path> s = Files.list(Path.of("samples"))) {
                    s.filter(p -> p.toString().endsWith(".gz")).sorted().forEach(files::add);
                }
            } else if (name.equals("real-mix")) {
                files.add(Path.of("gmc-core/src/test/resources/golden/real-mix.bin.gz"));
            } else {
                throw new IllegalArgumentException("dataset: " + name + " (expected samples or real-mix)");
            }
            List<byte[]> pages = new ArrayList<>();
            for (Path f : files) {
                byte[] all;
                try (InputStream in = new GZIPInputStream(Files.newInputStream(f))) {
                    all = in.readAllBytes();
                }
                for (int off = 0; off + 4096 <= all.length; off += 4096) {
                    if (!SameFilled.test(all, off)) {
                        pages.add(java.util.Arrays.copyOfRange(all, off, off + 4096));
                    }
                }
            }
            return pages.toArray(new byte[0][]);
        } catch (IOException e) {
            throw new UncheckedIOException("dataset " + name + " (run from the repository root): " + e.getMessage(), e);
        }
    }
}
