package dev.gmc.driver;

import dev.gmc.mmu.PhysicalMemory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The GMC resource daemon: receives app foreground/background events (from the window manager / activity
 * manager in the real system), asks the {@link CompressionPolicy} for candidates, compresses them, then restores
 * the policy's restore candidates. Runs on the calling thread; a caller that wants it in the background submits
 * these calls to an executor.
 */
public final class ResourceDaemon {
    private final GpuDriverModel driver;
    private final CompressionPolicy policy;
    private final Map<Integer, Boolean> foreground = new ConcurrentHashMap<>();
    private final int lowPercent;
    private final int highPercent;
    // Reclaim may be called from several threads (a caller may run the daemon on an executor): counters are atomic,
    // and the map of what the last reclaim left is concurrent (two threads may both compress a buffer; the driver
    // serialises compressions of one buffer).
    private final AtomicLong reclaims = new AtomicLong();
    private final AtomicLong reclaimedRegions = new AtomicLong();
    private final AtomicLong directReclaims = new AtomicLong();
    /** Buffer id → its compressed pages just after balance() last compressed it (see balance). */
    private final Map<Integer, Integer> leftByReclaim = new ConcurrentHashMap<>();
    // Recompression by age: the daemon's clock counts app events; an app's buffers are recompressed once, at the
    // event that makes their age (events since the app went to the background) equal recompressAfter.
    private final AtomicLong events = new AtomicLong();
    /** pid → the event number that sent the app to the background (absent while it is in the foreground). */
    private final Map<Integer, Long> backgroundSince = new ConcurrentHashMap<>();
    private volatile int recompressAfter;
    private volatile int recompressThreshold;
    private volatile boolean compactAfterRecompress = true;
    private final AtomicLong recompressedRegions = new AtomicLong();

    public ResourceDaemon(GpuDriverModel driver, CompressionPolicy policy) {
        this(driver, policy, 0, 0);
    }

    /**
     * A daemon that also reclaims under memory pressure ({@link #balance()}).
     *
     * @param lowPercent  reclaim starts when the frames available fall under this share of RAM (0: never)
     * @param highPercent and stops once they reach this share
     * @throws IllegalArgumentException unless {@code 0 <= lowPercent <= highPercent <= 100}
     */
    public ResourceDaemon(GpuDriverModel driver, CompressionPolicy policy, int lowPercent, int highPercent) {
        if (lowPercent < 0 || highPercent < lowPercent || highPercent > 100) {
            throw new IllegalArgumentException("watermarks: low " + lowPercent + " %, high " + highPercent
                    + " % (expected 0 <= low <= high <= 100)");
        }
        this.driver = driver;
        this.policy = policy;
        this.lowPercent = lowPercent;
        this.highPercent = highPercent;
        if (lowPercent > 0) { // the driver's restores reclaim through this daemon when frames run short
            driver.directReclaimer(this::reclaimFor);
        }
    }

    /**
     * Turns on recompression by age: a background app's buffers that hold compressed pages are recompressed
     * ({@link GpuDriverModel#recompress}) once, at the app event that makes {@code afterEvents} events since the app
     * went to the background (an app switch is two events: one app's background, the other's foreground); an app
     * that returns to the foreground starts over. Write with a fast codec for fast faults, then squeeze what stays
     * in the background: zram's {@code recompress}, driven by the daemon instead of user space.
     *
     * @param afterEvents the age in app events, at least 1; 0 turns the rule off
     * @param threshold   zram's {@code threshold=}: only objects of at least this many bytes are tried, and a new one
     *                    must be shorter (0: any object, any gain of a size class)
     * @return this daemon
     * @throws IllegalArgumentException for a negative age, a threshold outside 0..4095, or an age with a store that
     *                                  has no recompression codecs
     */
    public ResourceDaemon recompressAfter(int afterEvents, int threshold) {
        if (afterEvents < 0 || threshold < 0 || threshold >= PhysicalMemory.PAGE_SIZE) {
            throw new IllegalArgumentException("recompression after " + afterEvents + " app events, threshold "
                    + threshold + " (expected events >= 0, 0 <= threshold < " + PhysicalMemory.PAGE_SIZE + ")");
        }
        if (afterEvents > 0 && driver.store().config().recompressCodecs().isEmpty()) {
            throw new IllegalArgumentException("recompression after " + afterEvents
                    + " app events: the store has no recompression codecs (driver option recompress=)");
        }
        this.recompressAfter = afterEvents;
        this.recompressThreshold = threshold;
        return this;
    }

    /**
     * Whether an app event on which the daemon recompressed pages ends with a compaction of the store's pool
     * ({@link dev.gmc.core.store.PageStore#compact}, zram's {@code compact}); on by default. Recompression frees
     * objects all over the pool's zspages, and the memory comes back only when a zspage empties: without a
     * compaction (which the kernel's zsmalloc shrinker also runs under memory pressure) most of the saving stays in
     * holes.
     *
     * @return this daemon
     */
    public ResourceDaemon compactAfterRecompress(boolean on) {
        this.compactAfterRecompress = on;
        return this;
    }

