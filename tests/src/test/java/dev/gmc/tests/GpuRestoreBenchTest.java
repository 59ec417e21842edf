package dev.gmc.tests;

import static dev.gmc.tests.MeasureCommandTest.gmc;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gmc gpu-restore-bench} end to end on the OpenCL CPU device (PoCL in CI): every restored page verified. */
class GpuRestoreBenchTest {

    @Test
    void restoresEveryPageExactlyAndReportsBothKernels(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("restore.json");
        MeasureCommandTest.Run r = gmc("gpu-restore-bench", "--device", "cpu", "--mib", "2", "--rounds", "1",
                "--batch-pages", "200", "--input", "../gmc-core/src/test/resources/golden/real-mix.bin.gz",
                "--json", json.toString());
        MeasureCommandTest.skipWithoutOpenCl(r);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("coop end to end, region").contains("wi kernel only");
        JsonNode root = new ObjectMapper().readTree(Files.readString(json));
        assertThat(root.get("pages").asInt()).isGreaterThan(300); // 512 pages cycled, minus same-filled and huge ones
        assertThat(root.get("kernels")).hasSize(2);
        for (JsonNode k : root.get("kernels")) {
            assertThat(k.get("verifyFailures").asLong()).as(k.get("kernel").asText()).isZero();
            assertThat(k.get("endToEndRegionGbps").asDouble()).isPositive();
        }
    }
}
