package dev.gmc.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.nio.file.ExtendedOpenOption;
import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.codec.PageCodec;
import dev.gmc.core.pool.SizeClassTable;
import dev.gmc.core.store.IoStat;
import dev.gmc.core.store.MmStat;
import dev.gmc.core.store.SameFilled;
import dev.gmc.core.store.StoreConfig;
import dev.gmc.core.store.WriteOnceModel;
import dev.gmc.core.store.ZramDevice;
import dev.gmc.core.store.ZramKernel;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gmc kernel-check}: writes the same pages through a zram device of the running kernel and through gmc's
 * zram emulation, and prints both mm_stat lines side by side. It creates its own device
 * ({@code /sys/class/zram-control/hot_add}), writes each page once with O_DIRECT in input order, reads
 * {@code mm_stat} and {@code io_stat}, then resets and removes that device — and never touches any other.
 *
 * <p>With {@code --churn N} it goes on with N seeded random operations on both devices in the same order:
 * overwrites of random slots with pages drawn from the inputs, and discards of runs of slots ({@code blkdiscard},
 * which zram serves as REQ_OP_DISCARD). At each of {@code --checkpoints} points it compares both devices' stats,
 * compacts both ({@code echo 1 > compact}), compares again, and restarts mem_used_max ({@code echo 0 >
 * mem_used_max}). So zsmalloc's fullness groups, LIFO slot reuse, freeing of empty zspages and compaction
 * ({@code pages_compacted}) are checked against the kernel, not against a formula. {@code --mem-limit} sets the
 * same limit on both, and every write's outcome (stored or refused) must then agree too. At the end every slot is
 * read back from both and compared byte for byte.
 */
@Command(name = "kernel-check", mixinStandardHelpOptions = true,
        description = {"Check gmc's figures against the running kernel's zram (Linux, root, zram-control present): "
                + "the same pages are written through a zram device that gmc creates and removes itself.",
                "Inputs are read as by 'gmc measure' (directories, .gz/.zst/.xz, images decoded to surfaces)."})
final class KernelCheckCommand implements Callable<Integer> {
    private static final Path CONTROL = Path.of("/sys/class/zram-control");
    private static final String[] FIELDS = {"orig_data_size", "compr_data_size", "mem_used_total", "mem_limit",
        "mem_used_max", "same_pages", "pages_compacted", "huge_pages", "huge_pages_since",
        "io failed_reads", "io failed_writes", "io invalid_io", "io notify_free"};

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Dump files, directories or images.")
    List<Path> paths;

    @Option(names = "--kernel-algo",
            description = "The kernel's comp_algorithm (default: the kernel's name for --algo: lz4 for lz4-kernel "
                    + "and lz4, lzo, lzo-rle, lz4hc for lz4hc and lz4hc-kernel, zstd for zstd, zstd-crypto, "
                    + "zstd-1.3.1 and zstd-1.4.10, deflate, 842).")
    String kernelAlgo;

    @Option(names = "--algo", defaultValue = "lz4-kernel",
            description = "gmc's codec for the prediction (default: ${DEFAULT-VALUE}). An LZ4 acceleration "
                    + "(lz4-kernel:N) or a zstd level (zstd:N) is also given to the kernel, unless --kernel-params "
                    + "says otherwise. A plain zstd is predicted with the running kernel's zstd: zstd-1.3.1 up to "
                    + "5.15, zstd-1.4.10 on 5.16-6.1, zstd-crypto on 6.2-6.11.")
    String algo;

    @Option(names = "--kernel-params", paramLabel = "PARAMS",
            description = "Written to the device's algorithm_params before its disksize (kernel 6.12 and later), "
                    + "e.g. 'level=3'; 'algo=' is prepended with --kernel-algo. Default: 'level=N' when --algo is "
                    + "an LZ4 codec with acceleration N > 1 and --kernel-algo is lz4, or zstd:N with N other than "
                    + "zram's default 3 and --kernel-algo zstd; else nothing.")
    String kernelParams;

    @Option(names = "--chain", defaultValue = "8",
            description = "zsmalloc chain size of the running kernel (default: ${DEFAULT-VALUE}; 4 with the <=6.2 "
                    + "class rule, which gmc takes for a running kernel of 6.2 or earlier).")
    int chain;

