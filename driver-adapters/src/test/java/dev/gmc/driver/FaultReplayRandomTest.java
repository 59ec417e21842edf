package dev.gmc.driver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gmc.driver.replay.Content;
import dev.gmc.mmu.FrameKind;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Random fault replay against a shadow copy: worker threads read and write (CPU in two processes, GPU jobs) while
 * other threads compress buffers and send the app to the background and back. Each worker owns a disjoint set of
 * pages, so "the last write" to every byte is well defined, yet compression passes cover all pages of a buffer
 * and race with every worker. Every read is compared with the shadow; at the end frames, handles and table entries
 * must balance, and freeing everything must return every frame and handle.
 */
class FaultReplayRandomTest {
    private static final int BUFFERS = 6;
    /** Stress scale for soak runs on big machines (scripts/stress-device.sh): threads are multiplied by it. */
    private static final int STRESS = Integer.getInteger("gmc.stress", 1);
    /** Added to the seeds, so that repeated soak runs try other sequences. */
    private static final long SEED = Long.getLong("gmc.stress.seed", 0);

    @ParameterizedTest(name = "{0}, {1} workers, {2} ops each, remap {3}, eager restore {4}")
    @CsvSource({
        "midgard, 1, 20000, FAULTING, false",
        "utgard, 1, 20000, FAULTING, false",
        "midgard, 3, 40000, FAULTING, false",
        "utgard, 3, 40000, ALL, false",
        "midgard, 3, 40000, ALL, false",
        "midgard, 1, 20000, FAULTING, true",
        "utgard, 3, 40000, FAULTING, true",
        "midgard, 3, 40000, ALL, true",
    })
    void everyReadSeesTheLastWrite(String driver, int workersAt1, int ops, RemapPolicy remap, boolean eager)
            throws Exception {
        int workers = workersAt1 > 1 ? workersAt1 * STRESS : 1;
        DriverConfig cfg = DriverConfig.defaults().withRam(64L << 20).withRemap(remap);
        try (AbstractGmcDriver d = Drivers.make(driver, cfg)) {
            d.createProcess(100, "app");
            d.createProcess(101, "compositor");
            GpuContext ctx = d.createContext(100);
            CompressionPolicy policy = CompressionPolicy.background(1);
            ResourceDaemon daemon = new ResourceDaemon(d, eager ? policy.withEagerRestore() : policy);
            List<Buffer> bufs = new ArrayList<>();
            List<byte[]> shadow = new ArrayList<>();
            long[] va100 = new long[BUFFERS];
            long[] va101 = new long[BUFFERS];
            SplittableRandom setup = new SplittableRandom(driver.hashCode() * 31L + workers + SEED);
            for (int i = 0; i < BUFFERS; i++) {
                int pages = 8 + setup.nextInt(40);
                Buffer b = d.allocate(ctx, pages, BufferType.values()[i % 5], "b" + i, false);
                va100[i] = d.mapCpu(b, 100);
                va101[i] = i % 2 == 0 ? d.mapCpu(b, 101) : 0;
                d.mapGpu(b);
                byte[] init = new byte[pages * 4096];
                Content.parse("mix").fill(i, 0, init, 0, init.length);
                d.cpuWrite(100, va100[i], init, 0, init.length);
                bufs.add(b);
                shadow.add(init);
            }
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            AtomicBoolean done = new AtomicBoolean();
            AtomicLong reads = new AtomicLong();
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                int me = w;
                threads.add(new Thread(() -> {
                    try {
                        work(d, daemon, bufs, shadow, va100, va101, me, workers, ops, reads);
                    } catch (Throwable t) {
                        failures.add("worker " + me + ": " + t);
                    }
                }));
            }
            if (workers > 1) {
                threads.add(new Thread(() -> {
                    SplittableRandom r = new SplittableRandom(99 + SEED);
                    try {
                        while (!done.get()) {
                            d.compress(bufs.get(r.nextInt(BUFFERS)));
                        }
                    } catch (Throwable t) {
                        failures.add("compressor: " + t);
                    }
                }));
                threads.add(new Thread(() -> {
                    try {
                        // With eager restore, cycle on after the workers end until one foreground has restored
                        // pages: on a loaded machine the workers may finish, or fault every compressed page back
                        // first, before any cycle finds pages to restore (the counter check below needs one).
                        boolean restored = false;
                        for (int extra = 0; !done.get() || (eager && !restored && extra < 1000); ) {
                            if (done.get()) {
                                extra++;
                            }
                            daemon.appBackground(100);
                            Thread.sleep(1);
                            restored |= daemon.appForeground(100).pagesRestored() > 0;
                        }
                    } catch (Throwable t) {
                        failures.add("daemon: " + t);
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (int i = 0; i < workers; i++) {
                threads.get(i).join();
            }
            done.set(true);
            for (Thread t : threads) {
                t.join();
            }
            assertThat(failures).isEmpty();
            assertThat(reads.get()).isPositive();
            d.checkInvariants();
            assertThat(d.counters().get(DriverCounters.Counter.PAGES_RESTORED)).isPositive();
            assertThat(d.counters().get(DriverCounters.Counter.EAGER_RESTORES) > 0).as("eager restores").isEqualTo(eager);
            assertThat(d.counters().get(DriverCounters.Counter.RESTORE_FAILED)).isZero();

            // everything compresses and comes back once more, then frees to zero
            for (Buffer b : bufs) {
                d.compress(b);
            }
            d.checkInvariants();
            for (int i = 0; i < BUFFERS; i++) {
                byte[] all = new byte[shadow.get(i).length];
                d.cpuRead(100, va100[i], all, 0, all.length);
                assertThat(all).as("buffer %d", i).isEqualTo(shadow.get(i));
            }
            for (Buffer b : bufs) {
                d.free(b);
            }
            d.checkInvariants();
            assertThat(d.memory().used(FrameKind.DATA)).isZero();
            assertThat(d.store().pagesStored()).isZero();
            d.exitProcess(100);
            d.exitProcess(101);
            assertThat(d.memory().usedFrames()).as("every frame back").isZero();
        }
    }

    private static void work(AbstractGmcDriver d, ResourceDaemon daemon, List<Buffer> bufs, List<byte[]> shadow,
            long[] va100, long[] va101, int me, int workers, int ops, AtomicLong reads) {
        SplittableRandom r = new SplittableRandom(1000 + me + SEED);
        byte[] tmp = new byte[4096];
        byte[] want = new byte[4096];
        for (int op = 0; op < ops; op++) {
            int bi = r.nextInt(BUFFERS);
            Buffer b = bufs.get(bi);
            byte[] sh = shadow.get(bi);
            int page = r.nextInt(b.pages());
            if (Math.floorMod(bi * 1000 + page, workers) != me) {
                continue; // not my page
            }
            int off = r.nextInt(4096);
            int len = 1 + r.nextInt(4096 - off);
            long pos = (long) page * 4096 + off;
            int kind = r.nextInt(100);
            if (workers == 1 && kind < 3) {
                d.compress(b); // single-threaded: interleave compression deterministically
            } else if (workers == 1 && kind < 4) {
                daemon.appBackground(100);
                daemon.appForeground(100);
            } else if (kind < 30) { // CPU write, in either process
                Content.parse(r.nextBoolean() ? "text" : r.nextBoolean() ? "zero" : "noise")
                        .fill(op, pos, tmp, 0, len);
                boolean other = va101[bi] != 0 && r.nextBoolean();
                d.cpuWrite(other ? 101 : 100, (other ? va101[bi] : va100[bi]) + pos, tmp, 0, len);
                System.arraycopy(tmp, 0, sh, (int) pos, len);
            } else if (kind < 40) { // GPU write
                Content.parse("gradient").fill(op, pos, tmp, 0, len);
                JobResult jr = Drivers.gpuWrite(d, b, pos, java.util.Arrays.copyOf(tmp, len));
                if (!jr.ok()) {
                    throw new AssertionError("GPU write failed: " + jr.message());
                }
                System.arraycopy(tmp, 0, sh, (int) pos, len);
            } else if (kind < 75) { // CPU read
                boolean other = va101[bi] != 0 && r.nextBoolean();
                d.cpuRead(other ? 101 : 100, (other ? va101[bi] : va100[bi]) + pos, tmp, 0, len);
                check(sh, pos, tmp, len, want, b, "CPU read");
                reads.incrementAndGet();
            } else { // GPU read
                byte[] got = new byte[len];
                JobResult jr = Drivers.gpuRead(d, b, pos, got);
                if (!jr.ok()) {
                    throw new AssertionError("GPU read failed: " + jr.message());
                }
                check(sh, pos, got, len, want, b, "GPU read");
                reads.incrementAndGet();
            }
        }
    }

    private static void check(byte[] sh, long pos, byte[] got, int len, byte[] want, Buffer b, String what) {
        System.arraycopy(sh, (int) pos, want, 0, len);
        if (!java.util.Arrays.equals(got, 0, len, want, 0, len)) {
            throw new AssertionError(what + " of " + b + " at offset " + pos + " (" + len + " bytes) differs "
                    + "from the last write");
        }
    }
}
