package dev.gmc.driver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gmc.driver.DriverCounters.Counter;
import dev.gmc.driver.replay.Content;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The event stream as an independent record of the mechanism: random single-threaded work (CPU and GPU reads and
 * writes, compressions, eager restores) on both drivers, with a listener that rebuilds every page's state from the
 * events alone. After each step the rebuilt states must equal the buffers' own, each compression's and restore's
 * events must add up to its result (pages, bytes, the START and END values), the stored bytes must equal the store's
 * {@code compr_data_size} change, and over the run every counter must equal the number of its events. Tools built
 * on the events (the trace recorder, the policy plug-ins) see exactly what the driver did.
 */
class EventAuditTest {
    private static final int BUFFERS = 4;

    private static final class Recorder implements GmcListener {
        final List<GmcEvent> events = new ArrayList<>();
        final Map<GmcEvent.Type, Integer> counts = new EnumMap<>(GmcEvent.Type.class);

        @Override
        public void onEvent(GmcEvent e) {
            if (!events.isEmpty()) {
                assertThat(e.seq()).as("sequence numbers rise by one").isEqualTo(events.get(events.size() - 1).seq() + 1);
            }
            events.add(e);
            counts.merge(e.type(), 1, Integer::sum);
        }

        int count(GmcEvent.Type t) {
            return counts.getOrDefault(t, 0);
        }

