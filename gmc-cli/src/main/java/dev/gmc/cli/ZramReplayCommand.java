package dev.gmc.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.pool.SizeClassTable;
import dev.gmc.core.store.StoreConfig;
import dev.gmc.core.store.ZramDevice;
import dev.gmc.core.store.ZramKernel;
import dev.gmc.core.store.ZramScript;
import dev.gmc.core.text.Utf8Text;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.zip.GZIPInputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gmc zram-replay}: a zram workload in the oracle script's ops format ({@link ZramScript}) run on gmc's zram
 * of one kernel ({@code --kernel}: its class rule, {@link ZramDevice.Behaviour} and codec), printing the lines the
 * script prints on that kernel. With {@code --check} the script's output from the real kernel is compared line by
 * line, so a workload written once runs on both and a difference points at the first operation where they part.
 */
@Command(name = "zram-replay", mixinStandardHelpOptions = true,
        description = {"Run a zram workload (the ops of scripts/oracle/arm-zram.sh's WB_OPS: W SLOT SRC, R SLOT, "
                + "D SLOT, I, A AGE, B MODE, C, S, E N, L N, Q, T SECONDS, U) on gmc's zram of one kernel and print what "
                + "the script prints there (mm_stat and bd_stat at each S, the limit at each Q, every refusal with "
                + "its errno). Every read, and every slot at the end, is checked against what was written.",
                "Churn ops (CHURN_OPS: SLOT SRC writes and C checkpoints, which print mm_stat, compact and print it "
                        + "again) are recognised by their first line.",
                "With --check KERNEL_OUTPUT, compare with the script's output from the real kernel and exit 1 at the "
                        + "first difference."})