    @Option(names = "--churn", defaultValue = "0", paramLabel = "OPS",
            description = "After writing every page once: this many random operations on both devices, 70 %% "
                    + "overwrites of a random slot with an input page, 30 %% discards of a run of 1-16 slots "
                    + "(default: ${DEFAULT-VALUE}, none). Needs blkdiscard (util-linux).")
    int churn;

    @Option(names = "--checkpoints", defaultValue = "4",
            description = "With --churn: compare, compact both, compare again and restart mem_used_max at this many "
                    + "evenly spaced points (default: ${DEFAULT-VALUE}).")
    int checkpoints;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the churn operations (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--mem-limit", paramLabel = "BYTES", defaultValue = "0",
            description = "zram mem_limit for both devices, in bytes (default: none). Writes beyond it must be "
                    + "refused by both, write by write.")
    long memLimit;

    @Option(names = "--format", defaultValue = "table",
            description = "table or json (default: ${DEFAULT-VALUE}); the exit code is the same for both.")
    String format;

    @picocli.CommandLine.Mixin
    ImageSurface.Mixin imageOptions;

    /** The running kernel (from {@code os.version}), or null if it cannot be read. */
    private ZramKernel running;

    /** What {@link #algorithmParams} gives for the options; set once at the start of {@link #call()}. */
    private String params;

    /** Pages kept in memory as the churn's overwrite contents (a seeded sample of the inputs: 16 MiB). */
    private static final int CHURN_PAGES = 4096;

