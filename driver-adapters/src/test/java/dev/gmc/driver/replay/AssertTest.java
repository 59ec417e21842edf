package dev.gmc.driver.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code assert KEY=VALUE}: figures pinned in a trace, checked when the line runs. */
class AssertTest {
    /** 8 pages of a gradient texture, compressed, then 2 of them read back. */
    private static final String TRACE = "gmc-trace 1\ndriver midgard ram=16M policy=store-raw\n"
            + "process 100 app\ncontext c 100\nalloc tex c 8 type=texture content=gradient\n"
            + "alloc z c 4 type=texture content=zero\ncpumap tex 100\ncpumap z 100\n";

    private static ReplayReport run(String text) {
        return new TraceRunner(Trace.parse("t.gmct", text), (p, o, l) -> new byte[0], null).run();
    }

    @Test
    void figuresWorkedOutByHandHold() {
        ReplayReport r = run(TRACE + "assert pages_stored=0 regions_compressed=0 mm_stat.orig_data_size=0\n"
                + "compress tex\ncompress z\n"
                // 8 texture pages stored, 4 zero pages recorded as fill words; the kernel's orig_data_size counts
                // all 12 pages, compr_data_size only the 8 objects; the 12 data frames went back
                + "assert pages_stored=8 pages_same_filled=4 pages_zero=4 frames_freed=12 regions_compressed=2 "
                + "mm_stat.orig_data_size=48K mm_stat.same_pages=4 mm_stat.compr_data_size=1..32K stored_pages=12\n"
                + "cpu-read 100 tex+0 8192\n"
                + "assert cpu_faults_major=2 pages_restored=2 stored_pages=10 mm_stat.orig_data_size=0xa000 "
                + "mmu.cpu_fault=2 saved_bytes=1.. cpu_faults_minor=..0\n");
        assertThat(r.failures()).isEmpty();
    }

    @Test
    void aMissIsAFailureNamingTheLineTheFigureAndBothValues() {
        ReplayReport r = run(TRACE + "compress tex\ncpu-read 100 tex+0 8192\n"
                + "assert cpu_faults_major=3 pages_restored=2 stored_pages=..5 frames_freed=9..20 pages_stored=10..\n");
        assertThat(r.failures()).containsExactly(
                "line 11: assert cpu_faults_major: expected 3, got 2",
                "line 11: assert stored_pages: expected at most 5, got 6",
                "line 11: assert frames_freed: expected from 9 to 20, got 8",
                "line 11: assert pages_stored: expected at least 10, got 8");
        assertThat(r.ok()).isFalse();
    }

    @Test
    void everyKeyIsAFigureOfTheRun() {
        String all = CounterAssertion.KEYS.stream().map(k -> k + "=0..").collect(Collectors.joining(" "));
        ReplayReport r = run(TRACE + "compress tex\nassert " + all + "\n");
        assertThat(r.failures()).isEmpty();
        assertThat(CounterAssertion.KEYS).contains("cpu_faults_major", "mmu.kbase_flush_pt", "mm_stat.mem_used_max",
                "mm_stat.huge_pages_since", "saved_bytes").hasSizeGreaterThan(40);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "assert faults=1|t.gmct:9: field faults: no figure 'faults' (expected a driver counter, mmu.COUNTER, "
                + "mm_stat.FIELD or one of data_frames, pool_bytes, saved_bytes, stored_pages, table_frames; all: ",
        "assert pages_stored=5..2|t.gmct:9: field pages_stored: pages_stored '5..2': an empty range",
        "assert pages_stored=..|t.gmct:9: field pages_stored: pages_stored '..' (expected N, A..B, A.. or ..B)",
        "assert pages_stored=-1|t.gmct:9: field pages_stored: pages_stored '-1' (expected N, A..B",
        "assert pages_stored=1X|t.gmct:9: field pages_stored: pages_stored '1X' (expected",
        "assert saved_bytes=9999999999G|t.gmct:9: field saved_bytes: saved_bytes '9999999999G'",
        "assert|t.gmct:9: 'assert' takes one or more KEY=VALUE",
        "assert tex|t.gmct:9: 'assert' takes 0 field(s)",
    })
    void aBadAssertionIsNamedWhenTheTraceIsParsed(String line, String message) {
        assertThatThrownBy(() -> Trace.parse("t.gmct", TRACE + line + "\n")).isInstanceOf(TraceException.class)
                .hasMessageStartingWith(message);
    }
}
