package dev.gmc.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gmc.core.codec.CodecSpec;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The resource daemon and the built-in policies at their edges: the watermarks and direct reclaim at exactly the
 * frames asked for, app events, the age rule's threshold and candidates, and which buffers each policy offers.
 * Zero pages are used where a count must be exact: compressing them frees their frames and takes no pool memory.
 */
class ResourceDaemonTest {
    /** 400 usable frames of RAM (frame 0 is never handed out). */
    private static AbstractGmcDriver driver() {
        return new MidgardDriver(DriverConfig.defaults().withRam(401L * 4096));
    }

    /** Process 1 ("app") and a context of it. */
    private static GpuContext appContext(AbstractGmcDriver d) {
        d.createProcess(1, "app");
        return d.createContext(1);
    }

    private static Buffer zeroBuffer(AbstractGmcDriver d, GpuContext ctx, int pages, String name) {
        Buffer b = d.allocate(ctx, pages, BufferType.TEXTURE, name, false);
        d.upload(b, new byte[pages * 4096], 0);
        return b;
    }

    /** A policy that compresses nothing on app events and offers {@code pressure} under memory pressure. */
    private static CompressionPolicy pressure(List<Buffer> pressure) {
        return new CompressionPolicy() {
            @Override
            public List<Buffer> candidates(int pid, boolean foreground, GpuDriverModel driver) {
                return List.of();
            }

            @Override
            public List<Buffer> pressureCandidates(GpuDriverModel driver) {
                return pressure;
            }
        };
    }

    /**
     * low 50 % of 400 = 200 frames, high 60 % = 240. At exactly 200 available nothing happens; at 199 the daemon
     * compresses the first candidate (41 zero pages: 240 available, the high watermark) and stops there, leaving the
     * second; balance returns what it compressed.
     */
    @Test
    void balanceStartsUnderTheLowWatermarkAndStopsOnReachingTheHighOne() {
        try (AbstractGmcDriver d = driver()) {
            GpuContext ctx = appContext(d);
            Buffer first = zeroBuffer(d, ctx, 41, "first");
            Buffer second = zeroBuffer(d, ctx, 8, "second");
            List<Buffer> candidates = List.of(first, second);
            ResourceDaemon daemon = new ResourceDaemon(d, pressure(candidates), 50, 60);
            long free = d.memory().freeFrames();
            zeroBuffer(d, ctx, (int) (free - 200), "filler");
            assertThat(daemon.availableFrames()).isEqualTo(200);
            assertThat(daemon.balance()).isEmpty();
            assertThat(daemon.reclaims()).isZero();
            zeroBuffer(d, ctx, 1, "one-more");
            assertThat(daemon.availableFrames()).isEqualTo(199);
            List<CompressResult> done = daemon.balance();
            assertThat(done).singleElement().satisfies(r -> {
                assertThat(r.bufferId()).isEqualTo(first.id());
                assertThat(r.sameFilled()).isEqualTo(41);
            });
            assertThat(daemon.availableFrames()).isEqualTo(240);
            assertThat(second.compressedPages()).isZero();
            assertThat(daemon.reclaims()).isEqualTo(1);
            assertThat(daemon.reclaimedRegions()).isEqualTo(1);
            assertThat(daemon.balance()).as("at the high watermark, above the low one").isEmpty();
        }
    }

    @Test
    void directReclaimCompressesOnlyWhileFewerFramesThanAskedAreFree() {
        try (AbstractGmcDriver d = driver()) {
            GpuContext ctx = appContext(d);
            Buffer a = zeroBuffer(d, ctx, 10, "a");
            Buffer b = zeroBuffer(d, ctx, 10, "b");
            long free = d.memory().freeFrames();

            ResourceDaemon off = new ResourceDaemon(d, pressure(List.of(a, b)));
            assertThat(off.reclaimFor(free)).isTrue();
            assertThat(off.reclaimFor(free + 1)).as("reclaim off: only what is free").isFalse();
            assertThat(off.directReclaims()).isZero();
            assertThat(a.compressedPages() + b.compressedPages()).isZero();

            ResourceDaemon none = new ResourceDaemon(d, pressure(List.of()), 10, 20);
            assertThat(none.reclaimFor(free)).as("exactly enough free, no candidates").isTrue();
            assertThat(none.reclaimFor(free + 1)).isFalse();
            assertThat(none.directReclaims()).isEqualTo(2);

            ResourceDaemon on = new ResourceDaemon(d, pressure(List.of(a, b)), 10, 20);
            assertThat(on.reclaimFor(free)).isTrue();
            assertThat(a.compressedPages()).as("enough was free: nothing compressed").isZero();
            assertThat(on.reclaimFor(free + 10)).isTrue();
            assertThat(a.compressedPages()).isEqualTo(10);
            assertThat(b.compressedPages()).as("a freed enough").isZero();
            assertThat(d.memory().freeFrames()).isEqualTo(free + 10);
            assertThat(on.reclaimFor(free + 21)).as("a and b give 20 frames, not 21").isFalse();
            assertThat(b.compressedPages()).isEqualTo(10);
        }
    }

