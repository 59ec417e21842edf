package dev.gmc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gmc.core.codec.CodecSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What {@code gmc kernel-check} writes to the kernel's {@code algorithm_params}, so that both sides compress alike:
 * zram's lz4 backend takes {@code level} as LZ4's acceleration (1 when none is given) and its zstd backend as the zstd
 * level (3 when none is given); Debian 6.12's zram gave gmc's figures at each level written so
 * (docs/results/arm32-zram/, KernelLz4GoldenTest). This machine's kernel has no zstd, so the zstd case is checked here
 * rather than end to end.
 */
class KernelCheckParamsTest {

    @ParameterizedTest(name = "{0} on kernel {1}, --kernel-params [{2}]")
    @CsvSource(delimiter = '|', nullValues = "none", value = {
            "lz4-kernel    | lz4     | none     | none",
            "lz4-kernel:1  | lz4     | none     | none",
            "lz4-kernel:9  | lz4     | none     | algo=lz4 level=9",
            "lz4:2         | lz4     | none     | algo=lz4 level=2",
            "lz4-kernel:9  | lzo-rle | none     | none",
            "zstd          | zstd    | none     | none",
            "zstd:3        | zstd    | none     | none",
            "zstd:7        | zstd    | none     | algo=zstd level=7",
            "zstd:-1       | zstd    | none     | algo=zstd level=-1",
            "zstd:7        | lz4     | none     | none",
            "lz4hc:9       | lz4hc   | none     | none",
            "zstd:7        | zstd    | ''       | none",
            "zstd:7        | zstd    | level=5  | algo=zstd level=5",
            "lz4-kernel    | lz4     | level=4  | algo=lz4 level=4"})
    void theKernelIsGivenTheLevelOfGmcsCodec(String algo, String kernelAlgo, String explicit, String want) {
        assertThat(KernelCheckCommand.algorithmParams(kernelAlgo, CodecSpec.parse(algo), explicit)).isEqualTo(want);
    }

    /** A plain zstd is predicted with the running kernel's zstd, as measure --kernel maps it; anything else as asked. */
    @ParameterizedTest(name = "{0} on Linux {1}")
    @CsvSource(delimiter = '|', nullValues = "none", value = {
            "zstd        | 5.15.0-204-generic | zstd-1.3.1",
            "zstd        | 5.4                | zstd-1.3.1",
            "zstd        | 6.8.0-151-generic  | zstd-crypto",
            "zstd        | 6.1                | zstd-1.4.10",
            "zstd        | 5.19.0-50-generic  | zstd-1.4.10",
            "zstd        | none               | zstd",
            "zstd:7      | 6.8                | zstd:7",
            "lz4-kernel  | 5.15               | lz4-kernel",
            "zstd-crypto | 5.15               | zstd-crypto"})
    void aPlainZstdIsPredictedWithTheRunningKernelsZstd(String algo, String kernel, String want) {
        dev.gmc.core.store.ZramKernel running = kernel == null ? null : dev.gmc.core.store.ZramKernel.parse(kernel);
        assertThat(KernelCheckCommand.predictWith(CodecSpec.parse(algo), running).toString()).isEqualTo(want);
    }
}
