package dev.gmc.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.codec.TestPages;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ZramScript}'s own bookkeeping, where no kernel run reaches: writes refused under {@code mem_limit} (the slot
 * keeps its old page, or is emptied where the kernel freed it first, 6.14), which its final read-back must agree with,
 * and reads that would not give back what was written. (ArmKernelTest runs it against the kernels' output.)
 */
class ZramScriptTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"LINUX_6_12", "LINUX_6_14", "LINUX_7_3"})
    void refusedWritesKeepOrEmptyTheSlotAsTheKernelDoes(String kernel) throws Exception {
        ZramDevice.Behaviour b = (ZramDevice.Behaviour) ZramDevice.Behaviour.class.getField(kernel).get(null);
        byte[] pages = TestPages.pages(4, 240);
        StoreConfig config = StoreConfig.defaults().withCodec(CodecSpec.parse("lz4-kernel")).withMemLimitBytes(64 * 4096);
        List<String> ops = new ArrayList<>();
        for (int i = 0; i < 240; i++) {
            ops.add("W " + (i % 100) + " " + i); // overwrites past the limit: some refused
            if (i % 7 == 0) {
                ops.add("R " + (i % 100));
            }
        }
        ops.add("S");
        try (ZramDevice dev = new ZramDevice(config, 100, 0, b)) {
            ZramScript.Outcome run = ZramScript.run(dev, ops, pages, "lz4", 9, 1);
            assertThat(dev.ioStat().failedWrites()).as("writes refused").isPositive();
            assertThat(run.pagesChecked()).isGreaterThan(100);
            assertThat(run.lines()).hasSize(1);
        }
        List<String> churn = new ArrayList<>();
        for (int i = 0; i < 240; i++) {
            churn.add((i % 100) + " " + i);
        }
        churn.add("C");
        try (ZramDevice dev = new ZramDevice(config, 100, 0, b)) {
            ZramScript.Outcome run = ZramScript.runChurn(dev, churn, pages, "lz4", 9);
            assertThat(run.lines()).hasSize(2).allMatch(l -> l.startsWith("churn lz4 240 "));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"W 0", "W 0 x", "R 100", "Z", "C 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18", "E x"})
    void badLinesAreNamedWithTheirNumber(String bad) {
        byte[] pages = TestPages.pages(4, 8);
        try (ZramDevice dev = new ZramDevice(StoreConfig.defaults(), 100)) {
            if (bad.startsWith("C ")) { // an operation that takes no argument ignores the rest, as the script's case
                assertThat(ZramScript.run(dev, List.of("W 0 1", bad), pages, "lz4", 9, 1).operations()).isEqualTo(2);
                return;
            }
            assertThatThrownBy(() -> ZramScript.run(dev, List.of("W 0 1", "", bad), pages, "lz4", 9, 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("ops line 3: '" + bad + "'");
        }
    }
}