    /**
     * Frames available: free frames of the emulated RAM minus the pages the compressed pool holds (in the real system
     * zsmalloc's pages come out of the same RAM; the emulator keeps the pool outside {@code ram=}, so it is charged
     * here). May be negative.
     */
    public long availableFrames() {
        long poolPages = driver.store().mmStat().memUsedTotal() / PhysicalMemory.PAGE_SIZE;
        return driver.memory().freeFrames() - poolPages;
    }

    /**
     * kswapd's role: if the frames available are under the low watermark, compresses the policy's
     * {@link CompressionPolicy#pressureCandidates pressure candidates} in order until they reach the high watermark
     * (or the candidates run out). Call it between steps (a trace runner calls it after every line); it does nothing
     * when the watermarks are 0.
     *
     * @return the compressions made (empty when memory was not short)
     */
    public List<CompressResult> balance() {
        if (lowPercent == 0) {
            return List.of();
        }
        long total = driver.memory().totalFrames();
        long low = total * lowPercent / 100;
        long high = total * highPercent / 100;
        if (availableFrames() >= low) {
            return List.of();
        }
        reclaims.incrementAndGet();
        List<CompressResult> out = new ArrayList<>();
        for (Buffer b : ask("pressureCandidates", () -> policy.pressureCandidates(driver))) {
            if (availableFrames() >= high) {
                break;
            }
            CompressResult r = reclaim(b);
            if (r != null) {
                out.add(r);
            }
        }
        return List.copyOf(out);
    }

    /**
     * Direct reclaim, as an allocation that finds no free page does in the kernel: compresses the policy's pressure
     * candidates in order until {@code frames} frames are free (or the candidates run out). Nothing when reclaim is
     * off (watermarks 0). For one thread at a time (a trace runner); restores on many threads use
     * {@link #reclaimFor(long, java.util.function.Predicate)}.
     *
     * @return whether {@code frames} frames are free now
     */
    public boolean reclaimFor(long frames) {
        return reclaimFor(frames, b -> false) && driver.memory().freeFrames() >= frames;
    }

    /**
     * Direct reclaim that never compresses a buffer {@code spare} accepts: the driver's restores call it (as its
     * {@link DirectReclaimer}) sparing the buffer they restore, and with no lock held.
     *
     * @return whether it found or made room: {@code frames} frames were free when it stopped, or its compressions
     *         freed frames. Other threads may take that room before the caller uses it (restores faulting on other
     *         cores take each frame as it is freed), so the caller retries, a bounded number of times, as the
     *         kernel's allocator retries while reclaim makes progress. False: the candidates gave nothing.
     */
    public boolean reclaimFor(long frames, java.util.function.Predicate<Buffer> spare) {
        if (lowPercent == 0) {
            return driver.memory().freeFrames() >= frames;
        }
        directReclaims.incrementAndGet();
        boolean freed = false;
        boolean busy = false;
        for (Buffer b : ask("pressureCandidates", () -> policy.pressureCandidates(driver))) {
            if (driver.memory().freeFrames() >= frames) {
                return true; // re-reading it after the loop could find the room taken by another thread already
            }
            if (!spare.test(b)) {
                CompressResult r = reclaim(b);
                freed |= r != null && r.framesFreed() > 0;
                busy |= r != null && r.busy();
            }
        }
        if (freed || driver.memory().freeFrames() >= frames) {
            return true;
        }
        if (busy) {
            // Another thread is compressing a candidate and frees its frames as it goes (the kernel's pages under
            // writeback): wait a little, as reclaim_throttle does, and let the caller try again.
            java.util.concurrent.locks.LockSupport.parkNanos(THROTTLE_NANOS);
            return true;
        }
        return false;
    }

    /** How long a direct reclaim that found its candidates being compressed by other threads waits. */
    private static final long THROTTLE_NANOS = 200_000;

    /** Compresses one pressure candidate, unless there is nothing left to gain from it; null if skipped. */
    private CompressResult reclaim(Buffer b) {
        int held = b.compressedPages();
        // A buffer left as it was after the last reclaim still has resident pages only because the store refused
        // them (poorly compressible): compressing it again would repeat that work on every line and free nothing.
        if (b.isFreed() || held >= b.pages() || leftByReclaim.getOrDefault(b.id(), -1) == held) {
            return null;
        }
        CompressResult r = driver.compress(b);
        if (!r.busy()) { // mid-compression by another thread: not this reclaim's, and its count says nothing yet
            reclaimedRegions.incrementAndGet();
            leftByReclaim.put(b.id(), b.compressedPages());
        }
        return r;
    }

