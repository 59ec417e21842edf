package dev.gmc.driver.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The driver line's options: the daemon's compression policy, overrides for sweeps, and the peak sample. */
class DriverOptionsTest {
    private static final String BODY = "process 100 app\ncontext c 100\n"
            + "alloc tex c 8 type=texture content=gradient\n"
            + "alloc cb c 8 type=colour-buffer content=text\n"
            + "alloc small c 2 type=texture content=gradient seed=7\n"
            + "cpumap tex 100\ncpumap cb 100\ncpumap small 100\n";

    private static ReplayReport run(Trace t) {
        return new TraceRunner(t, (p, o, l) -> new byte[0], null).run();
    }

    private static ReplayReport run(String text) {
        return run(Trace.parse("t.gmct", text));
    }

    @Test
    void compressTypesAndMinPagesChooseWhatTheDaemonCompresses() {
        ReplayReport policy = run("gmc-trace 1\ndriver midgard ram=16M compress=texture min-pages=4\n" + BODY
                + "background 100\ncpu-read 100 small+0 8192\ncheck\n");
        // The oracle: the same buffers with no daemon decision, only an explicit compress of the one buffer that
        // the policy should pick (textures of at least 4 pages).
        ReplayReport explicit = run("gmc-trace 1\ndriver midgard ram=16M\n" + BODY
                + "compress tex\ncpu-read 100 small+0 8192\ncheck\n");
        ReplayReport all = run("gmc-trace 1\ndriver midgard ram=16M\n" + BODY + "background 100\n");
        assertThat(policy.failures()).isEmpty();
        for (String k : new String[] {"regions_compressed", "pages_stored", "pages_same_filled", "frames_freed"}) {
            assertThat(policy.driverCounters().get(k)).as(k).isEqualTo(explicit.driverCounters().get(k));
        }
        assertThat(policy.mmStat()).isEqualTo(explicit.mmStat());
        assertThat(policy.driverCounters().get("regions_compressed")).isEqualTo(1);
        assertThat(all.driverCounters().get("regions_compressed")).isEqualTo(3);
        assertThat(all.driverCounters().get("frames_freed")).isGreaterThan(policy.driverCounters().get("frames_freed"));
        // small was never compressed, so reading it faulted nothing
        assertThat(policy.driverCounters().get("cpu_faults_major")).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "remap=sometimes|t.gmct:2: field remap: remap 'sometimes' (expected faulting or all)",
        "format=x86|t.gmct:2: field format: format 'x86' (expected aarch64 or lpae)",
        "algo=lz5|t.gmct:2: field algo: codec: 'lz5'",
        "policy=keep|t.gmct:2: field policy: incompressible policy: 'keep'",
        "compress=plaid|t.gmct:2: field compress: buffer type 'plaid'",
        "compress=texture,|t.gmct:2: field compress: buffer type ''",
        "min-pages=0|t.gmct:2: field min-pages: expected a number >= 1, got '0'",
        "threshold=0|t.gmct:2: field threshold: expected a number >= 1, got '0'",
        "tlb=2000000|t.gmct:2: field tlb: expected a number from 1 to 1048576, got '2000000'",
        "restore=soon|t.gmct:2: field restore: restore mode 'soon'",
        "tlb=3|t.gmct:2: field tlb: TLB size 3 is not a power of two",
        "ram=64|t.gmct:2: field ram: RAM size 64 bytes: expected a multiple of 4096 between 64 KiB and 128 GiB",
        "ram=1001K|t.gmct:2: field ram: RAM size 1025024 bytes: expected a multiple of 4096",
        "pool=chain0|t.gmct:2: field pool: pool 'chain0' (expected chain1..chain16",
        "pool=6.1|t.gmct:2: field pool: pool '6.1' (expected chain1..chain16",
        "arch=sparc|t.gmct:2: field arch: kernel arch: 'sparc' (expected one of 64, arm32, arm32-lpae)",
        // one beyond each end of a range (the ends themselves are accepted below)
        "pool=chain17|t.gmct:2: field pool: pool 'chain17' (expected chain1..chain16",
        "recompress=zstd,lz4hc,lzo,deflate|t.gmct:2: field recompress: 'zstd,lz4hc,lzo,deflate': 4 codecs (zram has "
            + "priorities 1..3)",
        "reclaim=0:5|t.gmct:2: field reclaim: reclaim '0:5' (expected off or LOW:HIGH",
        "reclaim=5:4|t.gmct:2: field reclaim: reclaim '5:4' (expected off or LOW:HIGH",
        "reclaim=5:101|t.gmct:2: field reclaim: reclaim '5:101' (expected off or LOW:HIGH",
        "recompress-threshold=4096|t.gmct:2: field recompress-threshold: expected a number from 0 to 4095, got '4096'",
        "tlb=2097152|t.gmct:2: field tlb: expected a number from 1 to 1048576, got '2097152'",
        "ram=8589934591G|t.gmct:2: field ram: RAM size 9223372035781033984 bytes: expected a multiple of 4096",
        "ram=8589934592G|t.gmct:2: field ram: size '8589934592G' overflows 64 bits",
        // a policy option needs a policy name before its dot
        ".warm=1|t.gmct:2: field .warm: 'driver' takes no option '.warm'",
        "lru-apps.=1|t.gmct:2: field lru-apps.: daemon policy 'lru-apps' takes no option ''",
    })
    void malformedDriverOptionsFailAtParseNamingTheOption(String option, String message) {
        assertThatThrownBy(() -> Trace.parse("t.gmct", "gmc-trace 1\ndriver midgard " + option + "\n"))
                .isInstanceOf(TraceException.class).hasMessageStartingWith(message);
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"pool=chain1", "pool=chain16", "reclaim=1:1",
        "reclaim=100:100", "recompress=zstd,lz4hc,lzo", "recompress-threshold=4095", "recompress-after=0",
        "tlb=1048576", "tlb=1", "threshold=1", "ram=64K", "ram=128G", "min-pages=1", "lru-apps.warm=65536"})
    void theEndsOfEveryRangeAreAccepted(String option) {
        Trace t = Trace.parse("t.gmct", "gmc-trace 1\ndriver midgard " + option + "\n");
        String[] kv = option.split("=");
        assertThat(t.header().opt(kv[0], null)).isEqualTo(kv[1]);
    }

    /**
     * pool= and arch= give the replay's store that kernel's zsmalloc: on a 32-bit LPAE kernel no object takes less
     * than a 2048-byte slot (KernelArch), so the pool holds at least half a page per compressed page, where the
     * default 64-bit pool packs these gradients many to a page; the report names the kernel when it is not the default.
     */
    @Test
    void poolAndArchGiveTheReplaysStoreThatKernelsZsmalloc() {
        String body = "process 100 app\ncontext c 100\nalloc tex c 64 type=texture content=gradient\n"
                + "cpumap tex 100\nbackground 100\ncheck\n";
        ReplayReport def = run("gmc-trace 1\ndriver midgard ram=16M\n" + body);
        ReplayReport lpae = run("gmc-trace 1\ndriver midgard ram=16M pool=legacy arch=arm32-lpae\n" + body);
        ReplayReport legacy = run("gmc-trace 1\ndriver midgard ram=16M pool=legacy\n" + body);
        ReplayReport chain16 = run("gmc-trace 1\ndriver midgard ram=16M pool=chain16 arch=aarch64\n" + body);
        assertThat(def.pool()).isEmpty();
        assertThat(lpae.pool()).isEqualTo("zsmalloc <= 6.2, arm32-lpae kernel");
        assertThat(legacy.pool()).isEqualTo("zsmalloc <= 6.2, 64-bit kernel");
        assertThat(chain16.pool()).isEqualTo("zsmalloc chain16, 64-bit kernel");
        for (ReplayReport r : new ReplayReport[] {def, lpae, legacy, chain16}) {
            assertThat(r.failures()).isEmpty();
            assertThat(r.driverCounters().get("pages_stored")).isEqualTo(def.driverCounters().get("pages_stored"));
        }
        long stored = def.driverCounters().get("pages_stored");
        long hugePages = dev.gmc.core.store.MmStat.parse(lpae.mmStat()).hugePages();
        assertThat(dev.gmc.core.store.MmStat.parse(lpae.mmStat()).memUsedTotal())
                .isGreaterThanOrEqualTo((stored - hugePages) * 2048 + hugePages * 4096);
        assertThat(dev.gmc.core.store.MmStat.parse(def.mmStat()).memUsedTotal())
                .isLessThan(dev.gmc.core.store.MmStat.parse(lpae.mmStat()).memUsedTotal());
        assertThat(legacy.mmStat()).isNotEqualTo(def.mmStat()); // other classes, other pool
    }

    @Test
    void withDriverOptionsReplacesTheLinesOwnKeepsTheRestAndChecksThem() {
        Trace t = Trace.parse("t.gmct", "gmc-trace 1\ndriver midgard ram=16M algo=lz4 restore=lazy\n" + BODY
                + "background 100\nforeground 100\ncpu-read 100 tex+0 32768\n");
        Map<String, String> set = new LinkedHashMap<>();
        set.put("algo", "zstd:3");
        set.put("restore", "eager");
        Trace v = t.withDriverOptions(set);
        assertThat(v.header().opt("algo", null)).isEqualTo("zstd:3");
        assertThat(v.header().opt("restore", null)).isEqualTo("eager");
        assertThat(v.header().opt("ram", null)).isEqualTo("16M");
        assertThat(v.header().opts("algo")).hasSize(1);
        assertThat(t.header().opt("algo", null)).as("the original is unchanged").isEqualTo("lz4");
        // The same as a trace written with those options
        ReplayReport written = run("gmc-trace 1\ndriver midgard ram=16M algo=zstd:3 restore=eager\n" + BODY
                + "background 100\nforeground 100\ncpu-read 100 tex+0 32768\n");
        ReplayReport derived = run(v);
        assertThat(derived.driverCounters()).isEqualTo(written.driverCounters());
        assertThat(derived.mmStat()).isEqualTo(written.mmStat());
        assertThat(derived.driverCounters().get("eager_restores")).isPositive();
        assertThat(run(t).driverCounters().get("eager_restores")).isZero();

        assertThatThrownBy(() -> t.withDriverOptions(Map.of("colour", "red"))).isInstanceOf(TraceException.class)
                .hasMessageStartingWith("t.gmct:2: field colour: 'driver' takes no option 'colour' (it takes algo, arch, "
                        + "compress, daemon, format, min-pages, policy, pool, ram, reclaim, recompress, recompress-after, recompress-compact, recompress-threshold, remap, restore, threshold, tlb, and a "
                        + "daemon policy's NAME.KEY)");
        assertThatThrownBy(() -> t.withDriverOptions(Map.of("remap", "sometimes")))
                .hasMessageStartingWith("t.gmct:2: field remap: remap 'sometimes'");
    }

    @Test
    void thePeakIsTheHighestSavingAfterAnyLineEvenWhenNoStatsLineSawIt() {
        String head = "gmc-trace 1\ndriver midgard ram=16M\n" + BODY;
        ReplayReport r = run(head + "compress tex\ncompress cb\nfree tex\nfree cb\n");
        // the same trace sampled right after the second compress: the oracle for the peak
        ReplayReport sampled = run(head + "compress tex\ncompress cb\nstats here\nfree tex\nfree cb\n");
        ReplayReport.Sample atCompress = sampled.timeline().get(0);
        assertThat(atCompress.savedBytes()).isPositive();
        assertThat(r.peak().savedBytes()).isEqualTo(atCompress.savedBytes());
        assertThat(r.peak().poolBytes()).isEqualTo(atCompress.poolBytes());
        assertThat(r.peak().line()).isEqualTo(12);
        assertThat(r.timeline()).hasSize(1);
        assertThat(r.timeline().get(0).savedBytes()).as("nothing saved at the end").isZero();
        ReplayReport none = run(head);
        assertThat(none.peak().savedBytes()).isZero();
    }
}
