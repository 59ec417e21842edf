package dev.gmc.cli;

import dev.gmc.core.store.BatchLoader;
import dev.gmc.core.store.LoaderLanes;
import dev.gmc.kernels.ClDevice;
import dev.gmc.kernels.GpuBatchLoader;
import dev.gmc.kernels.GpuRestorer;
import dev.gmc.kernels.KernelKind;
import dev.gmc.kernels.Lz4Program;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * What the driver models' batch restores (eager restore on foreground, Utgard's pre-job hook) decode through: the
 * CPU, or an OpenCL device through {@link GpuBatchLoader} (a picocli mixin of {@code replay} and {@code fault-bench}).
 */
final class BatchLoaderOptions {
    @Option(names = "--batch-loader", defaultValue = "cpu", paramLabel = "cpu|gpu", description = "What batch "
            + "restores decode through: cpu (PageStore.load page by page) or gpu (the LZ4 restore kernel on an OpenCL "
            + "device, CPU fallback per page; needs an LZ4-format codec) (default: ${DEFAULT-VALUE}).")
    String loader;

    @Option(names = "--cl-device", defaultValue = "auto", description = "With --batch-loader gpu: the OpenCL device, "
            + "auto, gpu, cpu or a name fragment (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--restore-kernel", defaultValue = "coop", description = "With --batch-loader gpu: coop or wi "
            + "(default: ${DEFAULT-VALUE}).")
    String kernel;

    @Option(names = "--restore-batch", defaultValue = "4096", description = "With --batch-loader gpu: pages per "
            + "kernel launch (default: ${DEFAULT-VALUE}).")
    int batchPages;

    @Option(names = "--loader-lanes", defaultValue = "1", paramLabel = "N", description = "Threads that share each "
            + "batch restore (kworkers): cpu cuts a batch into N ranges; gpu gives each lane its own restorer "
            + "(command queue and pinned buffers), so that one lane's launch overlaps another's packing and copying "
            + "(default: ${DEFAULT-VALUE}).")
    int lanes;

    /** An opened loader and what it holds; close it when done. */
    record Opened(BatchLoader loader, String description, AutoCloseable resources) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            resources.close();
        }
    }

    Opened open() {
        Args.between("--loader-lanes", lanes, 1, 64);
        switch (loader) {
            case "cpu": {
                LoaderLanes l = new LoaderLanes(lanes);
                BatchLoader cpu = BatchLoader.cpu(l);
                return new Opened(cpu, cpu.name(), l);
            }
            case "gpu": {
                Args.between("--restore-batch", batchPages, 1, 1 << 16);
                KernelKind kind = KernelKind.parse(kernel);
                ClDevice dev = ClDevice.select(device);
                Lz4Program program = new Lz4Program(dev, 64);
                LoaderLanes l = new LoaderLanes(lanes);
                List<GpuRestorer> restorers = new ArrayList<>();
                AutoCloseable all = () -> {
                    restorers.forEach(GpuRestorer::close);
                    l.close();
                    program.close();
                };
                try {
                    for (int i = 0; i < lanes; i++) {
                        restorers.add(new GpuRestorer(program, kind, batchPages));
                    }
                } catch (RuntimeException e) {
                    try {
                        all.close();
                    } catch (Exception suppressed) {
                        e.addSuppressed(suppressed);
                    }
                    throw e;
                }
                GpuBatchLoader g = new GpuBatchLoader(restorers, l);
                return new Opened(g, g.name() + " on " + dev, all);
            }
            default:
                throw new IllegalArgumentException("--batch-loader " + loader + " (expected cpu or gpu)");
        }
    }
}