    /**
     * One question to the policy; a policy that throws or answers null (a plug-in's bug) is named, as an
     * {@link IllegalStateException}, before the daemon acts on anything.
     */
    private List<Buffer> ask(String what, java.util.function.Supplier<List<Buffer>> q) {
        List<Buffer> answer;
        try {
            answer = q.get();
        } catch (RuntimeException e) {
            throw new IllegalStateException("daemon policy " + policy.getClass().getName() + " failed in " + what
                    + ": " + e, e);
        }
        if (answer == null) {
            throw new IllegalStateException("daemon policy " + policy.getClass().getName() + " returned null from "
                    + what);
        }
        return answer;
    }

    /**
     * Times {@link #reclaimFor} ran with reclaim on: an allocation or a restore (fault, eager, pre-job) found too
     * few free frames.
     */
    public long directReclaims() {
        return directReclaims.get();
    }

    /** Times {@link #balance()} found memory short. */
    public long reclaims() {
        return reclaims.get();
    }

    /** Buffers compressed by {@link #balance()}. */
    public long reclaimedRegions() {
        return reclaimedRegions.get();
    }

    /** Recompression passes over a buffer the daemon made (its age rule and the policy's candidates). */
    public long recompressedRegions() {
        return recompressedRegions.get();
    }

    /** What the daemon did for one app event: the compressions, then the recompressions, then the restores. */
    public record Outcome(List<CompressResult> compressed, List<RecompressResult> recompressed,
            List<RestoreResult> restored) {
        public Outcome(List<CompressResult> compressed, List<RestoreResult> restored) {
            this(compressed, List.of(), restored);
        }

        /** Pages restored by this event. */
        public int pagesRestored() {
            return restored.stream().mapToInt(RestoreResult::restored).sum();
        }

        /** Pages whose object a recompression replaced during this event. */
        public int pagesRecompressed() {
            return recompressed.stream().mapToInt(RecompressResult::recompressed).sum();
        }
    }

    public Outcome appBackground(int pid) {
        return event(pid, false);
    }

    public Outcome appForeground(int pid) {
        return event(pid, true);
    }

    /** Whether the app is in the foreground (apps start in the foreground). */
    public boolean isForeground(int pid) {
        return foreground.getOrDefault(pid, true);
    }

    private Outcome event(int pid, boolean fg) {
        driver.process(pid); // names an unknown pid clearly
        foreground.put(pid, fg);
        long now = events.incrementAndGet();
        if (fg) {
            backgroundSince.remove(pid);
        } else {
            backgroundSince.putIfAbsent(pid, now); // a second background event does not make the app younger
        }
        if (driver instanceof AbstractGmcDriver d) {
            d.emit(fg ? GmcEvent.Type.APP_FOREGROUND : GmcEvent.Type.APP_BACKGROUND, -1, -1, -1, pid);
        }
        List<CompressResult> out = new ArrayList<>();
        for (Buffer b : ask("candidates", () -> policy.candidates(pid, fg, driver))) {
            out.add(driver.compress(b));
        }
        List<RecompressResult> squeezed = new ArrayList<>();
        int replaced = 0;
        for (Buffer b : recompressCandidates(pid, fg, now)) {
            RecompressResult r = driver.recompress(b, recompressThreshold);
            squeezed.add(r);
            replaced += r.recompressed();
            recompressedRegions.incrementAndGet();
        }
        if (replaced > 0 && compactAfterRecompress) {
            driver.store().compact();
        }
        List<RestoreResult> back = new ArrayList<>();
        for (Buffer b : ask("restoreCandidates", () -> policy.restoreCandidates(pid, fg, driver))) {
            back.add(driver.restore(b));
        }
        return new Outcome(List.copyOf(out), List.copyOf(squeezed), List.copyOf(back));
    }

    /**
     * The policy's recompression candidates, then the buffers of every app whose age reaches the daemon's
     * {@link #recompressAfter} at event {@code now} (apps by pid, buffers by id), each buffer once.
     */
    private java.util.Collection<Buffer> recompressCandidates(int pid, boolean fg, long now) {
        java.util.LinkedHashSet<Buffer> which = new java.util.LinkedHashSet<>(
                ask("recompressCandidates", () -> policy.recompressCandidates(pid, fg, driver)));
        int after = recompressAfter;
        if (after > 0) {
            java.util.Set<Integer> aged = new java.util.TreeSet<>();
            backgroundSince.forEach((p, since) -> {
                if (now - since == after) {
                    aged.add(p);
                }
            });
            if (!aged.isEmpty()) {
                driver.buffers().stream()
                        .filter(b -> !b.isFreed() && b.compressedPages() > 0
                                && aged.contains(b.context().owner().pid()))
                        .sorted(java.util.Comparator.comparingInt((Buffer b) -> b.context().owner().pid())
                                .thenComparingInt(Buffer::id))
                        .forEach(which::add);
            }
        }
        return which;
    }
}
