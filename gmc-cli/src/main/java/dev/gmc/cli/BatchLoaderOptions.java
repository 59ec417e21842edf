package dev.gmc.cli;

import dev.gmc.core.store.BatchLoader;
import dev.gmc.kernels.ClDevice;
import dev.gmc.kernels.GpuBatchLoader;
import dev.gmc.kernels.GpuRestorer;
import dev.gmc.kernels.KernelKind;
import dev.gmc.kernels.Lz4Program;
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

    /** An opened loader and what it holds; close it when done. */
    record Opened(BatchLoader loader, String description, AutoCloseable resources) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            resources.close();
        }
    }

    Opened open() {
        switch (loader) {
            case "cpu":
                return new Opened(BatchLoader.CPU, "cpu", () -> { });
            case "gpu":
                Args.between("--restore-batch", batchPages, 1, 1 << 16);
                KernelKind kind = KernelKind.parse(kernel);
                ClDevice dev = ClDevice.select(device);
                Lz4Program program = new Lz4Program(dev, 64);
                GpuRestorer restorer;
                try {
                    restorer = new GpuRestorer(program, kind, batchPages);
                } catch (RuntimeException e) {
                    program.close();
                    throw e;
                }
                GpuBatchLoader l = new GpuBatchLoader(restorer);
                return new Opened(l, l.name() + " on " + dev, () -> {
                    restorer.close();
                    program.close();
                });
            default:
                throw new IllegalArgumentException("--batch-loader " + loader + " (expected cpu or gpu)");
        }
    }
}