    @Override
    public Integer call() throws Exception {
        if (churn < 0 || checkpoints < 1 || memLimit < 0) {
            throw new IllegalArgumentException("--churn and --mem-limit must be >= 0 and --checkpoints >= 1");
        }
        if (!List.of("table", "json").contains(format)) {
            throw new IllegalArgumentException("--format: '" + format + "' (expected table or json)");
        }
        CodecSpec gmcCodec = CodecSpec.parse(algo); // --algo checked before hot_add
        // the running kernel's pool and write path: the legacy class rule (chain 4 unless --chain) up to 6.2, and its
        // ZramDevice behaviour (when a write frees the slot's old object)
        try {
            running = ZramKernel.parse(System.getProperty("os.version", ""));
        } catch (IllegalArgumentException e) {
            running = null;
            spec.commandLine().getErr().println("gmc kernel-check: cannot read the running kernel's version ("
                    + e.getMessage() + "); predicting with Linux 6.18's rules");
        }
        if (running != null && running.legacyClasses() && !Args.given(spec, "--chain")) {
            chain = 4;
        }
        gmcCodec = predictWith(gmcCodec, running);
        algo = gmcCodec.toString(); // the report names the codec gmc predicts with
        if (kernelAlgo == null) {
            kernelAlgo = kernelAlgoFor(gmcCodec);
        }
        params = algorithmParams(kernelAlgo, gmcCodec, kernelParams);
        ImageSurface.Options images = imageOptions.options();
        List<Path> files = PageInput.expand(paths);
        for (Path f : files) {
            if (f.equals(PageInput.STDIN) || !Files.isRegularFile(f)) { // a stream could not be read twice
                throw new IllegalArgumentException("input " + f + ": kernel-check reads its inputs twice (to size the "
                        + "zram device, then to write it), so it needs regular files, not a stream");
            }
        }
        if (!System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")) {
            throw new IllegalStateException("kernel-check needs Linux (this is " + System.getProperty("os.name") + ")");
        }
        if (!Files.isDirectory(CONTROL)) {
            throw new IllegalStateException(CONTROL + " is missing: load the zram module (modprobe zram) first");
        }
        if (!Files.isWritable(CONTROL.resolve("hot_remove"))) {
            throw new IllegalStateException("kernel-check must run as root (it creates and removes a zram device)");
        }
        long pages = 0;
        byte[] page = new byte[PageInput.PAGE];
        Random rnd = new Random(seed);
        byte[][] sample = new byte[CHURN_PAGES][];
        for (Path f : files) { // first pass: the device size, and a reservoir sample of pages for the churn
            try (InputStream in = PageInput.open(f, images)) {
                while (PageInput.readPage(in, page) > 0) {
                    long k = pages < CHURN_PAGES ? pages : (long) (rnd.nextDouble() * (pages + 1));
                    if (churn > 0 && k < CHURN_PAGES) {
                        sample[(int) k] = page.clone();
                    }
                    pages++;
                }
            }
        }
        if (pages == 0) {
            throw new IllegalArgumentException("the inputs hold no pages");
        }
        if (pages > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("too many pages: " + pages);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr(); // differences found along the way: stdout stays one report
        Progress progress = Progress.items(err, pages + churn, "writes and operations");
        int id = Integer.parseInt(Files.readString(CONTROL.resolve("hot_add")).trim()); // creates zram<id>
        Path sys = Path.of("/sys/block/zram" + id);
        Path node = Path.of("/dev/zram" + id);
        List<Checkpoint> results = new ArrayList<>();
        MmStat measured; // what gmc measure reports: the counting model, no pages kept
        long refusalMismatches = 0;
        long readMismatches = 0;
        try {
            Path algoFile = sys.resolve("comp_algorithm");
            try {
                write(algoFile, kernelAlgo);
            } catch (IOException e) { // name what the kernel does offer: "[lzo-rle] lzo lz4"
                String offered = Files.readString(algoFile, StandardCharsets.US_ASCII).replaceAll("[\\[\\]]", "").trim();
                throw new IOException(e.getMessage() + " (this kernel's zram offers: " + offered + "; --kernel-algo "
                        + "picks one)", e);
            }
            if (params != null) {
                Path file = sys.resolve("algorithm_params");
                if (!Files.exists(file)) {
                    throw new IllegalStateException(file + " is missing (kernel before 6.12): cannot give the kernel '"
                            + params + "'; use --algo without an acceleration or level, or --kernel-params ''");
                }
                write(file, params);
            }
            if (memLimit > 0) {
                write(sys.resolve("mem_limit"), String.valueOf(memLimit));
            }
            write(sys.resolve("disksize"), String.valueOf(pages * PageInput.PAGE));
            StoreConfig cfg = StoreConfig.defaults().withCodec(gmcCodec).withMemLimitBytes(memLimit);
            cfg = cfg.withClasses(running != null && running.legacyClasses()
                    ? SizeClassTable.of(chain, SizeClassTable.ChainRule.LEGACY_USED_PERCENT)
                    : SizeClassTable.withChain(chain));
            WriteOnceModel counting = new WriteOnceModel(cfg);
            byte[] comp = new byte[2 * PageInput.PAGE];
            try (ZramDevice model = new ZramDevice(cfg, (int) pages, 0,
                    running == null ? ZramDevice.Behaviour.LINUX_6_18 : running.behaviour());
                 PageCodec codec = cfg.codec().newCodec();
                 FileChannel dev = FileChannel.open(node, StandardOpenOption.READ, StandardOpenOption.WRITE,
                         ExtendedOpenOption.DIRECT)) {
                ByteBuffer direct = ByteBuffer.allocateDirect(2 * PageInput.PAGE).alignedSlice(PageInput.PAGE);
                int slot = 0;
                for (Path f : files) {
                    try (InputStream in = PageInput.open(f, images)) {
                        while (PageInput.readPage(in, page) > 0) {
                            boolean kernelStored = writeDirect(dev, direct, slot, page);
                            boolean gmcStored = model.write(slot, page, 0);
                            refusalMismatches += report(err, "write", slot, slot, kernelStored, gmcStored);
                            progress.advance(1);
                            if (SameFilled.test(page, 0)) {
                                counting.addSame(SameFilled.fillValue(page, 0));
                            } else {
                                counting.addCompressed(codec.compress(page, 0, PageInput.PAGE, comp, 0, comp.length));
                            }
                            slot++;
                        }
                    }
                }
                measured = counting.mmStat();
                results.add(checkpoint("written once", sys, model));
                if (churn > 0) {
                    int n = (int) pages;
                    int sampled = (int) Math.min(pages, CHURN_PAGES);
                    long done = 0;
                    for (int c = 1; c <= checkpoints; c++) {
                        long until = churn * (long) c / checkpoints;
                        for (; done < until; done++) {
                            progress.advance(1);
                            if (rnd.nextInt(10) < 7) {
                                int s = rnd.nextInt(n);
                                byte[] p = sample[rnd.nextInt(sampled)];
                                boolean kernelStored = writeDirect(dev, direct, s, p);
                                boolean gmcStored = model.write(s, p, 0);
                                refusalMismatches += report(err, "churn op", done, s, kernelStored, gmcStored);
                            } else {
                                int s = rnd.nextInt(n);
                                int len = Math.min(1 + rnd.nextInt(16), n - s);
                                discard(node, s, len);
                                for (int i = s; i < s + len; i++) {
                                    model.discard(i);
                                }
                            }
                        }
                        results.add(checkpoint("churn " + done + " ops", sys, model));
                        write(sys.resolve("compact"), "1");
                        model.compact();
                        results.add(checkpoint("compacted", sys, model));
                        write(sys.resolve("mem_used_max"), "0");
                        model.resetMemUsedMax();
                    }
                }
                readMismatches = readBack(err, dev, direct, model, (int) pages);
            }
        } finally {
            progress.done();
            try {
                write(sys.resolve("reset"), "1");
            } finally {
                write(CONTROL.resolve("hot_remove"), String.valueOf(id));
            }
        }
        boolean same = results.stream().allMatch(Checkpoint::same) && refusalMismatches == 0 && readMismatches == 0
                && (memLimit > 0 || measured.equals(results.get(0).gmc()));
        if (format.equals("json")) {
            json(out, id, pages, files.size(), results, measured, refusalMismatches, readMismatches, same);
        } else {
            print(out, id, pages, files.size(), results, measured, refusalMismatches, readMismatches, same);
        }
        return same ? 0 : 3;
    }

    /**
     * The codec gmc predicts the running kernel's zram with: a plain {@code zstd} (no level) becomes that kernel's zstd,
     * {@code zstd-1.3.1} up to 5.15, {@code zstd-1.4.10} on 5.16 to 6.1 and {@code zstd-crypto} on 6.2 to 6.11, as
     * {@code measure --kernel} maps it; anything else, or a kernel whose zstd this build does not link or whose version
     * is unknown, is predicted as asked.
     */
    static CodecSpec predictWith(CodecSpec asked, ZramKernel running) {
        if (running == null || !asked.equals(CodecSpec.of(CodecSpec.Algorithm.ZSTD))) {
            return asked;
        }
        try {
            return running.codecFor(asked);
        } catch (IllegalArgumentException e) {
            return asked; // a release this build does not link: the comparison will say so
        }
    }

    /** zram's {@code comp_algorithm} name for the algorithm gmc predicts with. */
    static String kernelAlgoFor(CodecSpec codec) {
        return switch (codec.algorithm()) {
            case LZ4, LZ4_KERNEL -> "lz4";
            case LZ4HC, LZ4HC_KERNEL -> "lz4hc";
            case ZSTD, ZSTD_CRYPTO, ZSTD_131, ZSTD_1410 -> "zstd";
            case LZO -> "lzo";
            case LZO_RLE -> "lzo-rle";
            case DEFLATE -> "deflate";
            case SW842 -> "842";
        };
    }

    /**
     * What to write to {@code algorithm_params}, or null for nothing: the explicit {@code --kernel-params} (empty =
     * nothing), else the acceleration of an LZ4 prediction codec when the kernel runs lz4 (zram's lz4 backend passes
     * {@code level} to {@code LZ4_compress_fast} as its acceleration), or the level of a zstd prediction codec when the
     * kernel runs zstd (its backend uses {@code zstd_get_params(level, PAGE_SIZE)}, level 3 when none is given), or
     * of an lz4hc-kernel or deflate prediction codec when the kernel runs lz4hc or deflate (their defaults: 9, and 6
     * = {@code Z_DEFAULT_COMPRESSION}).
     */
    static String algorithmParams(String kernelAlgo, CodecSpec gmcCodec, String explicit) {
        if (explicit != null) {
            return explicit.isBlank() ? null : "algo=" + kernelAlgo + " " + explicit.trim();
        }
        boolean lz4Fast = gmcCodec.algorithm() == CodecSpec.Algorithm.LZ4_KERNEL
                || gmcCodec.algorithm() == CodecSpec.Algorithm.LZ4;
        if (kernelAlgo.equals("lz4") && lz4Fast && gmcCodec.level() > 1) {
            return "algo=lz4 level=" + gmcCodec.level();
        }
        if (kernelAlgo.equals("zstd") && gmcCodec.algorithm() == CodecSpec.Algorithm.ZSTD && gmcCodec.level() != 3) {
            return "algo=zstd level=" + gmcCodec.level();
        }
        if (kernelAlgo.equals("lz4hc") && gmcCodec.algorithm() == CodecSpec.Algorithm.LZ4HC_KERNEL
                && gmcCodec.level() != CodecSpec.Algorithm.LZ4HC_KERNEL.defaultLevel()) {
            return "algo=lz4hc level=" + gmcCodec.level();
        }
        if (kernelAlgo.equals("deflate") && gmcCodec.algorithm() == CodecSpec.Algorithm.DEFLATE
                && gmcCodec.level() != CodecSpec.Algorithm.DEFLATE.defaultLevel()) {
            return "algo=deflate level=" + gmcCodec.level();
        }
        return null;
    }

    private void json(PrintWriter out, int id, long pages, int fileCount, List<Checkpoint> results, MmStat measured,
                      long refusalMismatches, long readMismatches, boolean same) throws IOException {
        ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = om.createObjectNode();
        root.put("pages", pages).put("files", fileCount).put("device", "zram" + id).put("kernelAlgo", kernelAlgo)
                .put("kernelParams", params)
                .put("algo", algo).put("chain", chain).put("churn", churn).put("checkpoints", checkpoints)
                .put("seed", seed).put("memLimit", memLimit).put("kernel", running == null ? null : running.toString());
        ArrayNode cps = root.putArray("results");
        for (Checkpoint c : results) {
            ObjectNode n = cps.addObject().put("at", c.what()).put("equal", c.same());
            ObjectNode k = n.putObject("kernel");
            ObjectNode g = n.putObject("gmc");
            long[] kf = c.kernelFields();
            long[] gf = c.gmcFields();
            for (int i = 0; i < FIELDS.length; i++) {
                String key = FIELDS[i].replace("io ", "io_");
                k.put(key, kf[i]);
                g.put(key, gf[i]);
            }
        }
        if (memLimit == 0) {
            root.put("measureModelEqual", measured.equals(results.get(0).gmc()));
        }
        root.put("writesStoredOrRefusedDifferently", refusalMismatches).put("slotsReadBackDifferently", readMismatches)
                .put("equal", same);
        out.println(om.writeValueAsString(root));
        out.flush();
    }

    /** The stats of both devices at one point of the run. */
    private record Checkpoint(String what, MmStat kernel, MmStat gmc, IoStat kernelIo, IoStat gmcIo) {
        long[] kernelFields() {
            return fields(kernel, kernelIo);
        }

        long[] gmcFields() {
            return fields(gmc, gmcIo);
        }

        boolean same() {
            return java.util.Arrays.equals(kernelFields(), gmcFields());
        }
    }

    private static Checkpoint checkpoint(String what, Path sys, ZramDevice model) throws IOException {
        return new Checkpoint(what, MmStat.parse(Files.readString(sys.resolve("mm_stat"))), model.mmStat(),
                IoStat.parse(Files.readString(sys.resolve("io_stat"))), model.ioStat());
    }

    private void print(PrintWriter out, int id, long pages, int fileCount, List<Checkpoint> results, MmStat measured,
                       long refusalMismatches, long readMismatches, boolean same) {
        out.printf("%d pages from %d file(s) through zram%d (%s, created and removed by gmc) and gmc (%s, chain %d%s)%s%n",
                pages, fileCount, id, kernelAlgo + (params == null ? "" : ", algorithm_params '" + params + "'"), algo,
                chain, running == null ? "" : ", Linux " + running + " rules", churn > 0
                        ? String.format(Locale.ROOT, "; then %d churn operations (seed %d)", churn, seed) : "");
        if (results.size() > 1) {
            out.printf("%-22s %s%n", "checkpoint", "mm_stat and io_stat, kernel against gmc");
            for (Checkpoint c : results) {
                out.printf("%-22s %s%n", c.what(), c.same() ? "EQUAL" : "DIFFERENT: " + differing(c));
            }
            out.println();
        }
        Checkpoint last = results.get(results.size() - 1);
        long[] k = last.kernelFields();
        long[] g = last.gmcFields();
        out.printf("%-18s %16s %16s %12s%n", last.what().equals("written once") ? "field" : "field (last)", "kernel",
                "gmc", "difference");
        for (int i = 0; i < FIELDS.length; i++) {
            out.printf("%-18s %16d %16d %12s%n", FIELDS[i], k[i], g[i], k[i] == g[i] ? "0" : String.format(
                    Locale.ROOT, "%+d (%+.3f%%)", g[i] - k[i], k[i] == 0 ? 0 : 100.0 * (g[i] - k[i]) / k[i]));
        }
        out.println("kernel: " + last.kernel() + "   io_stat " + last.kernelIo());
        out.println("gmc:    " + last.gmc() + "   io_stat " + last.gmcIo());
        if (memLimit == 0) { // the counting model has no mem_limit: it predicts a device without one
            boolean sameAsStore = measured.equals(results.get(0).gmc());
            out.println("gmc measure's counting model (the pages written once): " + measured
                    + (sameAsStore ? "  (equal to the store's)" : "  DIFFERENT from the store's"));
        }
        if (memLimit > 0 || refusalMismatches > 0) {
            out.println(refusalMismatches == 0 ? "every write was stored or refused alike by both"
                    : refusalMismatches + " write(s) stored by one and refused by the other (listed on stderr)");
        }
        out.println(readMismatches == 0 ? "every slot reads back the same from both"
                : readMismatches + " slot(s) read back differently (the first 10 listed on stderr)");
        out.println(same ? "EQUAL: gmc's prediction matches the kernel." : "DIFFERENT: see above.");
        out.flush();
    }

    private static String differing(Checkpoint c) {
        long[] k = c.kernelFields();
        long[] g = c.gmcFields();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < FIELDS.length; i++) {
            if (k[i] != g[i]) {
                b.append(b.length() == 0 ? "" : ", ").append(FIELDS[i]).append(' ').append(k[i]).append(" / ")
                        .append(g[i]);
            }
        }
        return b.toString();
    }

