package dev.gmc.driver.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class TraceTest {
    private static final String HEAD = "gmc-trace 1\ndriver midgard ram=16M\nprocess 100 app\ncontext c 100\n";

    private static ReplayReport run(String text) {
        return new TraceRunner(Trace.parse("t.gmct", text), (p, o, l) -> new byte[0], null).run();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "alloc b c x|t.gmct:5: field PAGES: expected a number >= 0, got 'x'",
        "alloc b nope 4|t.gmct:5: field CONTEXT: unknown context 'nope'",
        "cpu-read 100 q+0 4|t.gmct:5: field ADDR: unknown buffer 'q' in address 'q+0'",
        "frobnicate 1|t.gmct:5: unknown command 'frobnicate'",
        "alloc b c 4 colour=red|t.gmct:5: field colour: 'alloc' takes no option 'colour'",
        "alloc b c 4 content=plaid|t.gmct:5: field content: content 'plaid'",
        "cpu-read 100 0x10|t.gmct:5: 'cpu-read' takes 3 field(s) (PID ADDR LEN), got 2",
        "job c read=0x1000|t.gmct:5: field read: '0x1000' (expected ADDR:LEN)",
        "cpu-read 100 0x1000 4 expect=maybe|t.gmct:5: field expect: 'maybe' (expected ok, sigsegv, sigbus or fault)",
        "alloc b c 4 content=file:|t.gmct:5: field content: 'file:' (expected file:PATH[@OFFSET[+LENGTH]])",
        "alloc b c 4 content=file:@8|t.gmct:5: field content: 'file:@8' names no file",
        "alloc b c 4 content=file:d.bin@x|t.gmct:5: field content: expected a number >= 0, got 'x'",
        "alloc b c 4 content=file:d.bin@0+-5|t.gmct:5: field content: expected a number >= 0, got '-5'",
        "alloc b c 4 content=file:x@+5|t.gmct:5: field content: expected a number >= 0, got ''",
        "alloc b c 4 gpu=rx|t.gmct:5: field gpu: 'rx' (expected ro or rw)",
        "alloc 9b c 4|t.gmct:5: field BUFFER: name '9b' (letters, digits, _ . -; not starting with a digit)",
        "context 1c 100|t.gmct:5: field CONTEXT: name '1c' (letters, digits, _ . -; not starting with a digit)",
        "cpu-read 100 0x10 4 expect=ok 5|t.gmct:5: field 6: positional field '5' after options",
        "recompress nope threshold=4096|t.gmct:5: field BUFFER: unknown buffer 'nope'",
        "assert frames_freed=8589934592G|t.gmct:5: field frames_freed: frames_freed '8589934592G' (expected N, A..B",
    })
    void malformedLinesNameTheLineAndField(String line, String message) {
        assertThatThrownBy(() -> Trace.parse("t.gmct", HEAD + line + "\n")).isInstanceOf(TraceException.class)
                .hasMessageStartingWith(message);
    }

    @Test
    void aTraceFileThatIsNotUtf8NamesTheLineColumnAndByte(@org.junit.jupiter.api.io.TempDir Path dir)
            throws IOException {
        Path f = dir.resolve("latin1.gmct");
        // "process 100 café" written in Latin-1: é is the lone byte 0xe9, at file offset HEAD-before-process + 15
        byte[] head = "gmc-trace 1\ndriver midgard ram=16M\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] body = "process 100 caf\u00e9\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] all = java.util.Arrays.copyOf(head, head.length + body.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        Files.write(f, all);
        assertThatThrownBy(() -> Trace.parse(f)).isInstanceOf(TraceException.class)
                .hasMessage(f + ":3: column 16: byte 0xe9 (file offset " + (head.length + 15) + ") is not UTF-8");
        Files.writeString(f, "gmc-trace 1\ndriver midgard ram=16M\nprocess 100 caf\u00e9\n"); // the same in UTF-8
        assertThat(Trace.parse(f).lines()).hasSize(2);
    }

    @Test
    void headerAndDefinitionsAreChecked() {
        assertThatThrownBy(() -> Trace.parse("t.gmct", "driver midgard\n")).hasMessageContaining("t.gmct:1")
                .hasMessageContaining("gmc-trace 1");
        assertThatThrownBy(() -> Trace.parse("t.gmct", "gmc-trace 1\nprocess 1 a\n"))
                .hasMessageContaining("first command must be 'driver'");
        assertThatThrownBy(() -> Trace.parse("t.gmct", HEAD + "context c 100\n"))
                .hasMessageContaining("t.gmct:5: field CONTEXT: context 'c' is already defined");
        assertThatThrownBy(() -> run("gmc-trace 1\ndriver mali-t\n")).hasMessageContaining("expected midgard or "
                + "utgard");
    }

    /** The ends of a line's ranges: recompress's threshold is zram's 0..4095, a driver line's at least 1. */
    @Test
    void lineRangesAcceptTheirEndsAndNameOneBeyond() {
        String b = HEAD + "alloc b c 4\n";
        for (String ok : new String[] {"recompress b threshold=0", "recompress b threshold=4095",
            "assert frames_freed=8589934591G", "assert frames_freed=0x10..0x20 pages_restored=..0",
            "alloc b.x-_9 c 4 gpu=ro"}) {
            assertThat(Trace.parse("t.gmct", b + ok + "\n").lines()).as(ok).hasSize(5);
        }
        assertThatThrownBy(() -> Trace.parse("t.gmct", b + "recompress b threshold=4096\n"))
                .hasMessageStartingWith("t.gmct:6: field threshold: expected a number from 0 to 4095, got '4096'");
        assertThatThrownBy(() -> Trace.parse("t.gmct", b + "recompress b threshold=-1\n"))
                .hasMessageStartingWith("t.gmct:6: field threshold: expected a number >= 0, got '-1'");
    }

    @Test
    void runtimeTraceErrorsNameTheLine() {
        String t = HEAD + "alloc b c 4\ncpu-read 100 b+0 16\n";
        assertThatThrownBy(() -> run(t)).isInstanceOf(TraceException.class)
                .hasMessageContaining("t.gmct:6").hasMessageContaining("not mapped in process 100")
                .hasMessageContaining("cpumap b 100");
    }

    @Test
    void anUnexpectedOutcomeIsAFailureAndAnExpectedFaultIsNot() {
        ReplayReport r = run(HEAD + "alloc b c 1\ncpumap b 100\ncpu-read 100 b+4096 4\n"
                + "cpu-read 100 b+4096 4 expect=sigsegv\ngpu-read c 0x5000 4 expect=fault\n");
        assertThat(r.failures()).containsExactly("line 7: expected ok, got sigsegv");
        assertThat(r.reported()).hasSize(3);
        assertThat(r.reported().get(2)).contains("Memory is not mapped on the GPU");
    }

    @Test
    void readsAreVerifiedAgainstWritesAcrossCompressionAndPartialWritesCount() {
        ReplayReport r = run(HEAD + "alloc b c 2 content=gradient\ncpumap b 100\ngpumap b\n"
                + "cpu-write 100 b+4000 200 content=noise\ncompress b\ngpu-read c b+3900 400\n"
                + "cpu-write 100 b+8000 500 expect=sigsegv\ncompress b\ncpu-read 100 b+0 8192\ncheck\n");
        assertThat(r.failures()).isEmpty();
        assertThat(r.bytesVerified()).isGreaterThanOrEqualTo(400 + 8192 + 8192);
        assertThat(r.driverCounters().get("pages_restored")).isPositive();
    }

    @Test
    void gpuAccessesAreVerifiedAgainstTheirOwnContextsBuffersWhenAddressesCoincide() {
        // Two contexts have separate GPU address spaces, so their first buffers get the same GPU address. A write in
        // one context must update only its own buffer's shadow, and a read in the other be checked against its own.
        String t = "gmc-trace 1\ndriver midgard ram=16M\nprocess 100 a\nprocess 200 b\ncontext ca 100\n"
                + "context cb 200\nalloc x ca 4 content=gradient\nalloc y cb 4 content=text\ngpumap x\ngpumap y\n"
                + "gpu-write ca x+0 8192 content=noise\ngpu-read cb y+0 16384\ngpu-read ca x+0 16384\n"
                + "compress x\ncompress y\ngpu-read cb y+0 16384\ngpu-read ca x+0 16384\ncheck\n";
        ReplayReport r = run(t);
        assertThat(r.failures()).isEmpty();
        assertThat(r.bytesVerified()).isGreaterThanOrEqualTo(4 * 16384 + 8 * 4096);
        // and a wrong expectation in the other context is still caught
        ReplayReport wrong = run(t.replace("gpu-read cb y+0 16384\ngpu-read ca", "gpu-read cb y+0 16384 expect=fault"
                + "\ngpu-read ca"));
        assertThat(wrong.failures()).containsExactly("line 12: expected fault, got ok",
                "line 16: expected fault, got ok");
    }

    @Test
    void eagerRestoreBringsTheAppBackOnForegroundSoItsAccessesDoNotFault() {
        String body = "alloc b c 8 content=gradient\nalloc z c 4 content=text\ncpumap b 100\ncpumap z 100\n"
                + "gpumap b\nbackground 100\nforeground 100\ngpu-read c b+0 32768\ncpu-read 100 z+0 16384\ncheck\n";
        ReplayReport lazy = run(HEAD + body);
        ReplayReport eager = run(HEAD.replace("ram=16M", "ram=16M restore=eager") + body);
        for (ReplayReport r : List.of(lazy, eager)) {
            assertThat(r.failures()).isEmpty();
            assertThat(r.driverCounters().get("pages_restored")).isEqualTo(12);
        }
        assertThat(lazy.driverCounters().get("eager_restores")).isZero();
        assertThat(lazy.driverCounters().get("gpu_faults_major") + lazy.driverCounters().get("cpu_faults_major"))
                .isEqualTo(12);
        assertThat(eager.driverCounters().get("eager_restores")).isEqualTo(12);
        assertThat(eager.driverCounters().get("batch_restores")).isEqualTo(2);
        assertThat(eager.driverCounters().get("gpu_faults_major") + eager.driverCounters().get("cpu_faults_major")
                + eager.driverCounters().get("gpu_faults_minor") + eager.driverCounters().get("cpu_faults_minor"))
                .isZero();
        ReplayReport overridden = new TraceRunner(Trace.parse("t.gmct", HEAD + body)
                .withDriverOptions(java.util.Map.of("restore", "eager")), (p, o, l) -> new byte[0], null).run();
        assertThat(overridden.driverCounters()).isEqualTo(eager.driverCounters());
        assertThatThrownBy(() -> Trace.parse("t.gmct", HEAD.replace("ram=16M", "restore=soon")))
                .isInstanceOf(TraceException.class)
                .hasMessageStartingWith("t.gmct:2: field restore: restore mode 'soon' (expected lazy, eager or "
                        + "eager:TYPE,TYPE...)");
        assertThatThrownBy(() -> Trace.parse("t.gmct", HEAD.replace("ram=16M", "restore=eager:plaid")))
                .isInstanceOf(TraceException.class)
                .hasMessageStartingWith("t.gmct:2: field restore: buffer type 'plaid'");

        // only the colour buffer comes back on foreground; the texture faults its 4 pages back
        String typed = body.replace("alloc b c 8 content=gradient", "alloc b c 8 type=colour-buffer content=gradient")
                .replace("alloc z c 4 content=text", "alloc z c 4 type=texture content=text");
        ReplayReport some = run(HEAD.replace("ram=16M", "ram=16M restore=eager:colour-buffer,depth") + typed);
        assertThat(some.failures()).isEmpty();
        assertThat(some.driverCounters().get("eager_restores")).isEqualTo(8);
        assertThat(some.driverCounters().get("cpu_faults_major")).isEqualTo(4);
        assertThat(some.driverCounters().get("gpu_faults_major")).isZero();
    }

    static Stream<Path> sampleTraces() throws IOException {
        Path dir = Path.of("../traces");
        return Files.list(dir).filter(p -> p.toString().endsWith(".gmct")).sorted();
    }

    @ParameterizedTest
    @MethodSource("sampleTraces")
    void theShippedTracesReplayClean(Path trace) throws IOException {
        ReplayReport r = new TraceRunner(Trace.parse(trace), (p, off, len) -> {
            try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(p))) {
                in.skipNBytes(off);
                return in.readNBytes(len);
            }
        }, null).run();
        assertThat(r.failures()).isEmpty();
        assertThat(r.driverCounters().get("frames_freed")).isPositive();
        assertThat(r.driverCounters().get("pages_restored")).isPositive();
    }
}
