package dev.gmc.cli;

import dev.gmc.core.pool.SizeClassTable;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code gmc classes}: prints the zsmalloc size-class table gmc uses, in the reference CSV's columns. */
@Command(name = "classes", mixinStandardHelpOptions = true,
        description = "Print the zsmalloc size-class table (same columns as shared/reference/zsmalloc-classes-*.csv).")
final class ClassesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--chain", defaultValue = "8", description = "Max pages per zspage (default: ${DEFAULT-VALUE}).")
    int chain;

    @Option(names = "--legacy", description = "The <=6.2 kernel rule (chain 4, used-percent).")
    boolean legacy;

    @Option(names = "--arch", defaultValue = "64", paramLabel = "ARCH", description = Args.ARCH_HELP)
    String arch;

    @Option(names = "--page-size", defaultValue = "4k", paramLabel = "SIZE", description = Args.PAGE_SIZE_HELP)
    String pageSize;

    @Override
    public Integer call() {
        Args.legacyChain(spec, "--legacy", legacy, chain);
        SizeClassTable t = Args.classes(legacy, chain, arch, pageSize);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("# %s%n", t);
        out.println("class_index,class_size,pages_per_zspage,objs_per_zspage,bytes_per_object_effective,comp_len_min,comp_len_max,is_huge");
        int lo = 1;
        for (int c = 0; c < t.classCount(); c++) {
            int hi = t.isHuge(c) ? t.pageSize() : t.size(c) - t.handleSize();
            out.printf(Locale.ROOT, "%d,%d,%d,%d,%.2f,%d,%d,%d%n", t.kernelIndex(c), t.size(c), t.pagesPerZspage(c),
                    t.objsPerZspage(c), t.bytesPerObject(c), lo, hi, t.isHuge(c) ? 1 : 0);
            lo = hi + 1;
        }
        out.flush();
        return 0;
    }
}