    /** Writes one page with O_DIRECT; false when the kernel refused it (zram's -ENOMEM over mem_limit). */
    private static boolean writeDirect(FileChannel dev, ByteBuffer direct, int slot, byte[] page) {
        direct.clear().limit(PageInput.PAGE);
        direct.put(page).flip();
        try {
            while (direct.hasRemaining()) {
                dev.write(direct, (long) slot * PageInput.PAGE + direct.position());
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Prints a write whose outcome differs between the two; returns 1 for it, else 0. */
    private static int report(PrintWriter out, String what, long n, int slot, boolean kernelStored, boolean gmcStored) {
        if (kernelStored == gmcStored) {
            return 0;
        }
        out.printf("%s %d (slot %d): the kernel %s it, gmc %s it%n", what, n, slot,
                kernelStored ? "stored" : "refused", gmcStored ? "stored" : "refused");
        return 1;
    }

    /** REQ_OP_DISCARD of slots {@code [slot, slot+len)} through {@code blkdiscard} (the JDK cannot issue the ioctl). */
    private static void discard(Path node, int slot, int len) throws IOException, InterruptedException {
        List<String> cmd = List.of("blkdiscard", "-o", String.valueOf((long) slot * PageInput.PAGE), "-l",
                String.valueOf((long) len * PageInput.PAGE), node.toString());
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("--churn needs blkdiscard (util-linux) on the PATH: " + e.getMessage(), e);
        }
        String msg = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): " + msg);
        }
    }