        List<GmcEvent> since(int from) {
            return events.subList(from, events.size());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"midgard", "utgard"})
    void eventsAddUpToTheResultsTheStatesAndTheCounters(String driver) {
        try (AbstractGmcDriver d = Drivers.make(driver, DriverConfig.defaults().withRam(32L << 20))) {
            Recorder rec = new Recorder();
            d.addListener(rec);
            d.createProcess(100, "app");
            GpuContext ctx = d.createContext(100);
            List<Buffer> bufs = new ArrayList<>();
            List<byte[]> shadow = new ArrayList<>();
            long[] va = new long[BUFFERS];
            // what the events say: per buffer, per page, compressed or not
            Map<Integer, boolean[]> compressed = new HashMap<>();
            SplittableRandom rnd = new SplittableRandom(driver.hashCode());
            String[] kinds = {"zero", "same:0x11223344", "gradient", "text", "noise"};
            for (int i = 0; i < BUFFERS; i++) {
                int pages = 12 + rnd.nextInt(20);
                Buffer b = d.allocate(ctx, pages, BufferType.values()[i % 5], "b" + i, false);
                va[i] = d.mapCpu(b, 100);
                d.mapGpu(b);
                byte[] data = new byte[pages * 4096];
                for (int p = 0; p < pages; p++) {
                    Content.parse(kinds[rnd.nextInt(kinds.length)]).fill(p, p * 4096L, data, p * 4096, 4096);
                }
                d.cpuWrite(100, va[i], data, 0, data.length);
                bufs.add(b);
                shadow.add(data);
                compressed.put(b.id(), new boolean[pages]);
            }
            for (int step = 0; step < 400; step++) {
                int bi = rnd.nextInt(BUFFERS);
                Buffer b = bufs.get(bi);
                byte[] data = shadow.get(bi);
                int from = rec.events.size();
                int op = rnd.nextInt(10);
                String at = driver + " step " + step;
                if (op < 3) {
                    long compr = d.store().mmStat().comprDataSize();
                    int wasCompressed = b.compressedPages();
                    CompressResult r = d.compress(b);
                    List<GmcEvent> ev = rec.since(from);
                    if (r.skipped() != null) {
                        assertThat(ev).as("%s: a skipped compression emits nothing", at).isEmpty();
                    } else {
                        assertThat(ev.get(0).type()).isEqualTo(GmcEvent.Type.COMPRESS_START);
                        assertThat(ev.get(0).value()).as("%s: candidates", at)
                                .isEqualTo(r.stored() + r.sameFilled() + r.rejected() + r.aborted());
                        GmcEvent end = ev.get(ev.size() - 1);
                        assertThat(end.type()).isEqualTo(GmcEvent.Type.COMPRESS_END);
                        assertThat(end.value()).as("%s: COMPRESS_END counts frames freed", at).isEqualTo(r.framesFreed());
                        assertThat(of(ev, GmcEvent.Type.PAGE_STORED)).hasSize(r.stored());
                        assertThat(of(ev, GmcEvent.Type.PAGE_SAME_FILLED)).hasSize(r.sameFilled());
                        assertThat(of(ev, GmcEvent.Type.PAGE_REJECTED)).hasSize(r.rejected());
                        long bytes = of(ev, GmcEvent.Type.PAGE_STORED).stream().mapToLong(GmcEvent::value).sum();
                        assertThat(r.storedBytes()).as("%s: stored bytes", at).isEqualTo(bytes)
                                .isEqualTo(d.store().mmStat().comprDataSize() - compr);
                        assertThat(b.compressedPages()).isEqualTo(wasCompressed + r.framesFreed());
                    }
                } else if (op < 4) {
                    int wasCompressed = b.compressedPages();
                    RestoreResult r = d.restore(b);
                    List<GmcEvent> ev = rec.since(from);
                    if (wasCompressed == 0 || r.skipped() != null) {
                        assertThat(r.restored()).isZero();
                    } else {
                        assertThat(ev.get(0).type()).isEqualTo(GmcEvent.Type.RESTORE_START);
                        assertThat(ev.get(0).value()).as("%s: RESTORE_START counts compressed pages", at)
                                .isEqualTo(wasCompressed);
                        GmcEvent end = ev.get(ev.size() - 1);
                        assertThat(end.type()).isEqualTo(GmcEvent.Type.RESTORE_END);
                        assertThat(end.value()).isEqualTo(r.restored()).isEqualTo(wasCompressed);
                        assertThat(of(ev, GmcEvent.Type.PAGE_RESTORED)).hasSize(r.restored());
                    }
                    assertThat(b.compressedPages()).isZero();
                } else {
                    int page = rnd.nextInt(b.pages());
                    int off = rnd.nextInt(4096 - 64);
                    byte[] buf = new byte[64];
                    boolean write = rnd.nextBoolean();
                    boolean gpu = rnd.nextBoolean();
                    if (write) {
                        rnd.nextBytes(buf);
                        System.arraycopy(buf, 0, data, page * 4096 + off, 64);
                        if (gpu) {
                            assertThat(Drivers.gpuWrite(d, b, page * 4096L + off, buf).ok()).isTrue();
                        } else {
                            d.cpuWrite(100, va[bi] + page * 4096L + off, buf, 0, 64);
                        }
                    } else {
                        if (gpu) {
                            assertThat(Drivers.gpuRead(d, b, page * 4096L + off, buf).ok()).isTrue();
                        } else {
                            d.cpuRead(100, va[bi] + page * 4096L + off, buf, 0, 64);
                        }
                        assertThat(buf).as("%s: read", at).isEqualTo(Arrays.copyOfRange(data, page * 4096 + off,
                                page * 4096 + off + 64));
                    }
                }
                // rebuild the page states from this step's events
                for (GmcEvent e : rec.since(from)) {
                    boolean[] c = compressed.get(e.buffer());
                    switch (e.type()) {
                        case PAGE_STORED, PAGE_SAME_FILLED -> {
                            assertThat(c[e.page()]).as("%s: %s of a compressed page", at, e).isFalse();
                            c[e.page()] = true;
                        }
                        case PAGE_RESTORED -> {
                            assertThat(c[e.page()]).as("%s: %s of a resident page", at, e).isTrue();
                            c[e.page()] = false;
                        }
                        default -> {
                        }
                    }
                }
                for (Buffer x : bufs) {
                    boolean[] c = compressed.get(x.id());
                    for (int p = 0; p < x.pages(); p++) {
                        assertThat(x.pageState(p) == Buffer.PageState.COMPRESSED).as("%s: buffer %d page %d", at,
                                x.id(), p).isEqualTo(c[p]);
                    }
                }
            }
            DriverCounters k = d.counters();
            assertThat(k.get(Counter.PAGES_STORED)).isEqualTo(rec.count(GmcEvent.Type.PAGE_STORED));
            assertThat(k.get(Counter.PAGES_SAME_FILLED)).isEqualTo(rec.count(GmcEvent.Type.PAGE_SAME_FILLED));
            assertThat(k.get(Counter.PAGES_REJECTED) + k.get(Counter.PAGES_POOL_FULL))
                    .isEqualTo(rec.count(GmcEvent.Type.PAGE_REJECTED));
            assertThat(k.get(Counter.PAGES_RESTORED)).isEqualTo(rec.count(GmcEvent.Type.PAGE_RESTORED));
            assertThat(k.get(Counter.REGIONS_COMPRESSED)).isEqualTo(rec.count(GmcEvent.Type.COMPRESS_END));
            assertThat(k.get(Counter.CPU_FAULTS_MAJOR) + k.get(Counter.CPU_FAULTS_MINOR))
                    .isEqualTo(rec.count(GmcEvent.Type.CPU_FAULT));
            assertThat(k.get(Counter.PAGES_STORED)).as("the run stored pages").isPositive();
            assertThat(k.get(Counter.PAGES_RESTORED)).as("the run restored pages").isPositive();
            assertThat(k.get(Counter.CPU_FAULTS_MAJOR)).isPositive();
            assertThat(d.takeListenerFailure()).as("the listener's own checks").isNull();
            d.checkInvariants();
        }
    }

    private static List<GmcEvent> of(List<GmcEvent> ev, GmcEvent.Type t) {
        return ev.stream().filter(e -> e.type() == t).toList();
    }
}
