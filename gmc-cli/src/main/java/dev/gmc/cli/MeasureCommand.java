package dev.gmc.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.pool.SizeClassTable;
import dev.gmc.core.store.IncompressiblePolicy;
import dev.gmc.core.store.MmStat;
import dev.gmc.core.store.PageStore;
import dev.gmc.core.store.SameFilled;
import dev.gmc.core.store.StoreConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code gmc measure}: what zram/GMC would save on raw buffer dumps, with the kernel's own mm_stat figures.
 * Every page goes through a real {@link PageStore} per algorithm, written in input order as zram would be written.
 */
@Command(name = "measure", mixinStandardHelpOptions = true,
        description = {"Measure compression savings of raw buffer dumps (files or directories; .gz/.zst/.xz read transparently; "
                + "PNG/JPEG/BMP/GIF images decoded to GPU surfaces first).",
                "Figures per file and in total; the mm_stat line is what the kernel's zram would print after the same writes."})
final class MeasureCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Dump files or directories (recursive).")
    List<Path> paths;

    @Option(names = "--algo", split = ",", paramLabel = "ALGO",
            description = "Codecs to compare, e.g. lz4-kernel,lz4,lz4hc:9,zstd:3 (default: ${DEFAULT-VALUE}).",
            defaultValue = "lz4-kernel")
    List<String> algos;

    @Option(names = "--chain", description = "zsmalloc chain size (max pages per zspage, 1..16; default: ${DEFAULT-VALUE}).",
            defaultValue = "8")
    int chain;

    @Option(names = "--legacy-classes", description = "Use the <=6.2 kernel rule (chain 4, used-percent) for size classes.")
    boolean legacy;

    @Option(names = "--policy", description = "Incompressible pages: store-raw (zram) or reject (GMC) (default: ${DEFAULT-VALUE}).",
            defaultValue = "store-raw")
    String policy;

    @Option(names = "--threshold", description = "Compressed length from which a page is incompressible (default: huge_class_size).",
            defaultValue = "0")
    int threshold;

    @Option(names = "--no-same-filled", description = "Do not detect same-filled pages (measure the codec alone).")
    boolean noSameFilled;

    @Option(names = "--format", description = "table, json or csv (default: ${DEFAULT-VALUE}).", defaultValue = "table")
    String format;

    @picocli.CommandLine.Mixin
    ImageSurface.Mixin imageOptions;

    @Option(names = "--threads", defaultValue = "0",
            description = "Compression worker threads (default: processors - 1, at least 1; the main thread reads "
                    + "and stores). Pages are compressed in parallel and stored in input order, so every figure is "
                    + "the same for any thread count.")
    int threads;

    @Option(names = "--keep-going", description = "Report unreadable files and go on with the others (exit code 2).")
    boolean keepGoing;

    /** Per-file, per-algorithm tallies. */
    static final class Tally {
        long pages;
        long paddedTail;
        long zero;
        long sameOther;
        long huge;
        long rejected;
        long comprBytes;
        double poolBytesEstimate;

        void add(Tally o) {
            pages += o.pages;
            paddedTail += o.paddedTail;
            zero += o.zero;
            sameOther += o.sameOther;
            huge += o.huge;
            rejected += o.rejected;
            comprBytes += o.comprBytes;
            poolBytesEstimate += o.poolBytesEstimate;
        }

        double ratio() {
            return poolBytesEstimate == 0 ? Double.POSITIVE_INFINITY : (pages - rejected) * 4096.0 / poolBytesEstimate;
        }
    }

    @Override
    public Integer call() throws Exception {
        SizeClassTable classes = legacy ? SizeClassTable.legacy() : SizeClassTable.withChain(chain);
        IncompressiblePolicy pol = IncompressiblePolicy.parse(policy);
        List<CodecSpec> specs = new ArrayList<>();
        for (String a : algos) {
            specs.add(CodecSpec.parse(a));
        }
        if (!List.of("table", "json", "csv").contains(format)) {
            throw new IllegalArgumentException("--format: '" + format + "' (expected table, json or csv)");
        }
        ImageSurface.Options images = imageOptions.options();
        List<Unit> units = units(paths);
        PageStore[] stores = new PageStore[specs.size()];
        for (int a = 0; a < stores.length; a++) {
            stores[a] = new PageStore(new StoreConfig(specs.get(a), classes, pol, threshold, !noSameFilled, 0, 0));
        }
        PrintWriter err = spec.commandLine().getErr();
        Progress progress = new Progress(err, units.stream().mapToLong(Unit::sizeHint).sum());
        Map<String, Tally[]> perFile = new LinkedHashMap<>();
        Map<String, Tally[]> perType = new java.util.TreeMap<>();
        Map<String, Tally[]> perOwner = new java.util.TreeMap<>();
        boolean manifest = units.stream().anyMatch(u -> u.type() != null);
        List<String> failures = new ArrayList<>();
        int nThreads = threads > 0 ? threads : Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
        Pipeline pipeline = new Pipeline(specs, stores, classes, nThreads, !noSameFilled);
        try {
            for (Unit u : units) {
                Tally[] t = new Tally[stores.length];
                for (int a = 0; a < t.length; a++) {
                    t[a] = new Tally();
                }
                long offset = 0;
                try (InputStream in = u.open(images)) {
                    offset = pipeline.run(in, t, progress);
                } catch (IOException e) {
                    offset = pipeline.bytesDone();
                    String msg = "cannot read " + u.describe() + " at byte " + (u.offset() + offset) + ": "
                            + e.getMessage();
                    if (!keepGoing) {
                        throw new IOException(msg + " (use --keep-going to skip it)", e);
                    }
                    failures.add(msg);
                    err.println("gmc measure: " + msg + " (skipped the rest of this input)");
                }
                String key = u.name();
                for (int k = 2; perFile.containsKey(key); k++) {
                    key = u.name() + "#" + k;
                }
                perFile.put(key, t);
                if (manifest) {
                    addTo(perType, u.type() == null ? "(raw file)" : u.type(), t);
                    addTo(perOwner, u.owner() == null ? "(raw file)" : u.owner(), t);
                }
            }
        } finally {
            progress.done();
            pipeline.close();
        }
        PrintWriter out = spec.commandLine().getOut();
        switch (format) {
            case "json": printJson(out, specs, stores, perFile, perType, perOwner, failures, classes); break;
            case "csv": printCsv(out, specs, stores, perFile, perType, perOwner); break;
            default: printTable(out, specs, stores, perFile, perType, perOwner, classes);
        }
        out.flush();
        for (PageStore s : stores) {
            s.close();
        }
        return failures.isEmpty() ? 0 : 2;
    }

    /** One measured input: a whole file, or a manifest buffer (a byte range of a file, with type and owner). */
    record Unit(String name, String type, String owner, Path file, long offset, long length) {
        long sizeHint() {
            return length >= 0 ? length : file.toFile().length();
        }

        String describe() {
            return type == null ? file.toString() : "buffer '" + name + "' (" + file + ")";
        }

        InputStream open(ImageSurface.Options images) throws IOException {
            InputStream in = PageInput.open(file, images);
            if (length < 0) {
                return in;
            }
            long skipped = in.skip(offset);
            while (skipped < offset) {
                if (in.read() < 0) {
                    in.close();
                    throw new IOException("truncated: " + file + " ends at byte " + skipped
                            + ", before the manifest's offset " + offset);
                }
                skipped += 1 + in.skip(offset - skipped - 1);
            }
            return new Range(in, length, this);
        }
    }

    /** The {@code length} bytes of a manifest buffer; a file that ends early is an error naming the buffer. */
    private static final class Range extends java.io.FilterInputStream {
        private long left;
        private final Unit u;

        Range(InputStream in, long length, Unit u) {
            super(in);
            this.left = length;
            this.u = u;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left == 0) {
                return -1;
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new IOException("truncated: " + u.file() + " ends " + left + " bytes before the end of the "
                        + "buffer (manifest: offset " + u.offset() + ", length " + u.length() + ")");
            }
            left -= n;
            return n;
        }
    }

    private static List<Unit> units(List<Path> paths) throws IOException {
        List<Unit> out = new ArrayList<>();
        for (Path p : paths) {
            Path m = java.nio.file.Files.isDirectory(p) ? Manifest.inDirectory(p)
                    : java.nio.file.Files.isRegularFile(p) && Manifest.isManifest(p) ? p : null;
            if (m != null) {
                for (Manifest.Entry e : Manifest.read(m).buffers()) {
                    out.add(new Unit(e.name(), e.type(), e.owner(), e.file(), e.offset(), e.length()));
                }
            } else {
                for (Path f : PageInput.expand(List.of(p))) {
                    out.add(new Unit(PageInput.logicalName(f), null, null, f, 0, -1));
                }
            }
        }
        return out;
    }

    private static void addTo(Map<String, Tally[]> group, String key, Tally[] t) {
        Tally[] g = group.computeIfAbsent(key, k -> {
            Tally[] n = new Tally[t.length];
            for (int a = 0; a < n.length; a++) {
                n[a] = new Tally();
            }
            return n;
        });
        for (int a = 0; a < t.length; a++) {
            g[a].add(t[a]);
        }
    }

    /**
     * Reads pages in chunks, compresses each chunk with every algorithm on a worker thread, and stores the results
     * into the stores on the calling thread in input order (the pool's allocation order, hence mem_used_total, is
     * what the kernel's would be). At most {@code 4 × threads} chunks are in flight, so memory stays bounded.
     */
    static final class Pipeline implements AutoCloseable {
        private static final int CHUNK = 256; // pages
        private static final int SLOT = 2 * PageInput.PAGE; // room for any codec's worst case on one page
        private final List<CodecSpec> specs;
        private final PageStore[] stores;
        private final SizeClassTable classes;
        private final java.util.concurrent.ExecutorService pool;
        private final int inFlight;
        private final boolean sameFilled;
        private final ThreadLocal<dev.gmc.core.codec.PageCodec[]> codecs;
        private long bytesDone;

        Pipeline(List<CodecSpec> specs, PageStore[] stores, SizeClassTable classes, int threads, boolean sameFilled) {
            this.specs = specs;
            this.stores = stores;
            this.classes = classes;
            this.sameFilled = sameFilled;
            this.inFlight = 4 * threads;
            this.pool = java.util.concurrent.Executors.newFixedThreadPool(threads, r -> {
                Thread th = new Thread(r, "gmc-measure");
                th.setDaemon(true);
                return th;
            });
            this.codecs = ThreadLocal.withInitial(() -> {
                dev.gmc.core.codec.PageCodec[] c = new dev.gmc.core.codec.PageCodec[specs.size()];
                for (int a = 0; a < c.length; a++) {
                    c[a] = specs.get(a).newCodec();
                }
                return c;
            });
        }

        /** One chunk: its pages, real lengths, and per algorithm the compressed lengths and bytes. */
        private final class Chunk {
            final byte[] data = new byte[CHUNK * PageInput.PAGE];
            final int[] real = new int[CHUNK];
            int pages;
            final int[][] len = new int[specs.size()][CHUNK];
            final byte[][] comp = new byte[specs.size()][CHUNK * SLOT];

            Chunk compress() {
                dev.gmc.core.codec.PageCodec[] c = codecs.get();
                for (int p = 0; p < pages; p++) {
                    int off = p * PageInput.PAGE;
                    if (sameFilled && dev.gmc.core.store.SameFilled.test(data, off)) {
                        for (int[] l : len) {
                            l[p] = 0; // the store records it without compressing
                        }
                        continue;
                    }
                    for (int a = 0; a < c.length; a++) {
                        int n = c[a].compress(data, off, PageInput.PAGE, comp[a], p * SLOT, SLOT);
                        len[a][p] = n > 0 && n <= PageInput.PAGE ? n : PageStore.INCOMPRESSIBLE;
                    }
                }
                return this;
            }
        }

        long bytesDone() {
            return bytesDone;
        }

        /** Measures one input stream into {@code t}; returns the bytes read. */
        long run(InputStream in, Tally[] t, Progress progress) throws IOException {
            bytesDone = 0;
            java.util.ArrayDeque<java.util.concurrent.Future<Chunk>> queue = new java.util.ArrayDeque<>();
            IOException failure = null;
            boolean eof = false;
            while (!eof || !queue.isEmpty()) {
                while (!eof && failure == null && queue.size() < inFlight) {
                    Chunk ch = free.isEmpty() ? new Chunk() : free.poll();
                    ch.pages = 0;
                    try {
                        while (ch.pages < CHUNK) {
                            int off = ch.pages * PageInput.PAGE;
                            int n = in.readNBytes(ch.data, off, PageInput.PAGE);
                            if (n <= 0) {
                                break;
                            }
                            if (n < PageInput.PAGE) { // a short last page is zero-padded
                                java.util.Arrays.fill(ch.data, off + n, off + PageInput.PAGE, (byte) 0);
                            }
                            ch.real[ch.pages++] = n;
                            if (n < PageInput.PAGE) {
                                eof = true;
                                break;
                            }
                        }
                    } catch (IOException e) {
                        failure = e;
                    }
                    if (ch.pages < CHUNK || failure != null) {
                        eof = true;
                    }
                    if (ch.pages > 0) {
                        queue.add(pool.submit(ch::compress));
                    }
                }
                if (queue.isEmpty()) {
                    break;
                }
                Chunk ch;
                try {
                    ch = queue.poll().get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException("compression failed: " + e.getCause(), e.getCause());
                }
                for (int p = 0; p < ch.pages; p++) {
                    for (int a = 0; a < stores.length; a++) {
                        account(stores[a], specs.get(a), classes, ch.data, p * PageInput.PAGE, ch.real[p],
                                ch.comp[a], p * SLOT, ch.len[a][p], t[a]);
                    }
                    progress.advance(ch.real[p]);
                    bytesDone += ch.real[p];
                }
                free.add(ch); // chunks are reused: no per-chunk allocation or zeroing
            }
            if (failure != null) {
                throw failure;
            }
            return bytesDone;
        }

        private final java.util.ArrayDeque<Chunk> free = new java.util.ArrayDeque<>();

        @Override
        public void close() {
            pool.shutdownNow();
        }
    }

    private static void account(PageStore store, CodecSpec spec, SizeClassTable classes, byte[] page, int off,
            int n, byte[] comp, int compOff, int compLen, Tally t) {
        t.pages++;
        if (n < PageInput.PAGE) {
            t.paddedTail++;
        }
        long id = compLen == 0 ? store.store(page, off)
                : store.storeCompressed(page, off, comp, compOff, compLen, spec);
        if (id == PageStore.REJECTED) {
            t.rejected++;
            return;
        }
        switch (store.kind(id)) {
            case SAME:
                if (SameFilled.fillValue(page, off) == 0) {
                    t.zero++;
                } else {
                    t.sameOther++;
                }
                return;
            case HUGE:
                t.huge++;
                break;
            default:
                break;
        }
        int len = store.storedLength(id);
        t.comprBytes += len;
        t.poolBytesEstimate += classes.bytesPerObject(classes.classFor(len));
    }

    private static Tally total(Map<String, Tally[]> perFile, int a) {
        Tally sum = new Tally();
        for (Tally[] t : perFile.values()) {
            sum.add(t[a]);
        }
        return sum;
    }

    private String settings(SizeClassTable classes, PageStore s) {
        return String.format(Locale.ROOT, "chain %d%s, %s at >= %d B, same-filled %s", classes.maxChain(),
                legacy ? " legacy" : "", s.config().policy(), s.config().threshold(), noSameFilled ? "off" : "on");
    }

    private void printTable(PrintWriter out, List<CodecSpec> specs, PageStore[] stores, Map<String, Tally[]> perFile,
                            Map<String, Tally[]> perType, Map<String, Tally[]> perOwner, SizeClassTable classes) {
        long pages = perFile.values().stream().mapToLong(t -> t[0].pages).sum();
        out.printf(Locale.ROOT, "gmc measure: %d input(s), %d pages (%s)%n", perFile.size(), pages, Units.bytes(pages * 4096));
        String head = String.format(Locale.ROOT, "%-40s %9s %8s %7s %7s %7s %12s %12s %8s", "file", "pages", "zero",
                "same", "huge", "reject", "compressed", "pool (est)", "ratio*");
        for (int a = 0; a < specs.size(); a++) {
            out.println();
            out.printf("algorithm %s  (%s)%n", specs.get(a), settings(classes, stores[a]));
            out.println(head);
            for (Map.Entry<String, Tally[]> e : perFile.entrySet()) {
                out.println(row(Units.shorten(e.getKey(), 40), e.getValue()[a]));
            }
            out.println(row("total", total(perFile, a)));
            for (var g : List.of(Map.entry("by type", perType), Map.entry("by owner", perOwner))) {
                if (!g.getValue().isEmpty()) {
                    out.println("  " + g.getKey() + ":");
                    for (Map.Entry<String, Tally[]> e : g.getValue().entrySet()) {
                        out.println(row("  " + Units.shorten(e.getKey(), 38), e.getValue()[a]));
                    }
                }
            }
            MmStat mm = stores[a].mmStat();
            out.printf(Locale.ROOT, "  mem_used_total %s for %s stored: ratio %.2fx, saved %s; gmc metadata %s%n",
                    Units.bytes(mm.memUsedTotal()), Units.bytes(mm.origDataSize()),
                    mm.memUsedTotal() == 0 ? Double.POSITIVE_INFINITY : (double) mm.origDataSize() / mm.memUsedTotal(),
                    Units.bytes(mm.origDataSize() - mm.memUsedTotal()), Units.bytes(stores[a].metadataBytes()));
            out.println("  mm_stat " + mm);
            out.println("  * pool (est) and its ratio charge each object its class's amortised cost (ppz*4096/objs);"
                    + " mem_used_total is the pool as written, partial zspages included.");
        }
    }

    private static String row(String name, Tally t) {
        String ratio = Double.isInfinite(t.ratio()) ? "-" : String.format(Locale.ROOT, "%.2fx", t.ratio());
        return String.format(Locale.ROOT, "%-40s %9d %8d %7d %7d %7d %12d %12d %8s", name, t.pages, t.zero,
                t.sameOther, t.huge, t.rejected, t.comprBytes, Math.round(t.poolBytesEstimate), ratio);
    }

    private void printCsv(PrintWriter out, List<CodecSpec> specs, PageStore[] stores, Map<String, Tally[]> perFile,
                          Map<String, Tally[]> perType, Map<String, Tally[]> perOwner) {
        out.println("algorithm,file,pages,padded_tail,zero_pages,same_other,huge,rejected,compressed_bytes,pool_bytes_est,ratio");
        for (int a = 0; a < specs.size(); a++) {
            for (Map.Entry<String, Tally[]> e : perFile.entrySet()) {
                out.println(csvRow(specs.get(a).toString(), e.getKey(), e.getValue()[a]));
            }
            out.println(csvRow(specs.get(a).toString(), "TOTAL", total(perFile, a)));
            for (Map.Entry<String, Tally[]> e : perType.entrySet()) {
                out.println(csvRow(specs.get(a).toString(), "type=" + e.getKey(), e.getValue()[a]));
            }
            for (Map.Entry<String, Tally[]> e : perOwner.entrySet()) {
                out.println(csvRow(specs.get(a).toString(), "owner=" + e.getKey(), e.getValue()[a]));
            }
        }
    }

    private static String csvRow(String algo, String file, Tally t) {
        String f = file.contains(",") || file.contains("\"") ? "\"" + file.replace("\"", "\"\"") + "\"" : file;
        return String.format(Locale.ROOT, "%s,%s,%d,%d,%d,%d,%d,%d,%d,%d,%.4f", algo, f, t.pages, t.paddedTail, t.zero,
                t.sameOther, t.huge, t.rejected, t.comprBytes, Math.round(t.poolBytesEstimate), t.ratio());
    }

    private void printJson(PrintWriter out, List<CodecSpec> specs, PageStore[] stores, Map<String, Tally[]> perFile,
                           Map<String, Tally[]> perType, Map<String, Tally[]> perOwner, List<String> failures,
                           SizeClassTable classes) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("files", perFile.size());
        root.put("failures", failures);
        List<Object> results = new ArrayList<>();
        for (int a = 0; a < specs.size(); a++) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("algorithm", specs.get(a).toString());
            r.put("settings", settings(classes, stores[a]));
            List<Object> fl = new ArrayList<>();
            for (Map.Entry<String, Tally[]> e : perFile.entrySet()) {
                fl.add(tallyMap(e.getKey(), e.getValue()[a]));
            }
            r.put("per_file", fl);
            List<Object> tl = new ArrayList<>();
            for (Map.Entry<String, Tally[]> e : perType.entrySet()) {
                tl.add(tallyMap(e.getKey(), e.getValue()[a]));
            }
            r.put("per_type", tl);
            List<Object> ol = new ArrayList<>();
            for (Map.Entry<String, Tally[]> e : perOwner.entrySet()) {
                ol.add(tallyMap(e.getKey(), e.getValue()[a]));
            }
            r.put("per_owner", ol);
            r.put("total", tallyMap("TOTAL", total(perFile, a)));
            MmStat mm = stores[a].mmStat();
            r.put("mm_stat", mm.toString().trim().replaceAll("\\s+", " "));
            r.put("mm_stat_fields", mm);
            r.put("io_stat", stores[a].ioStat());
            r.put("gmc", stores[a].counters());
            results.add(r);
        }
        root.put("results", results);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out, root);
        out.println();
    }

    private static Map<String, Object> tallyMap(String name, Tally t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", name);
        m.put("pages", t.pages);
        m.put("padded_tail_pages", t.paddedTail);
        m.put("zero_pages", t.zero);
        m.put("same_filled_other", t.sameOther);
        m.put("huge_pages", t.huge);
        m.put("rejected_pages", t.rejected);
        m.put("compressed_bytes", t.comprBytes);
        m.put("pool_bytes_estimate", Math.round(t.poolBytesEstimate));
        m.put("ratio", Double.isInfinite(t.ratio()) ? null : t.ratio());
        return m;
    }
}