final class ZramReplayCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "OPS", description = "The ops file (one operation per line).")
    Path ops;

    @Option(names = "--pages", required = true, paramLabel = "FILE",
            description = "The source pages that W SRC numbers (the script's CHURN_SRC): raw pages of the kernel's page "
                    + "size, .gz read transparently.")
    Path pages;

    @Option(names = "--kernel", defaultValue = "7.3", paramLabel = "VERSION",
            description = "The kernel to behave as (6.6, 5.15.148, 7.3.4+deb13-amd64, android14-6.1; default: "
                    + "${DEFAULT-VALUE}).")
    String kernel;

    @Option(names = "--algo", defaultValue = "lz4", paramLabel = "ALGO",
            description = "zram's comp_algorithm, as the script names it (lz4 runs as lz4-kernel; default: "
                    + "${DEFAULT-VALUE}).")
    String algo;

    @Option(names = "--slots", defaultValue = "1000", paramLabel = "N",
            description = "The device's size in pages (default: ${DEFAULT-VALUE}, the script's).")
    int slots;

    @Option(names = "--backing", defaultValue = "300", paramLabel = "N",
            description = "The backing device's size in pages, 0 for none (default: ${DEFAULT-VALUE}, the script's "
                    + "WB_BLOCKS).")
    int backing;

    @Option(names = "--batch", paramLabel = "N",
            description = "writeback_batch_size (6.19 and later; the kernel's default is 32).")
    Integer batch;

    @Option(names = "--compressed-writeback",
            description = "compressed_writeback (7.0 and later; the script's WB_COMPRESSED=1): writeback writes "
                    + "compressed objects, which reads decompress.")
    boolean compressedWriteback;

    @Option(names = "--arch", defaultValue = "64", paramLabel = "ARCH", description = Args.ARCH_HELP)
    String arch;

    @Option(names = "--page-size", defaultValue = "4k", paramLabel = "SIZE", description = Args.PAGE_SIZE_HELP)
    String pageSize;

    @Option(names = "--check", paramLabel = "KERNEL_OUTPUT",
            description = "The script's output file from the real kernel: its 'wb ALGO' (or 'churn ALGO') lines must "
                    + "equal gmc's.")
    Path check;

    @Option(names = "--format", defaultValue = "text", paramLabel = "FORMAT",
            description = "text (the script's lines) or json (default: ${DEFAULT-VALUE}).")
    String format;

    @Override
    public Integer call() throws IOException {
        if (!format.equals("text") && !format.equals("json")) {
            throw new IllegalArgumentException("--format: '" + format + "' (expected text or json)");
        }
        Args.atLeast("--slots", slots, 1);
        Args.between("--backing", backing, 0, Integer.MAX_VALUE);
        ZramKernel k = Args.kernel(kernel);
        CodecSpec codec = Args.named("--algo", () -> k.codecFor(CodecSpec.parse(algo)));
        SizeClassTable classes = Args.classes(k.legacyClasses(), k.legacyClasses() ? 4 : 8, arch, pageSize);
        StoreConfig config = StoreConfig.defaults().withCodec(codec).withClasses(classes);
        requireFile("OPS", ops);
        requireFile("--pages", pages);
        if (check != null) {
            requireFile("--check", check);
        }
        List<String> opLines = Utf8Text.read(ops).lines().toList(); // a byte that is not UTF-8 is named with its place
        byte[] source = read(pages);
        boolean churn = ZramScript.isChurn(opLines);
        ZramScript.Outcome run;
        try (ZramDevice dev = new ZramDevice(config, slots, backing, k.behaviour())) {
            if (batch != null) {
                Args.named("--batch", () -> {
                    dev.writebackBatchSize(batch);
                    return null;
                });
            }
            if (compressedWriteback) {
                Args.named("--compressed-writeback", () -> {
                    dev.compressedWriteback(true);
                    return null;
                });
            }
            try {
                run = churn ? ZramScript.runChurn(dev, opLines, source, algo, k.mmStatFields())
                        : ZramScript.run(dev, opLines, source, algo, k.mmStatFields(), 1000);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(ops + ": " + e.getMessage(), e);
            }
        }
        String verdict = null;
        int compared = 0;
        if (check != null) {
            String kind = churn ? "churn " : "wb "; // the script prints both kinds into one file when given both
            List<String> want = Utf8Text.read(check).lines()
                    .map(l -> ZramScript.kernelLine(l, algo)).filter(l -> l != null && l.startsWith(kind)).toList();
            if (want.isEmpty()) {
                throw new IllegalArgumentException("--check: " + check + " has no '" + kind + algo + "' line (the "
                        + "script's output of these ops for this compressor)");
            }
            List<String> got = run.lines();
            for (int i = 0; i < Math.max(want.size(), got.size()) && verdict == null; i++) {
                String w = i < want.size() ? want.get(i) : "(nothing)";
                String g = i < got.size() ? got.get(i) : "(nothing)";
                if (!w.equals(g)) {
                    verdict = "line " + (i + 1) + " differs: kernel '" + w + "', gmc '" + g + "'";
                }
                compared = i + 1;
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        String settings = "Linux " + k + k.uncheckedNote(classes.pageSize()) + ", " + codec + ", " + classes.pageSize()
                + "-byte pages, " + slots + " slots, " + backing + " backing blocks"
                + (batch != null ? ", writeback_batch_size " + batch : "")
                + (compressedWriteback ? ", compressed_writeback" : "");
        if (format.equals("json")) {
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode root = json.createObjectNode();
            root.put("settings", settings);
            root.put("operations", run.operations());
            root.put("pages_checked", run.pagesChecked());
            root.putPOJO("lines", run.lines());
            root.putPOJO("refusals", run.refusals());
            if (check != null) {
                root.put("equal", verdict == null);
                if (verdict != null) {
                    root.put("difference", verdict);
                }
            }
            out.println(json.writeValueAsString(root));
        } else {
            out.println("# " + settings);
            run.lines().forEach(out::println);
            out.println("# " + run.operations() + " operations, " + run.pagesChecked() + " page reads checked, "
                    + run.refusals().size() + " refusals");
            if (check != null) {
                out.println(verdict == null ? "# equal to " + check + ": " + compared + " lines"
                        : "# not equal to " + check + ": " + verdict);
            }
        }
        out.flush();
        return verdict == null ? 0 : 1;
    }

    private static void requireFile(String option, Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(option + ": " + file + " (no such file)");
        }
    }

    /** The source pages, held in memory (a Java array: at most 2 GiB). */
    private static byte[] read(Path file) throws IOException {
        if (Files.size(file) > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("--pages: " + file + " is " + Files.size(file) + " bytes (zram-replay "
                    + "holds the source pages in memory: at most 2 GiB)");
        }
        if (!file.getFileName().toString().endsWith(".gz")) {
            return Files.readAllBytes(file);
        }
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            return in.readAllBytes();
        }
    }
}
