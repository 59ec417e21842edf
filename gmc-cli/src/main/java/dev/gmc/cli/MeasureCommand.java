package dev.gmc.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.pool.KernelArch;
import dev.gmc.core.pool.SizeClassTable;
import dev.gmc.core.store.IncompressiblePolicy;
import dev.gmc.core.store.MmStat;
import dev.gmc.core.store.IoStat;
import dev.gmc.core.store.SameFilled;
import dev.gmc.core.store.StoreConfig;
import dev.gmc.core.store.ZramKernel;
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
 * Every page is checked and compressed with each algorithm and counted in a {@link dev.gmc.core.store.WriteOnceModel}
 * (exactly the figures of a store written once with those pages, without keeping their bytes), so any size of
 * dump is measured in constant memory; see {@link MeasurePipeline}.
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
            description = "Codecs to compare, e.g. lz4-kernel,lzo-rle,lz4,lz4hc:9,zstd:3 (default: ${DEFAULT-VALUE}). "
                    + "lz4-kernel:N is zram's lz4 with algorithm_params level=N (acceleration N); lzo-rle and lzo "
                    + "are zram's (lzo-rle is its default compressor), byte for byte. zstd:N is zram's zstd from "
                    + "Linux 6.12 on (algorithm_params level=N); zstd-1.3.1 is its zstd in 5.4-5.15, zstd-1.4.10 in "
                    + "5.16-6.1 and zstd-crypto in 6.2-6.11 (through the crypto API: level 3 only, with other "
                    + "parameters and zstd releases, so other sizes). lz4hc-kernel:N, deflate:N and 842 are zram's "
                    + "lz4hc (level N, default 9), deflate (default 6) and 842, byte for byte.",
            defaultValue = "lz4-kernel")
    List<String> algos;

    @Option(names = "--chain", description = "zsmalloc chain size (max pages per zspage, 1..16; default: ${DEFAULT-VALUE}).",
            defaultValue = "8")
    int chain;

    @Option(names = "--legacy-classes", description = "A <=6.2 kernel's zsmalloc: the used-percent size-class rule with chain 4, "
            + "and its older pool (four fullness groups) where --recompress frees and compacts.")
    boolean legacy;

    @Option(names = "--kernel", paramLabel = "VERSION",
            description = "The Linux version whose zram to reproduce, e.g. 6.6, 5.15.148 or a GKI branch such as "
                    + "android14-6.1: 6.2 and earlier get --legacy-classes; lz4 and lz4hc become the kernel's own "
                    + "(lz4-kernel, lz4hc-kernel); zstd becomes zstd-1.3.1 up to 5.15, zstd-1.4.10 on 5.16-6.1 and "
                    + "zstd-crypto on 6.2-6.11; levels, dictionaries and --recompress are refused where that kernel "
                    + "has none. Checked: 5.4, 5.8, 5.10, 5.11, 5.13, "
                    + "5.15, 5.19, 6.1, 6.2, 6.5, 6.8, 6.11, 6.12, 6.14, 6.16, 6.17, 6.18, 6.19, 7.0, 7.1, 7.2, 7.3.")
    String kernel;

    /** {@link #kernel}, parsed once at the start of {@link #call()}; null without --kernel. */
    private ZramKernel zk;

    @Option(names = "--arch", defaultValue = "64", paramLabel = "ARCH", description = Args.ARCH_HELP)
    String arch;

    @Option(names = "--page-size", defaultValue = "4k", paramLabel = "SIZE", description = Args.PAGE_SIZE_HELP)
    String pageSize;

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
            description = "Worker threads (default: the number of processors). Every figure is the same for any "
                    + "thread count.")
    int threads;

    @Option(names = "--keep-going", description = "Report unreadable files and go on with the others (exit code 2).")
    boolean keepGoing;

    @Option(names = "--html", paramLabel = "FILE",
            description = "Also write a self-contained HTML report with charts (no network needed to view it).")
    Path html;

    @Option(names = "--dict-pages", defaultValue = "2048", paramLabel = "N",
            description = "For zstd...+dict algorithms: train the dictionary on the first N pages that are not "
                    + "same-filled (default: ${DEFAULT-VALUE}).")
    int dictPages;

    @Option(names = "--dict-size", defaultValue = "65536", paramLabel = "BYTES",
            description = "Size of a trained zstd dictionary (default: ${DEFAULT-VALUE}).")
    int dictSize;

    @Option(names = "--recompress", split = ",", paramLabel = "ALGO",
            description = "Also report each algorithm followed by zram's recompression with these codecs in priority "
                    + "order (recomp_algorithm, at most 3), e.g. zstd:9 or lz4hc:12,zstd:9.")
    List<String> recompress = new ArrayList<>();

    @Option(names = "--recompress-type", defaultValue = "all", paramLabel = "TYPE",
            description = "Which pages recompress considers: all, huge, idle or huge_idle; every page is idle here "
                    + "(echo all > idle after the writes), so idle = all (default: ${DEFAULT-VALUE}).")
    String recompressType;

    @Option(names = "--recompress-threshold", defaultValue = "0", paramLabel = "BYTES",
            description = "recompress threshold=: leave objects under BYTES alone, and accept only new objects under "
                    + "it (0 = none; below huge_class_size).")
    int recompressThreshold;

    /** The figures of one algorithm: per input, per type, per owner and in total. */
    record AlgoResult(CodecSpec spec, StoreConfig config, String settings, Map<String, MeasurePipeline.Tally> perFile,
                      Map<String, MeasurePipeline.Tally> perType, Map<String, MeasurePipeline.Tally> perOwner,
                      MeasurePipeline.Tally total) {
        MmStat mmStat() {
            return total.model.mmStat();
        }

        /** The algorithm, and the recompression codecs after an arrow when this result is recompressed. */
        String label() {
            return config.recompressCodecs().isEmpty() ? spec.toString() : spec + " -> " + config.recompressCodecs()
                    .stream().map(CodecSpec::toString).collect(java.util.stream.Collectors.joining(","));
        }

        /** The mm_stat line; after recompression pages_compacted depends on the write order and shows as "-". */
        String mmStatLine() {
            MmStat mm = mmStat();
            if (mm.pagesCompacted() >= 0) {
                return mm.toString();
            }
            return String.format(Locale.ROOT, "%8d %8d %8d %8d %8d %8d %8s %8d %8d", mm.origDataSize(),
                    mm.comprDataSize(), mm.memUsedTotal(), mm.memLimit(), mm.memUsedMax(), mm.samePages(), "-",
                    mm.hugePages(), mm.hugePagesSince());
        }

        boolean recompressed() {
            return !config.recompressCodecs().isEmpty();
        }
    }

    @Override
    public Integer call() throws Exception {
        zk = kernel == null ? null : Args.kernel(kernel);
        if (zk != null) {
            if (legacy && !zk.legacyClasses()) {
                throw new IllegalArgumentException("--legacy-classes: Linux " + zk + " has the classes of 6.3 and later"
                        + " (drop one of --kernel and --legacy-classes)");
            }
            legacy = zk.legacyClasses();
        }
        Args.legacyChain(spec, zk != null ? "--kernel " + zk : "--legacy-classes", legacy, chain);
        Args.threads("--threads", threads, 0);
        if (algos.isEmpty() || algos.stream().anyMatch(a -> a.isBlank())) {
            throw new IllegalArgumentException("--algo: '" + String.join(",", algos)
                    + "' has an empty entry (expected e.g. lz4-kernel,zstd:3)");
        }
        SizeClassTable classes = Args.classes(legacy, chain, arch, pageSize);
        IncompressiblePolicy pol = IncompressiblePolicy.parse(policy);
        if (!List.of("table", "json", "csv").contains(format)) {
            throw new IllegalArgumentException("--format: '" + format + "' (expected table, json or csv)");
        }
        ImageSurface.Options images = imageOptions.options();
        List<Unit> units = units(paths, classes.pageSize(), spec.commandLine().getErr());
        PrintWriter err = spec.commandLine().getErr();
        List<CodecSpec> specs = new ArrayList<>();
        byte[] dict = null;
        for (String a : algos) {
            String t = a.trim();
            if (t.endsWith("+dict")) {
                CodecSpec base = CodecSpec.parse(t.substring(0, t.length() - 5));
                if (base.algorithm() != CodecSpec.Algorithm.ZSTD) { // refuse before spending the training time
                    throw new IllegalArgumentException("--algo: '" + t + "': only zstd takes a dictionary, not "
                            + base.algorithm().id());
                }
                if (dict == null) {
                    dict = trainDictionary(units, images, err, classes.pageSize());
                }
                specs.add(CodecSpec.parse(t.substring(0, t.length() - 5)).withDictionary(dict));
            } else {
                specs.add(CodecSpec.parse(t));
            }
        }
        if (zk != null) {
            specs.replaceAll(c -> forKernel(zk, "--algo", c));
        }
        List<CodecSpec> secondary = new ArrayList<>();
        for (String a : recompress) {
            if (a.isBlank()) {
                throw new IllegalArgumentException("--recompress: '" + String.join(",", recompress)
                        + "' has an empty entry (expected e.g. zstd:9)");
            }
            secondary.add(CodecSpec.parse(a.trim()));
        }
        if (zk != null && !secondary.isEmpty()) {
            if (!zk.recompression()) {
                throw new IllegalArgumentException("--recompress: Linux " + zk + "'s zram has no recompression (6.2 "
                        + "and later do)");
            }
            secondary.replaceAll(c -> forKernel(zk, "--recompress", c));
        }
        MeasurePipeline.Recompress rc = null;
        if (!secondary.isEmpty()) {
            if (secondary.size() > StoreConfig.MAX_RECOMPRESS_CODECS) {
                throw new IllegalArgumentException("--recompress: " + secondary.size() + " codecs (zram has priorities 1.."
                        + StoreConfig.MAX_RECOMPRESS_CODECS + ")");
            }
            if (!List.of("all", "huge", "idle", "huge_idle").contains(recompressType)) {
                throw new IllegalArgumentException("--recompress-type: '" + recompressType
                        + "' (expected all, huge, idle or huge_idle)");
            }
            if (recompressThreshold < 0 || recompressThreshold >= classes.hugeClassSize()) {
                throw new IllegalArgumentException("--recompress-threshold: " + recompressThreshold + " (expected 0.."
                        + (classes.hugeClassSize() - 1) + ": the kernel refuses huge_class_size or more)");
            }
            rc = new MeasurePipeline.Recompress(recompressType.startsWith("huge"), recompressThreshold);
        } else if (!recompressType.equals("all") || recompressThreshold != 0) {
            throw new IllegalArgumentException("--recompress-type and --recompress-threshold need --recompress");
        }
        int columns = specs.size() * (secondary.isEmpty() ? 1 : 2);
        StoreConfig[] configs = new StoreConfig[columns];
        int[] baseOf = new int[columns];
        for (int a = 0, col = 0; a < specs.size(); a++) {
            StoreConfig base = new StoreConfig(specs.get(a), classes, pol, threshold, !noSameFilled, 0, 0);
            baseOf[col] = a;
            configs[col++] = base;
            if (!secondary.isEmpty()) {
                baseOf[col] = a;
                configs[col++] = base.withRecompressCodecs(secondary);
            }
        }
        Progress progress = new Progress(err, totalHint(units, images));
        Map<String, MeasurePipeline.Tally[]> perFile = new LinkedHashMap<>();
        Map<String, MeasurePipeline.Tally[]> perType = new java.util.TreeMap<>();
        Map<String, MeasurePipeline.Tally[]> perOwner = new java.util.TreeMap<>();
        boolean manifest = units.stream().anyMatch(u -> u.type() != null);
        // Inputs whose size is not the file's: a manifest buffer (its length is given) or an image (its surface).
        // A short last page there is the allocation's, not a sign of a truncated dump.
        java.util.Set<String> sized = new java.util.HashSet<>();
        List<String> failures = new ArrayList<>();
        int nThreads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        MeasurePipeline.Tally[] total;
        try (MeasurePipeline pipeline = new MeasurePipeline(specs, configs, baseOf, rc, nThreads)) {
            total = pipeline.newTallies();
            try {
                for (Unit u : units) {
                    MeasurePipeline.Tally[] t = pipeline.newTallies();
                    MeasurePipeline.Source src = null;
                    try {
                        src = u.source(images);
                        pipeline.run(src, t, progress);
                    } catch (IOException e) {
                        String msg = "cannot read " + u.describe() + " at "
                                + (PageInput.isCompressedName(String.valueOf(u.file().getFileName())) ? "decompressed " : "")
                                + "byte " + (u.offset() + (src == null ? 0 : src.failedAt())) + ": " + Errors.message(e);
                        if (!keepGoing) {
                            throw new IOException(msg + " (use --keep-going to skip it)", e);
                        }
                        failures.add(msg);
                        err.println("gmc measure: " + msg + " (skipped the rest of this input)");
                    } finally {
                        if (src != null) {
                            src.close();
                        }
                    }
                    String key = u.name();
                    for (int k = 2; perFile.containsKey(key); k++) {
                        key = u.name() + "#" + k;
                    }
                    perFile.put(key, t);
                    if (u.length() >= 0 || ImageSurface.isImage(u.file())) {
                        sized.add(key);
                    }
                    addTo(total, t);
                    if (manifest) {
                        addTo(group(perType, u.type() == null ? "(raw file)" : u.type(), pipeline), t);
                        addTo(group(perOwner, u.owner() == null ? "(raw file)" : u.owner(), pipeline), t);
                    }
                }
            } finally {
                progress.done();
            }
        }
        List<AlgoResult> results = new ArrayList<>();
        for (int a = 0; a < configs.length; a++) {
            results.add(new AlgoResult(specs.get(baseOf[a]), configs[a], settings(configs[a]), column(perFile, a),
                    column(perType, a), column(perOwner, a), total[a]));
        }
        PrintWriter out = spec.commandLine().getOut();
        switch (format) {
            case "json": printJson(out, results, failures); break;
            case "csv": printCsv(out, results); break;
            default: printTable(out, results, sized);
        }
        out.flush();
        if (html != null) {
            HtmlReport.write(html, results, failures, paths);
            err.println("gmc measure: wrote " + html);
        }
        return failures.isEmpty() ? 0 : 2;
    }

    /** The input size for the progress bar, or -1 (rate only) when an input's size cannot be known in advance. */
    private static long totalHint(List<Unit> units, ImageSurface.Options images) {
        if (System.console() == null) {
            return -1; // no progress bar: do not read image headers for nothing
        }
        long sum = 0;
        for (Unit u : units) {
            long h = u.sizeHint(images);
            if (h < 0) {
                return -1;
            }
            sum += h;
        }
        return sum;
    }

    /**
     * Trains a zstd dictionary on the first {@code --dict-pages} pages of the inputs that are not same-filled
     * (same-filled pages are never compressed, so they would only skew the dictionary).
     */
    private byte[] trainDictionary(List<Unit> units, ImageSurface.Options images, PrintWriter err, int pageBytes)
            throws IOException {
        if (dictPages < 8) {
            throw new IllegalArgumentException("--dict-pages: " + dictPages + " (expected at least 8)");
        }
        for (Unit u : units) {
            if (!java.nio.file.Files.isRegularFile(u.file())) {
                throw new IllegalArgumentException("a zstd dictionary is trained on the start of the inputs, which "
                        + "are then read again; " + u.file() + " is a stream that can be read only once");
            }
        }
        List<byte[]> samples = new ArrayList<>();
        byte[] page = new byte[pageBytes];
        int sameWordBytes = KernelArch.parse(arch).wordBytes();
        for (Unit u : units) {
            if (samples.size() >= dictPages) {
                break;
            }
            try (InputStream in = u.open(images)) {
                while (samples.size() < dictPages && PageInput.readPage(in, page) > 0) {
                    if (!SameFilled.test(page, 0, sameWordBytes, pageBytes)) {
                        samples.add(page.clone());
                    }
                }
            } catch (IOException e) {
                if (!keepGoing) {
                    throw new IOException("cannot read " + u.describe() + " to train the zstd dictionary: "
                            + Errors.message(e), e);
                }
            }
        }
        byte[] dict = dev.gmc.core.codec.ZstdDictionary.train(samples, dictSize);
        err.printf(Locale.ROOT, "gmc measure: zstd dictionary of %d bytes trained on the first %d non-same-filled pages "
                + "(they are measured too, which favours the dictionary on them)%n", dict.length, samples.size());
        return dict;
    }

    private static Map<String, MeasurePipeline.Tally> column(Map<String, MeasurePipeline.Tally[]> m, int a) {
        Map<String, MeasurePipeline.Tally> c = new LinkedHashMap<>();
        m.forEach((k, v) -> c.put(k, v[a]));
        return c;
    }

    private static MeasurePipeline.Tally[] group(Map<String, MeasurePipeline.Tally[]> groups, String key,
            MeasurePipeline pipeline) {
        return groups.computeIfAbsent(key, k -> pipeline.newTallies());
    }

    private static void addTo(MeasurePipeline.Tally[] sum, MeasurePipeline.Tally[] t) {
        for (int a = 0; a < t.length; a++) {
            sum[a].add(t[a]);
        }
    }

    /** One measured input: a whole file, or a manifest buffer (a byte range of a file, with type and owner). */
    /** One input: a raw file ({@code type} and {@code where} null) or a manifest's buffer. */
    record Unit(String name, String type, String owner, Path file, long offset, long length, String where) {
        /** Bytes this input will yield, for progress: -1 when unknown (a stream, a compressed file). */
        long sizeHint(ImageSurface.Options images) {
            if (length >= 0) {
                return length;
            }
            if (ImageSurface.isImage(file)) {
                return ImageSurface.surfaceBytes(file, images);
            }
            String n = file.getFileName() == null ? "" : file.getFileName().toString();
            boolean compressed = PageInput.isCompressedName(n);
            return compressed || !java.nio.file.Files.isRegularFile(file) ? -1 : file.toFile().length();
        }

        String describe() {
            return type == null ? file.toString() : "buffer '" + name + "' (" + where + ", file " + file + ")";
        }

        /**
         * The input as a {@link MeasurePipeline.Source}: positional reads (parallel, no lock) for a plain uncompressed
         * file, a stream otherwise.
         */
        MeasurePipeline.Source source(ImageSurface.Options images) throws IOException {
            String n = file.getFileName() == null ? "" : file.getFileName().toString();
            boolean plain = java.nio.file.Files.isRegularFile(file) && !ImageSurface.isImage(file)
                    && !PageInput.isCompressedName(n);
            if (!plain) {
                return MeasurePipeline.stream(open(images));
            }
            java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file);
            long size = ch.size();
            long len = size;
            IOException shortInput = null;
            if (length >= 0) {
                if (offset > size) {
                    ch.close();
                    throw new IOException("truncated: " + file + " ends at byte " + size + ", before the manifest's "
                            + "offset " + offset);
                }
                len = Math.min(length, size - offset);
                if (len < length) {
                    shortInput = new IOException("truncated: " + file + " ends " + (length - len) + " bytes before the "
                            + "end of the buffer (manifest: offset " + offset + ", length " + length + ")");
                }
            }
            return MeasurePipeline.positional(len, (pos, dst, count) -> {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(dst, 0, count);
                while (b.hasRemaining()) {
                    if (ch.read(b, offset + pos + b.position()) < 0) {
                        throw new IOException("truncated: " + file + " ended at byte " + (offset + pos + b.position())
                                + " while it was being read");
                    }
                }
            }, shortInput, ch);
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
            if (left == 0) {
                // the buffer's last bytes are read: a compressed file's checksum comes only at its end
                com.google.common.io.CountingInputStream rest = new com.google.common.io.CountingInputStream(in);
                try {
                    PageInput.checkRest(u.file(), in, rest);
                } catch (IOException e) {
                    throw new IOException(u.file() + " is damaged after this buffer (at decompressed byte "
                            + (u.offset() + u.length() + rest.getCount()) + "), so the buffer's bytes cannot be "
                            + "trusted either: " + Errors.message(e), e);
                }
            }
            return n;
        }
    }

    /**
     * The inputs of {@code paths}; a manifest captured on a host whose page size is not {@code pageSize} gets a note
     * on {@code err} (its kernel's figures need {@code --page-size}).
     */
    private static List<Unit> units(List<Path> paths, int pageSize, PrintWriter err) throws IOException {
        List<Unit> out = new ArrayList<>();
        for (Path p : paths) {
            Path m = java.nio.file.Files.isDirectory(p) ? Manifest.inDirectory(p)
                    : java.nio.file.Files.isRegularFile(p) && Manifest.isManifest(p) ? p : null;
            if (m != null) {
                Manifest manifest = Manifest.read(m);
                if (manifest.pageSize() != 0 && manifest.pageSize() != pageSize) {
                    err.printf(Locale.ROOT, "gmc measure: %s was captured on a host with %d-byte pages; these figures "
                            + "are for %d-byte pages (--page-size %s gives that kernel's)%n", m, manifest.pageSize(),
                            pageSize, manifest.pageSize() % 1024 == 0 ? manifest.pageSize() / 1024 + "k"
                                    : String.valueOf(manifest.pageSize()));
                }
                for (Manifest.Entry e : manifest.buffers()) {
                    out.add(new Unit(e.name(), e.type(), e.owner(), e.file(), e.offset(), e.length(), e.where()));
                }
            } else {
                for (Path f : PageInput.expand(List.of(p))) {
                    out.add(new Unit(PageInput.logicalName(f), null, null, f, 0, -1, null));
                }
            }
        }
        return out;
    }

    /** {@link ZramKernel#codecFor}, its refusal named after the option. */
    private static CodecSpec forKernel(ZramKernel k, String option, CodecSpec c) {
        try {
            return k.codecFor(c);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
    }

    private String settings(StoreConfig c) {
        String base = String.format(Locale.ROOT, "%s%s%schain %d%s, %s at >= %d B, same-filled %s",
                zk == null ? "" : "Linux " + zk + zk.uncheckedNote(c.classes().pageSize()) + ", ",
                c.classes().arch() == KernelArch.BIT64 ? "" : c.classes().arch() + " kernel, ",
                c.classes().pageSize() == 4096 ? "" : c.classes().pageSize() / 1024 + " KiB pages, ",
                c.classes().maxChain(),
                legacy ? " legacy" : "", c.policy(), c.threshold(), noSameFilled ? "off" : "on");
        boolean zstd = c.codec().algorithm() == CodecSpec.Algorithm.ZSTD
                || c.recompressCodecs().stream().anyMatch(r -> r.algorithm() == CodecSpec.Algorithm.ZSTD);
        if (zstd) {
            base += ", " + CodecSpec.zstdLibrary();
        }
        boolean crypto = c.codec().algorithm() == CodecSpec.Algorithm.ZSTD_CRYPTO
                || c.recompressCodecs().stream().anyMatch(r -> r.algorithm() == CodecSpec.Algorithm.ZSTD_CRYPTO);
        if (crypto) {
            base += ", zstd-crypto: zstd " + CodecSpec.zstdCryptoRelease() + " (Linux 6.2-6.11's output)";
        }
        if (c.codec().algorithm() == CodecSpec.Algorithm.ZSTD_131) { // no recompression before 6.2
            base += ", zstd-1.3.1: zstd 1.3.1 (Linux 5.4-5.15's output)";
        }
        if (c.codec().algorithm() == CodecSpec.Algorithm.ZSTD_1410) {
            base += ", zstd-1.4.10: gmc's port of zstd 1.4.10 (Linux 5.16-6.1's output)";
        }
        if (c.recompressCodecs().isEmpty()) {
            return base;
        }
        return base + String.format(Locale.ROOT, "; then echo all > idle, recompress type=%s%s, compact",
                recompressType, recompressThreshold > 0 ? " threshold=" + recompressThreshold : "");
    }

    private static final String ROW = "%-36s %9s %8s %7s %7s %7s %12s %12s %12s %8s";

    private static void printTable(PrintWriter out, List<AlgoResult> results, java.util.Set<String> sized) {
        AlgoResult first = results.get(0);
        long pages = first.total().pages;
        int pageSize = first.config().classes().pageSize();
        out.printf(Locale.ROOT, "gmc measure: %d input(s), %d pages%s (%s)%n", first.perFile().size(), pages,
                pageSize == 4096 ? "" : " of " + pageSize / 1024 + " KiB", Units.bytes(pages * pageSize));
        String head = String.format(Locale.ROOT, ROW, "file", "pages", "zero", "same", "huge", "reject",
                "compressed", "pool (est)", "saved", "ratio*");
        for (AlgoResult r : results) {
            out.println();
            out.printf("algorithm %s  (%s)%n", r.label(), r.settings());
            out.println(head);
            for (Map.Entry<String, MeasurePipeline.Tally> e : r.perFile().entrySet()) {
                out.println(row(Units.shorten(e.getKey(), 36), e.getValue()));
            }
            out.println(row("total", r.total()));
            for (var g : List.of(Map.entry("by type", r.perType()), Map.entry("by owner", r.perOwner()))) {
                if (!g.getValue().isEmpty()) {
                    out.println("  " + g.getKey() + ":");
                    for (Map.Entry<String, MeasurePipeline.Tally> e : g.getValue().entrySet()) {
                        out.println(row("  " + Units.shorten(e.getKey(), 34), e.getValue()));
                    }
                }
            }
            MmStat mm = r.mmStat();
            out.printf(Locale.ROOT, "  mem_used_total %s for %s stored: ratio %s, saved %s; gmc metadata %s%n",
                    Units.bytes(mm.memUsedTotal()), Units.bytes(mm.origDataSize()),
                    mm.memUsedTotal() == 0 ? "-" : String.format(Locale.ROOT, "%.2fx",
                            (double) mm.origDataSize() / mm.memUsedTotal()),
                    Units.bytes(mm.origDataSize() - mm.memUsedTotal()), Units.bytes(r.total().model.metadataBytes()));
            if (r.recompressed()) {
                MeasurePipeline.Tally t = r.total();
                out.printf(Locale.ROOT, "  recompressed %d pages (%d of them huge): compr_data_size %s -> %s, pool %s "
                        + "after the writes -> %s after recompress + compact%n", t.model.recompressed(),
                        t.model.recompressedHuge(), Units.bytes(t.model.writtenComprBytes()),
                        Units.bytes(mm.comprDataSize()), Units.bytes(t.model.writtenPoolPages() * pageSize),
                        Units.bytes(mm.memUsedTotal()));
            }
            out.println("  mm_stat " + r.mmStatLine());
        }
        out.println();
        out.println("* pool (est) charges each object its class's amortised cost (ppz*" + pageSize + "/objs); "
                + "mem_used_total is the pool as written. saved = stored pages - pool (est) - gmc metadata.");
        if (results.stream().anyMatch(AlgoResult::recompressed)) {
            out.println("  'A -> B' rows: after the writes, every page marked idle, one recompress pass (no max_pages) "
                    + "and a compaction; pages_compacted depends on the write order and is not given (-).");
        }
        // A raw file whose length is not a multiple of the page often means a truncated dump: say which files, not
        // only in JSON/CSV. Images and manifest buffers have the size they have; their short last page is only noted.
        List<String> padded = first.perFile().entrySet().stream().filter(e -> e.getValue().paddedTail > 0)
                .map(Map.Entry::getKey).toList();
        List<String> files = padded.stream().filter(k -> !sized.contains(k)).toList();
        List<String> buffers = padded.stream().filter(sized::contains).toList();
        if (!files.isEmpty()) {
            out.printf(Locale.ROOT, "  %d file(s) end in a short page, measured zero-padded to %d KiB (a truncated "
                    + "dump?): %s%n", files.size(), pageSize / 1024, firstFive(files));
        }
        if (!buffers.isEmpty()) {
            out.printf(Locale.ROOT, "  %d image(s) or manifest buffer(s) end in a short page, measured zero-padded to "
                    + "%d KiB: %s%n", buffers.size(), pageSize / 1024, firstFive(buffers));
        }
    }

    private static String firstFive(List<String> names) {
        return names.size() <= 5 ? String.join(", ", names) : String.join(", ", names.subList(0, 5)) + ", ...";
    }

    private static String row(String name, MeasurePipeline.Tally t) {
        String ratio = Double.isInfinite(t.ratio()) ? "-" : String.format(Locale.ROOT, "%.2fx", t.ratio());
        return String.format(Locale.ROOT, ROW, name, t.pages, t.zero(), t.sameOther(), t.huge(), t.rejected(),
                t.comprBytes(), Math.round(t.poolBytes()), Units.bytes(t.savedBytes()), ratio);
    }

    private static void printCsv(PrintWriter out, List<AlgoResult> results) {
        out.println("algorithm,file,pages,padded_tail,zero_pages,same_other,huge,rejected,compressed_bytes,"
                + "pool_bytes_est,metadata_bytes,saved_bytes,ratio");
        for (AlgoResult r : results) {
            String algo = r.label();
            r.perFile().forEach((k, t) -> out.println(csvRow(algo, k, t)));
            out.println(csvRow(algo, "TOTAL", r.total()));
            r.perType().forEach((k, t) -> out.println(csvRow(algo, "type=" + k, t)));
            r.perOwner().forEach((k, t) -> out.println(csvRow(algo, "owner=" + k, t)));
        }
    }

    private static String csvRow(String algo, String file, MeasurePipeline.Tally t) {
        String f = Csv.field(file);
        return String.format(Locale.ROOT, "%s,%s,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%.4f", algo, f, t.pages, t.paddedTail,
                t.zero(), t.sameOther(), t.huge(), t.rejected(), t.comprBytes(), Math.round(t.poolBytes()),
                t.model.metadataBytes(), t.savedBytes(), t.ratio());
    }

    private static void printJson(PrintWriter out, List<AlgoResult> results, List<String> failures)
            throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("files", results.get(0).perFile().size());
        root.put("failures", failures);
        List<Object> list = new ArrayList<>();
        for (AlgoResult r : results) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("algorithm", r.spec().toString());
            if (r.recompressed()) {
                m.put("recompress", r.config().recompressCodecs().stream().map(CodecSpec::toString).toList());
                m.put("recompressed_pages", r.total().model.recompressed());
                m.put("recompressed_huge_pages", r.total().model.recompressedHuge());
                m.put("pool_bytes_after_writes", r.total().model.writtenPoolPages() * r.total().model.pageSize());
            }
            m.put("settings", r.settings());
            m.put("page_size", r.total().model.pageSize());
            m.put("per_file", tallies(r.perFile()));
            m.put("per_type", tallies(r.perType()));
            m.put("per_owner", tallies(r.perOwner()));
            Map<String, Object> total = tallyMap("TOTAL", r.total());
            total.put("stored_length_histogram", histogram(r.total()));
            m.put("total", total);
            MmStat mm = r.mmStat();
            m.put("mm_stat", r.mmStatLine().trim().replaceAll("\\s+", " "));
            Map<String, Object> fields = new ObjectMapper().convertValue(mm, LinkedHashMap.class);
            if (mm.pagesCompacted() < 0) {
                fields.put("pagesCompacted", null); // depends on the write order: not modelled
            }
            m.put("mm_stat_fields", fields);
            m.put("io_stat", new IoStat(0, 0, 0, 0));
            m.put("gmc", r.total().model.counters());
            list.add(m);
        }
        root.put("results", list);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out, root);
        out.println();
    }

    private static List<Object> tallies(Map<String, MeasurePipeline.Tally> m) {
        List<Object> l = new ArrayList<>();
        m.forEach((k, t) -> l.add(tallyMap(k, t)));
        return l;
    }

    /**
     * Stored lengths in 64 buckets of a 64th of the page: {"same": n, "1-64": n, ..., "huge": n, "rejected": n} with
     * 4 KiB pages ("1-256", ... with 16 KiB).
     */
    static Map<String, Long> histogram(MeasurePipeline.Tally t) {
        Map<String, Long> h = new LinkedHashMap<>();
        h.put("same", t.lengths[0]);
        int step = t.step();
        for (int b = 1; b <= 64; b++) {
            h.put((b - 1) * step + 1 + "-" + b * step, t.lengths[b]);
        }
        h.put("huge", t.lengths[65]);
        h.put("rejected", t.lengths[66]);
        return h;
    }

    private static Map<String, Object> tallyMap(String name, MeasurePipeline.Tally t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", name);
        m.put("pages", t.pages);
        m.put("padded_tail_pages", t.paddedTail);
        m.put("zero_pages", t.zero());
        m.put("same_filled_other", t.sameOther());
        m.put("huge_pages", t.huge());
        m.put("rejected_pages", t.rejected());
        m.put("compressed_bytes", t.comprBytes());
        m.put("pool_bytes_estimate", Math.round(t.poolBytes()));
        m.put("metadata_bytes", t.model.metadataBytes());
        m.put("saved_bytes", t.savedBytes());
        m.put("ratio", Double.isInfinite(t.ratio()) ? null : t.ratio());
        return m;
    }
}
