package dev.gmc.driver.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gmc.driver.CompressionPolicy;
import dev.gmc.driver.GmcEvent;
import dev.gmc.driver.GmcListener;
import dev.gmc.driver.Policies;
import dev.gmc.driver.PolicyArgs;
import dev.gmc.driver.PolicyProvider;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code daemon=}: the built-in policies against explicit compressions, plug-ins found by ServiceLoader, errors. */
class DaemonPolicyTest {
    /** Three apps, each with a texture and a colour buffer, taking turns in the foreground. */
    private static final String APPS = "process 1 a\nprocess 2 b\nprocess 3 c\n"
            + "context ca 1\ncontext cb 2\ncontext cc 3\n"
            + "alloc ta ca 8 type=texture content=gradient\nalloc fa ca 4 type=colour-buffer content=text\n"
            + "alloc tb cb 8 type=texture content=gradient seed=2\nalloc fb cb 4 type=colour-buffer content=text seed=2\n"
            + "alloc tc cc 8 type=texture content=gradient seed=3\nalloc fc cc 4 type=colour-buffer content=text seed=3\n"
            + "cpumap ta 1\ncpumap fa 1\ncpumap tb 2\ncpumap fb 2\ncpumap tc 3\ncpumap fc 3\n"
            + "gpumap ta\ngpumap tb\ngpumap tc\n";

    /**
     * The switches (old app to the background, then the new one to the foreground, as the generator and the bundled
     * traces write them), with what an explicit oracle does after each foreground line.
     */
    private static String switches(String afterB, String afterC, String afterA, String afterB2, String afterA2) {
        return "background 1\nforeground 2\n" + afterB + "cpu-read 2 tb+0 32768\njob cb uses=tb read=tb+0:32768\n"
                + "background 2\nforeground 3\n" + afterC + "cpu-read 3 fc+0 16384\n"
                + "background 3\nforeground 1\n" + afterA + "cpu-read 1 ta+0 32768\ncpu-read 1 fa+0 16384\n"
                + "background 1\nforeground 2\n" + afterB2 + "cpu-read 2 fb+0 16384\n"
                + "background 2\nforeground 1\n" + afterA2 + "cpu-read 1 ta+0 32768\ncheck\n";
    }

    private static String switches() {
        return switches("", "", "", "", "");
    }

    private static ReplayReport run(Trace t) {
        return new TraceRunner(t, (p, o, l) -> new byte[0], null).run();
    }

    private static ReplayReport run(String text) {
        return run(Trace.parse("t.gmct", text));
    }

