package dev.gmc.cli;

import com.sun.nio.file.ExtendedOpenOption;
import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.codec.PageCodec;
import dev.gmc.core.store.MmStat;
import dev.gmc.core.store.SameFilled;
import dev.gmc.core.store.StoreConfig;
import dev.gmc.core.store.WriteOnceModel;
import dev.gmc.core.store.ZramDevice;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
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
 * {@code mm_stat}, then resets and removes that device — and never touches any other.
 */
@Command(name = "kernel-check", mixinStandardHelpOptions = true,
        description = {"Check gmc's figures against the running kernel's zram (Linux, root, zram-control present): "
                + "the same pages are written through a zram device that gmc creates and removes itself.",
                "Inputs are read as by 'gmc measure' (directories, .gz/.zst/.xz, images decoded to surfaces)."})
final class KernelCheckCommand implements Callable<Integer> {
    private static final Path CONTROL = Path.of("/sys/class/zram-control");
    private static final String[] FIELDS = {"orig_data_size", "compr_data_size", "mem_used_total", "mem_limit",
        "mem_used_max", "same_pages", "pages_compacted", "huge_pages", "huge_pages_since"};

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Dump files, directories or images.")
    List<Path> paths;

    @Option(names = "--kernel-algo", defaultValue = "lz4",
            description = "The kernel's comp_algorithm (default: ${DEFAULT-VALUE}).")
    String kernelAlgo;

    @Option(names = "--algo", defaultValue = "lz4-kernel",
            description = "gmc's codec for the prediction (default: ${DEFAULT-VALUE}).")
    String algo;

    @Option(names = "--chain", defaultValue = "8",
            description = "zsmalloc chain size of the running kernel (default: ${DEFAULT-VALUE}).")
    int chain;

    @picocli.CommandLine.Mixin
    ImageSurface.Mixin imageOptions;

    @Override
    public Integer call() throws Exception {
        if (!System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")) {
            throw new IllegalStateException("kernel-check needs Linux (this is " + System.getProperty("os.name") + ")");
        }
        if (!Files.isDirectory(CONTROL)) {
            throw new IllegalStateException(CONTROL + " is missing: load the zram module (modprobe zram) first");
        }
        if (!Files.isWritable(CONTROL.resolve("hot_remove"))) {
            throw new IllegalStateException("kernel-check must run as root (it creates and removes a zram device)");
        }
        ImageSurface.Options images = imageOptions.options();
        List<Path> files = PageInput.expand(paths);
        long pages = 0;
        byte[] page = new byte[PageInput.PAGE];
        for (Path f : files) { // first pass: the device size
            try (InputStream in = PageInput.open(f, images)) {
                while (PageInput.readPage(in, page) > 0) {
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
        int id = Integer.parseInt(Files.readString(CONTROL.resolve("hot_add")).trim()); // creates zram<id>
        Path sys = Path.of("/sys/block/zram" + id);
        MmStat kernel;
        MmStat gmc;
        MmStat measured; // what gmc measure reports: the counting model, no pages kept
        try {
            write(sys.resolve("comp_algorithm"), kernelAlgo);
            write(sys.resolve("disksize"), String.valueOf(pages * PageInput.PAGE));
            StoreConfig cfg = StoreConfig.defaults().withCodec(CodecSpec.parse(algo));
            cfg = cfg.withClasses(dev.gmc.core.pool.SizeClassTable.withChain(chain));
            WriteOnceModel counting = new WriteOnceModel(cfg);
            byte[] comp = new byte[2 * PageInput.PAGE];
            try (ZramDevice model = new ZramDevice(cfg, (int) pages);
                 PageCodec codec = cfg.codec().newCodec();
                 FileChannel dev = FileChannel.open(Path.of("/dev/zram" + id), StandardOpenOption.WRITE,
                         ExtendedOpenOption.DIRECT)) {
                ByteBuffer direct = ByteBuffer.allocateDirect(2 * PageInput.PAGE).alignedSlice(PageInput.PAGE);
                direct.limit(PageInput.PAGE);
                int slot = 0;
                for (Path f : files) {
                    try (InputStream in = PageInput.open(f, images)) {
                        while (PageInput.readPage(in, page) > 0) {
                            direct.clear().limit(PageInput.PAGE);
                            direct.put(page).flip();
                            while (direct.hasRemaining()) {
                                dev.write(direct, (long) slot * PageInput.PAGE + direct.position());
                            }
                            model.write(slot, page, 0);
                            if (SameFilled.test(page, 0)) {
                                counting.addSame(SameFilled.fillValue(page, 0));
                            } else {
                                counting.addCompressed(codec.compress(page, 0, PageInput.PAGE, comp, 0, comp.length));
                            }
                            slot++;
                        }
                    }
                }
                gmc = model.mmStat();
                measured = counting.mmStat();
            }
            kernel = MmStat.parse(Files.readString(sys.resolve("mm_stat")));
        } finally {
            try {
                write(sys.resolve("reset"), "1");
            } finally {
                write(CONTROL.resolve("hot_remove"), String.valueOf(id));
            }
        }
        long[] k = fields(kernel);
        long[] g = fields(gmc);
        out.printf("%d pages from %d file(s) through zram%d (%s, created and removed by gmc) and gmc (%s, chain %d)%n",
                pages, files.size(), id, kernelAlgo, algo, chain);
        out.printf("%-18s %16s %16s %12s%n", "mm_stat field", "kernel", "gmc", "difference");
        boolean same = true;
        for (int i = 0; i < FIELDS.length; i++) {
            out.printf("%-18s %16d %16d %12s%n", FIELDS[i], k[i], g[i], k[i] == g[i] ? "0" : String.format(
                    Locale.ROOT, "%+d (%+.3f%%)", g[i] - k[i], k[i] == 0 ? 0 : 100.0 * (g[i] - k[i]) / k[i]));
            if (i != 3 && i != 4 && k[i] != g[i]) { // mem_limit is unset; mem_used_max is a high-water mark
                same = false;
            }
        }
        out.println("kernel: " + kernel);
        out.println("gmc:    " + gmc);
        boolean sameAsStore = measured.equals(gmc);
        out.println("gmc measure's counting model: " + measured + (sameAsStore ? "  (equal to the store's)"
                : "  DIFFERENT from the store's"));
        same &= sameAsStore;
        out.println(same ? "EQUAL: gmc's prediction matches the kernel." : "DIFFERENT: see the table above.");
        out.flush();
        return same ? 0 : 3;
    }

    private static long[] fields(MmStat m) {
        return new long[] {m.origDataSize(), m.comprDataSize(), m.memUsedTotal(), m.memLimit(), m.memUsedMax(),
            m.samePages(), m.pagesCompacted(), m.hugePages(), m.hugePagesSince()};
    }

    private static void write(Path p, String v) throws IOException {
        Files.writeString(p, v, StandardCharsets.US_ASCII);
    }
}