    @Test
    void appEventsSetTheStateAndAreEmittedWithThePid() {
        try (AbstractGmcDriver d = driver()) {
            d.createProcess(7, "app");
            List<GmcEvent> seen = new ArrayList<>();
            d.addListener(seen::add);
            ResourceDaemon daemon = new ResourceDaemon(d, CompressionPolicy.background(1));
            assertThat(daemon.isForeground(7)).as("apps start in the foreground").isTrue();
            daemon.appBackground(7);
            assertThat(daemon.isForeground(7)).isFalse();
            daemon.appForeground(7);
            assertThat(daemon.isForeground(7)).isTrue();
            assertThat(seen).extracting(GmcEvent::type, GmcEvent::value).containsExactly(
                    org.assertj.core.groups.Tuple.tuple(GmcEvent.Type.APP_BACKGROUND, 7L),
                    org.assertj.core.groups.Tuple.tuple(GmcEvent.Type.APP_FOREGROUND, 7L));
            assertThatThrownBy(() -> daemon.appBackground(8)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void theAgeRuleTakesZramsThresholdRangeAndOnlyBuffersWithCompressedPages() {
        DriverConfig cfg = DriverConfig.defaults().withRam(401L * 4096);
        cfg = cfg.withStore(cfg.store().withRecompressCodecs(List.of(CodecSpec.parse("zstd"))));
        try (AbstractGmcDriver d = new MidgardDriver(cfg)) {
            d.createProcess(1, "a");
            d.createProcess(2, "b");
            GpuContext ctx = d.createContext(1);
            Buffer text = d.allocate(ctx, 4, BufferType.TEXTURE, "text", false);
            byte[] data = new byte[4 * 4096];
            dev.gmc.driver.replay.Content.parse("text").fill(1, 0, data, 0, data.length);
            d.upload(text, data, 0);
            Buffer kept = zeroBuffer(d, ctx, 2, "kept");
            ResourceDaemon daemon = new ResourceDaemon(d, (pid, fg, drv) -> fg ? List.of() : List.of(text));
            assertThat(daemon.recompressAfter(1, 4095)).isSameAs(daemon);
            for (int[] bad : new int[][] {{1, 4096}, {1, -1}, {-1, 0}}) {
                assertThatThrownBy(() -> daemon.recompressAfter(bad[0], bad[1])).as("%d, %d", bad[0], bad[1])
                        .hasMessageContaining("expected events >= 0, 0 <= threshold < 4096");
            }
            daemon.recompressAfter(1, 0);
            daemon.appBackground(1); // compresses text only
            assertThat(kept.compressedPages()).isZero();
            ResourceDaemon.Outcome o = daemon.appForeground(2); // app 1 is one event old
            assertThat(o.recompressed()).extracting(RecompressResult::bufferId).containsExactly(text.id());
            assertThat(daemon.recompressedRegions()).isEqualTo(1);
            assertThat(daemon.appBackground(2).recompressed()).as("once, at the age").isEmpty();
        }
        try (AbstractGmcDriver d = driver()) {
            ResourceDaemon daemon = new ResourceDaemon(d, CompressionPolicy.background(1));
            assertThat(daemon.recompressAfter(0, 0)).as("off needs no codecs").isSameAs(daemon);
            assertThatThrownBy(() -> daemon.recompressAfter(1, 0)).hasMessageContaining("no recompression codecs");
        }
    }

    /**
     * Every built-in policy offers a buffer while it has resident pages and never once all are compressed; the
     * background policy's min-pages admits a buffer of exactly that size.
     */
    @Test
    void policiesOfferBuffersWithResidentPagesOnlyAndMinPagesIsInclusive() {
        try (AbstractGmcDriver d = driver()) {
            d.createProcess(1, "app");
            d.createProcess(2, "other");
            d.createProcess(3, "third");
            GpuContext ctx = d.createContext(1);
            Buffer three = zeroBuffer(d, ctx, 3, "three");
            Buffer four = zeroBuffer(d, ctx, 4, "four");
            Buffer noisy = d.allocate(ctx, 2, BufferType.TEXTURE, "noisy", false);
            byte[] noise = new byte[2 * 4096];
            dev.gmc.driver.replay.Content.parse("noise").fill(3, 0, noise, 0, 4096); // page 1 stays zero
            d.upload(noisy, noise, 0);
            assertThat(CompressionPolicy.background(4).candidates(1, false, d)).containsExactly(four);
            assertThat(CompressionPolicy.background(3).candidates(1, false, d)).containsExactly(three, four);
            d.compress(three);
            d.compress(noisy); // its noise page is refused and stays resident
            assertThat(noisy.compressedPages()).isEqualTo(1);

            PolicyArgs args = new PolicyArgs("p", EnumSet.allOf(BufferType.class), 1, Map.of());
            Policies std = Policies.standard();
            assertThat(CompressionPolicy.background(1).candidates(1, false, d)).containsExactly(four, noisy);
            CompressionPolicy lru = std.get("lru-apps").create(new PolicyArgs("lru-apps",
                    EnumSet.allOf(BufferType.class), 1, Map.of("warm", "1")));
            assertThat(lru.candidates(1, false, d)).as("app 1 is the warm one").isEmpty();
            assertThat(lru.pressureCandidates(d)).containsExactly(four, noisy);
            assertThat(lru.candidates(2, false, d)).as("app 2 pushes app 1 out only on a foreground").isEmpty();
            assertThat(lru.candidates(3, true, d)).containsExactly(four, noisy);
            CompressionPolicy cold = std.get("cold-buffers").create(args);
            assertThat(cold.candidates(1, false, d)).containsExactly(four, noisy);
            assertThat(cold.pressureCandidates(d)).containsExactlyInAnyOrder(four, noisy);
            d.compress(four);
            assertThat(cold.pressureCandidates(d)).containsExactly(noisy);
            assertThat(std.contains("cold-buffers")).isTrue();
            assertThat(std.contains("cold")).isFalse();
        }
    }

    /** withEagerRestore adds restores on foreground and passes every other question to the policy it wraps. */
    @Test
    void eagerRestorePassesTheOtherQuestionsThrough() {
        try (AbstractGmcDriver d = driver()) {
            GpuContext ctx = appContext(d);
            Buffer a = zeroBuffer(d, ctx, 2, "a");
            Buffer b = zeroBuffer(d, ctx, 2, "b");
            CompressionPolicy base = new CompressionPolicy() {
                @Override
                public List<Buffer> candidates(int pid, boolean foreground, GpuDriverModel driver) {
                    return List.of(a);
                }

                @Override
                public List<Buffer> recompressCandidates(int pid, boolean foreground, GpuDriverModel driver) {
                    return List.of(b);
                }

                @Override
                public List<Buffer> restoreCandidates(int pid, boolean foreground, GpuDriverModel driver) {
                    return List.of(a, b);
                }

                @Override
                public List<Buffer> pressureCandidates(GpuDriverModel driver) {
                    return List.of(b, a);
                }
            };
            CompressionPolicy eager = base.withEagerRestore();
            assertThat(eager.candidates(1, false, d)).containsExactly(a);
            assertThat(eager.recompressCandidates(1, false, d)).containsExactly(b);
            assertThat(eager.pressureCandidates(d)).containsExactly(b, a);
            assertThat(eager.restoreCandidates(1, false, d)).as("in the background: the base's answer")
                    .containsExactly(a, b);
            assertThat(eager.restoreCandidates(1, true, d)).as("nothing compressed yet").isEmpty();
            d.compress(b);
            d.compress(a);
            assertThat(eager.restoreCandidates(1, true, d)).as("by id").containsExactly(a, b);
            d.restore(a);
            assertThat(eager.restoreCandidates(1, true, d)).containsExactly(b);
        }
    }

    @Test
    void integerPolicyOptionsTakeBothEndsOfTheirRange() {
        PolicyArgs a = new PolicyArgs("lru-apps", EnumSet.allOf(BufferType.class), 1,
                Map.of("lo", "0", "hi", "65536", "under", "-1", "over", "65537", "word", "two"));
        assertThat(a.intOption("lo", 5, 0, 1 << 16)).isZero();
        assertThat(a.intOption("hi", 5, 0, 1 << 16)).isEqualTo(65536);
        assertThat(a.intOption("absent", 5, 0, 1 << 16)).isEqualTo(5);
        for (String k : new String[] {"under", "over", "word"}) {
            assertThatThrownBy(() -> a.intOption(k, 5, 0, 1 << 16)).hasMessageStartingWith("lru-apps." + k + " '")
                    .hasMessageContaining("from 0");
        }
    }
}