    private static void assertSameRun(ReplayReport actual, ReplayReport expected) {
        assertThat(actual.failures()).isEmpty();
        assertThat(expected.failures()).isEmpty();
        assertThat(actual.driverCounters()).isEqualTo(expected.driverCounters());
        assertThat(actual.mmuCounters()).isEqualTo(expected.mmuCounters());
        assertThat(actual.mmStat()).isEqualTo(expected.mmStat());
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"midgard", "utgard"})
    void lruAppsCompressesAnAppOnlyWhenItFallsOutOfTheWarmWindow(String driver) {
        ReplayReport lru = run("gmc-trace 1\ndriver " + driver + " ram=16M daemon=lru-apps lru-apps.warm=1\n" + APPS
                + switches());
        // The oracle: a daemon that compresses nothing on its own (min-pages above every buffer) and explicit
        // compressions where warm=1 should make them. Window (background apps, most recent first) after each line:
        // bg a [a]; fg b [a]; bg b [b a]; fg c: a out; bg c [c b]; fg a: b out; bg a [a c]; fg b: c out;
        // bg b [b a]; fg a [b]: a was still resident.
        ReplayReport explicit = run("gmc-trace 1\ndriver " + driver + " ram=16M min-pages=1000\n" + APPS
                + switches("", "compress ta\ncompress fa\n", "compress tb\ncompress fb\n",
                        "compress tc\ncompress fc\n", ""));
        assertSameRun(lru, explicit);
        assertThat(lru.driverCounters().get("regions_compressed")).isEqualTo(6);
        assertThat(lru.daemon()).isEqualTo("lru-apps warm=1");
        assertThat(explicit.daemon()).isEqualTo("background");
        ReplayReport background = run("gmc-trace 1\ndriver " + driver + " ram=16M\n" + APPS + switches());
        // 9, not 10: b's texture, never read after its first compression, is not compressed again
        assertThat(background.driverCounters().get("regions_compressed")).isEqualTo(9);
        assertThat(lru.driverCounters().get("cpu_faults_major"))
                .as("a's texture was still resident when it came back the second time").isEqualTo(
                        background.driverCounters().get("cpu_faults_major") - 8);
    }

    @Test
    void lruAppsWithNoWarmAppIsTheBackgroundPolicyAndHonoursCompressAndMinPages() {
        String opts = " compress=texture min-pages=8\n";
        ReplayReport lru0 = run("gmc-trace 1\ndriver midgard ram=16M daemon=lru-apps lru-apps.warm=0" + opts + APPS
                + switches());
        ReplayReport background = run("gmc-trace 1\ndriver midgard ram=16M daemon=background" + opts + APPS
                + switches());
        assertSameRun(lru0, background);
        assertThat(background.driverCounters().get("regions_compressed")).as("textures only").isEqualTo(4);
    }

    @Test
    void overridingTheDaemonIsTheSameAsWritingIt() {
        Trace t = Trace.parse("t.gmct", "gmc-trace 1\ndriver midgard ram=16M\n" + APPS + switches());
        ReplayReport derived = run(t.withDriverOptions(Map.of("daemon", "lru-apps", "lru-apps.warm", "2")));
        ReplayReport written = run("gmc-trace 1\ndriver midgard ram=16M daemon=lru-apps lru-apps.warm=2\n" + APPS
                + switches());
        assertSameRun(derived, written);
        // an option of a policy that is not selected is checked but not used
        assertSameRun(run(t.withDriverOptions(Map.of("lru-apps.warm", "2"))), run(t));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "daemon=nope|t.gmct:2: field daemon: no daemon policy 'nope' (known: background, lru-apps, cold-buffers, "
                + "recorder, broken; a plug-in's jar is given with --plugin JAR)",
        "daemon=lru-apps lru-apps.warm=-1|t.gmct:2: field daemon: lru-apps.warm '-1' (expected an integer from 0 to "
                + "65536)",
        "daemon=lru-apps lru-apps.warm=x|t.gmct:2: field daemon: lru-apps.warm 'x'",
        "lru-apps.warm=-1|t.gmct:2: field daemon: lru-apps.warm '-1'",
        "lru-apps.cold=1|t.gmct:2: field lru-apps.cold: daemon policy 'lru-apps' takes no option 'cold' (it takes "
                + "warm)",
        "background.x=1|t.gmct:2: field background.x: daemon policy 'background' takes no option 'x'",
        "nope.x=1|t.gmct:2: field nope.x: no daemon policy 'nope'",
        "daemon=broken|t.gmct:2: field daemon: daemon policy 'broken' (dev.gmc.driver.replay.DaemonPolicyTest$Broken) "
                + "failed to start: java.lang.NullPointerException",
    })
    void aBadDaemonOrOptionIsNamedWhenTheTraceIsParsed(String options, String message) {
        Policies policies = Policies.with(List.of(new Recorder(), new Broken()));
        String text = "gmc-trace 1\ndriver midgard ram=16M " + options + "\n" + APPS;
        assertThatThrownBy(() -> Trace.parse("t.gmct", text, policies)).isInstanceOf(TraceException.class)
                .hasMessageStartingWith(message);
        Trace ok = Trace.parse("t.gmct", "gmc-trace 1\ndriver midgard ram=16M\n" + APPS, policies);
        Map<String, String> override = new java.util.LinkedHashMap<>();
        for (String kv : options.split(" ")) {
            override.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        assertThatThrownBy(() -> ok.withDriverOptions(override)).isInstanceOf(TraceException.class)
                .hasMessageStartingWith(message);
    }

    @Test
    void aPolicyThatListensSeesTheRunsEventsAndDecidesOnThem() {
        Recorder recorder = new Recorder();
        Policies policies = Policies.with(List.of(recorder));
        ReplayReport r = run(Trace.parse("t.gmct", "gmc-trace 1\ndriver midgard ram=16M daemon=recorder "
                + "recorder.skip=texture\n" + APPS + switches(), policies));
        assertThat(r.failures()).isEmpty();
        RecorderPolicy p = recorder.made.get(recorder.made.size() - 1);
        assertThat(p.seen).contains(GmcEvent.Type.APP_BACKGROUND, GmcEvent.Type.JOB_START, GmcEvent.Type.JOB_USES,
                GmcEvent.Type.CPU_FAULT, GmcEvent.Type.PAGE_RESTORED);
        // the job's declared buffer comes right after its start
        int start = p.seen.indexOf(GmcEvent.Type.JOB_START);
        assertThat(p.seen.get(start + 1)).isEqualTo(GmcEvent.Type.JOB_USES);
        // it compressed only colour buffers (its own option), one per background event
        assertThat(r.driverCounters().get("regions_compressed")).isEqualTo(5);
    }

    @Test
    void pluginsAreFoundThroughServiceLoaderAndAMissingClassIsNamed(@TempDir Path dir) throws IOException {
        Path services = dir.resolve("ok/META-INF/services/dev.gmc.driver.PolicyProvider");
        Files.createDirectories(services.getParent());
        Files.writeString(services, "# a comment\n" + Recorder.class.getName() + "\n");
        try (URLClassLoader l = new URLClassLoader(new URL[] {dir.resolve("ok").toUri().toURL()},
                getClass().getClassLoader())) {
            assertThat(Policies.load(l).all()).extracting(PolicyProvider::name)
                    .containsExactly("background", "lru-apps", "cold-buffers", "recorder");
        }
        assertThat(Policies.builtIn().all()).extracting(PolicyProvider::name)
                .containsExactly("background", "lru-apps", "cold-buffers");
        Path bad = dir.resolve("bad/META-INF/services/dev.gmc.driver.PolicyProvider");
        Files.createDirectories(bad.getParent());
        Files.writeString(bad, "org.example.NoSuchPolicy\n");
        try (URLClassLoader l = new URLClassLoader(new URL[] {dir.resolve("bad").toUri().toURL()},
                getClass().getClassLoader())) {
            assertThatThrownBy(() -> Policies.load(l)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("cannot load a policy plug-in").hasMessageContaining("org.example.NoSuchPolicy");
        }
    }

    @Test
    void pluginNamesAreCheckedAndMayNotClash() {
        PolicyProvider clash = new Recorder() {
            @Override
            public String name() {
                return "lru-apps";
            }
        };
        assertThatThrownBy(() -> Policies.with(List.of(clash))).hasMessageStartingWith(
                "two policies are named 'lru-apps': dev.gmc.driver.LruAppsPolicy and dev.gmc.driver.replay.DaemonPolicyTest$");
        PolicyProvider upper = new Recorder() {
            @Override
            public String name() {
                return "Mine";
            }
        };
        assertThatThrownBy(() -> Policies.with(List.of(upper))).hasMessageContaining("name 'Mine' (expected lower-case");
    }

    @Test
    void aPolicyThatThrowsIsNamedWithTheLineAndDoesNotBreakTheDriverStep() {
        PolicyProvider throwing = new Recorder() {
            @Override
            public String name() {
                return "throwing";
            }

            @Override
            public CompressionPolicy create(PolicyArgs args) {
                return (pid, fg, driver) -> {
                    throw new NullPointerException("oops");
                };
            }
        };
        PolicyProvider deaf = new Recorder() {
            @Override
            public String name() {
                return "deaf";
            }

            @Override
            public CompressionPolicy create(PolicyArgs args) {
                return new RecorderPolicy(dev.gmc.driver.BufferType.OTHER, args) {
                    @Override
                    public void onEvent(GmcEvent event) {
                        if (event.type() == GmcEvent.Type.PAGE_STORED) {
                            throw new IllegalArgumentException("cannot hear");
                        }
                    }
                };
            }
        };
        Policies policies = Policies.with(List.of(throwing, deaf));
        assertThatThrownBy(() -> run(Trace.parse("t.gmct", "gmc-trace 1\ndriver midgard ram=16M daemon=throwing\n"
                + APPS + switches(), policies))).isInstanceOf(TraceException.class)
                .hasMessageStartingWith("t.gmct:24: daemon policy dev.gmc.driver.replay.DaemonPolicyTest$")
                .hasMessageContaining("failed in candidates: java.lang.NullPointerException: oops");
        // a listener's failure is reported at the line, after the driver finished the step it observed
        assertThatThrownBy(() -> run(Trace.parse("t.gmct", "gmc-trace 1\ndriver midgard ram=16M daemon=deaf\n"
                + APPS + switches(), policies))).isInstanceOf(TraceException.class)
                .hasMessageStartingWith("t.gmct:24: event listener dev.gmc.driver.replay.DaemonPolicyTest$")
                .hasMessageContaining("failed on PAGE_STORED: java.lang.IllegalArgumentException: cannot hear");
    }

    /** A plug-in-style policy: compresses the backgrounded app's buffers except one type, and records events. */
    public static class Recorder implements PolicyProvider {
        final List<RecorderPolicy> made = new ArrayList<>();

        @Override
        public String name() {
            return "recorder";
        }

        @Override
        public String description() {
            return "test";
        }

        @Override
        public Map<String, String> options() {
            return Map.of("skip", "a buffer type not to compress");
        }

        @Override
        public CompressionPolicy create(PolicyArgs args) {
            RecorderPolicy p = new RecorderPolicy(dev.gmc.driver.BufferType.parse(args.option("skip", "other")), args);
            made.add(p);
            return p;
        }
    }

    static class RecorderPolicy implements CompressionPolicy, GmcListener {
        final List<GmcEvent.Type> seen = new ArrayList<>();
        final CompressionPolicy base;

        RecorderPolicy(dev.gmc.driver.BufferType skip, PolicyArgs args) {
            base = CompressionPolicy.background(args.minPages(), b -> args.eligible(b) && b.type() != skip);
        }

        @Override
        public void onEvent(GmcEvent event) {
            seen.add(event.type());
        }

        @Override
        public List<dev.gmc.driver.Buffer> candidates(int pid, boolean fg, dev.gmc.driver.GpuDriverModel driver) {
            return base.candidates(pid, fg, driver);
        }
    }

    /** A plug-in with a bug. */
    public static final class Broken implements PolicyProvider {
        @Override
        public String name() {
            return "broken";
        }

        @Override
        public String description() {
            return "throws";
        }

        @Override
        public CompressionPolicy create(PolicyArgs args) {
            throw new NullPointerException();
        }
    }
}
