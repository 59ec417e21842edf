package dev.gmc.tests;

import static dev.gmc.tests.MeasureCommandTest.gmc;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** {@code gmc capture} on a live child process: the dump and its manifest agree, and measure reads it. */
@EnabledOnOs(OS.LINUX)
class CaptureCommandTest {

    @Test
    void capturesAChildProcessIntoADumpThatMeasureReads(@TempDir Path dir) throws Exception {
        Process child = new ProcessBuilder("cat").redirectErrorStream(true).start(); // waits on its stdin
        try {
            Path out = dir.resolve("dump");
            MeasureCommandTest.Run r = gmc("capture", "--pid", String.valueOf(child.pid()), "-o", out.toString());
            Assumptions.assumeFalse(r.err().contains("no permission"), "no ptrace access here: " + r.err());
            assertThat(r.code()).as(r.err()).isIn(0, 2);
            assertThat(r.out()).contains("resident pages").contains("(cat)");
            JsonNode m = new ObjectMapper().readTree(out.resolve("manifest.json").toFile());
            int pageSize = m.get("source").get("page_size").asInt();
            assertThat(pageSize).isIn(4096, 16384, 65536);
            if (System.getProperty("os.arch").equals("amd64")) {
                assertThat(pageSize).isEqualTo(4096);
            }
            long sum = 0;
            for (JsonNode b : m.get("buffers")) {
                assertThat(b.get("offset").asLong()).isEqualTo(sum);
                sum += b.get("length").asLong();
                assertThat(b.get("owner").asText()).isEqualTo("cat (" + child.pid() + ")");
            }
            assertThat(sum).isPositive().isEqualTo(Files.size(out.resolve("pages.bin")));
            assertThat(child.isAlive()).as("the target is left running").isTrue();
            MeasureCommandTest.Run mr = gmc("measure", "--format", "json", out.toString());
            assertThat(mr.code()).as(mr.err()).isZero();
            assertThat(new ObjectMapper().readTree(mr.out()).get("results").get(0).get("total").get("pages")
                    .asLong()).isEqualTo(sum / 4096);
        } finally {
            child.destroy();
        }
    }

    @Test
    void aProcessWhoseNameIsNotUtf8IsCaptured(@TempDir Path dir) throws Exception {
        // A process names itself (comm is its executable's file name, or prctl's): any bytes but NUL and '/'. Run
        // cat through a link named caf\351\377 (Latin-1 é, then a byte no text encoding uses) so that comm holds it.
        Process child = new ProcessBuilder("sh", "-c", "cd \"$1\" && n=$(printf 'caf\\351\\377') && "
                + "ln -s \"$(command -v cat)\" \"$n\" && exec \"./$n\"", "sh", dir.toString()).start();
        try {
            Path comm = Path.of("/proc", String.valueOf(child.pid()), "comm");
            byte[] want = {'c', 'a', 'f', (byte) 0xe9, (byte) 0xff, '\n'};
            for (int i = 0; i < 500 && child.isAlive() && !java.util.Arrays.equals(Files.readAllBytes(comm), want); i++) {
                Thread.sleep(10); // until the exec has happened
            }
            assertThat(Files.readAllBytes(comm)).as("the child's comm").isEqualTo(want);
            Path out = dir.resolve("dump");
            MeasureCommandTest.Run r = gmc("capture", "--pid", String.valueOf(child.pid()), "-o", out.toString());
            Assumptions.assumeFalse(r.err().contains("no permission"), "no ptrace access here: " + r.err());
            assertThat(r.code()).as(r.err()).isIn(0, 2);
            JsonNode m = new ObjectMapper().readTree(out.resolve("manifest.json").toFile());
            assertThat(m.get("buffers")).isNotEmpty().allSatisfy(b -> assertThat(b.get("owner").asText())
                    .isEqualTo("caf\ufffd\ufffd (" + child.pid() + ")")); // each bad byte one replacement character
        } finally {
            child.destroy();
        }
    }

    @Test
    void aProcessThatDoesNotExistIsNamed(@TempDir Path dir) throws Exception {
        MeasureCommandTest.Run r = gmc("capture", "--pid", "999999999", "-o", dir.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("process 999999999 does not exist").doesNotContain("\tat ");
    }
}