    /** Reads every slot back from both devices; prints and counts slots whose bytes differ. */
    private static long readBack(PrintWriter err, FileChannel dev, ByteBuffer direct, ZramDevice model, int pages)
            throws IOException {
        byte[] kernelPage = new byte[PageInput.PAGE];
        byte[] gmcPage = new byte[PageInput.PAGE];
        long bad = 0;
        for (int slot = 0; slot < pages; slot++) {
            direct.clear().limit(PageInput.PAGE);
            while (direct.hasRemaining()) {
                if (dev.read(direct, (long) slot * PageInput.PAGE + direct.position()) < 0) {
                    throw new IOException("zram device ended at slot " + slot + " of " + pages);
                }
            }
            direct.flip();
            direct.get(kernelPage);
            model.read(slot, gmcPage, 0);
            if (!java.util.Arrays.equals(kernelPage, gmcPage)) {
                if (bad++ < 10) {
                    err.println("slot " + slot + ": gmc's page differs from the kernel's");
                }
            }
        }
        return bad;
    }

    private static long[] fields(MmStat m, IoStat io) {
        return new long[] {m.origDataSize(), m.comprDataSize(), m.memUsedTotal(), m.memLimit(), m.memUsedMax(),
            m.samePages(), m.pagesCompacted(), m.hugePages(), m.hugePagesSince(),
            io.failedReads(), io.failedWrites(), io.invalidIo(), io.notifyFree()};
    }

    /** A sysfs write; the kernel's refusal (EINVAL, EBUSY) is named with the file and the value. */
    private static void write(Path p, String v) throws IOException {
        try {
            Files.writeString(p, v, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IOException("writing '" + v + "' to " + p + ": " + e.getMessage(), e);
        }
    }
}
