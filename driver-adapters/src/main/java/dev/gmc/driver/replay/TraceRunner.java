package dev.gmc.driver.replay;

import dev.gmc.core.store.BatchLoader;
import dev.gmc.driver.AbstractGmcDriver;
import dev.gmc.driver.Buffer;
import dev.gmc.driver.BufferType;
import dev.gmc.driver.CompressionPolicy;
import dev.gmc.driver.GmcListener;
import dev.gmc.driver.GpuContext;
import dev.gmc.driver.Job;
import dev.gmc.driver.JobResult;
import dev.gmc.driver.MidgardDriver;
import dev.gmc.driver.ResourceDaemon;
import dev.gmc.driver.RestoreResult;
import dev.gmc.driver.UtgardDriver;
import dev.gmc.mmu.CpuFaultException;
import dev.gmc.mmu.FrameKind;
import dev.gmc.mmu.PhysicalMemory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs a {@link Trace} on an emulated driver and checks every access against a shadow copy of each buffer.
 * A trace error found only while running (a buffer not mapped where the trace uses it, a file that cannot be read)
 * stops the replay with a {@link TraceException} naming the line; driver outcomes (signals, killed contexts,
 * failed jobs) are reported and compared with the line's {@code expect=}.
 */
public final class TraceRunner {
    /** Reads {@code len} bytes at {@code offset} of a dump file (the CLI reads .gz/.zst/.xz transparently). */
    public interface FileContent {
        byte[] read(Path file, long offset, int len) throws IOException;
    }

    private final Trace trace;
    private final FileContent files;
    private final Consumer<String> log;
    private BatchLoader loader = BatchLoader.CPU;
    private AbstractGmcDriver d;
    private ResourceDaemon daemon;
    private final Map<String, GpuContext> contexts = new HashMap<>();
    private final Map<String, Buffer> buffers = new LinkedHashMap<>();
    private final Map<String, byte[]> shadow = new HashMap<>();
    private final List<String> failures = new ArrayList<>();
    private final List<String> reported = new ArrayList<>();
    private final List<ReplayReport.Sample> timeline = new ArrayList<>();
    private long accesses;
    private long verified;
    private ReplayReport.Sample peak;

    public TraceRunner(Trace trace, FileContent files, Consumer<String> log) {
        this.trace = trace;
        this.files = files;
        this.log = log;
    }

    /**
     * One step of the GMC mechanism during a replay: the event and the trace line that caused it.
     *
     * @param line   the trace line being run
     * @param event  what happened
     * @param buffer the name the trace gave the event's buffer, or null
     */
    public record LineEvent(int line, dev.gmc.driver.GmcEvent event, String buffer) {
    }

    private Consumer<LineEvent> events;
    private volatile int currentLine;
    private final Map<Integer, String> bufferNames = new java.util.concurrent.ConcurrentHashMap<>();

    /** The trace's name for buffer {@code id} (learnt the first time an event names it: its allocation), or null. */
    private String nameOf(int id) {
        if (id < 0) {
            return null;
        }
        return bufferNames.computeIfAbsent(id, k -> {
            try {
                return d.buffer(k).name();
            } catch (IllegalArgumentException gone) {
                return null;
            }
        });
    }

    /** Every event of the run, with its trace line, in the order each thread saw it (for gmc replay --events). */
    public TraceRunner withEvents(Consumer<LineEvent> sink) {
        this.events = sink;
        return this;
    }

    /** What batch restores decode through ({@code restore=eager}, Utgard's pre-job hook); default the CPU. */
    public TraceRunner withLoader(BatchLoader l) {
        this.loader = java.util.Objects.requireNonNull(l, "loader");
        return this;
    }

    public ReplayReport run() {
        DriverOptions o = trace.driverOptions();
        d = makeDriver(o);
        try {
            d.batchLoader(loader);
            if (events != null) {
                d.addListener(e -> events.accept(new LineEvent(currentLine, e, nameOf(e.buffer()))));
            }
            CompressionPolicy policy = o.basePolicy();
            if (policy instanceof GmcListener l) { // a policy that watches jobs, faults and restores
                d.addListener(l);
            }
            daemon = new ResourceDaemon(d, o.restore().apply(policy), o.reclaimLow(), o.reclaimHigh())
                    .recompressAfter(o.recompressAfter(), o.recompressThreshold())
                    .compactAfterRecompress(o.recompressCompact());
            int count = 1;
            for (Trace.Line l : trace.lines().subList(1, trace.lines().size())) {
                count++;
                currentLine = l.number();
                try {
                    step(l);
                    reclaim(l);
                    IllegalStateException listener = d.takeListenerFailure();
                    if (listener != null) { // a policy plug-in's listener failed; the driver's step itself completed
                        throw listener;
                    }
                    notePeak(l.number());
                } catch (TraceException e) {
                    throw e;
                } catch (IllegalArgumentException | IllegalStateException | IOException e) {
                    throw new TraceException(trace.file(), l.number(), null, e.getMessage());
                } catch (dev.gmc.mmu.OutOfFramesException e) { // a buffer or page table the emulated RAM cannot hold
                    throw new TraceException(trace.file(), l.number(), null, e.getMessage()
                            + "; free buffers first or raise ram= on the driver line");
                }
            }
            int last = trace.lines().get(trace.lines().size() - 1).number();
            if (timeline.isEmpty() || timeline.get(timeline.size() - 1).line() != last) {
                sample(last, "end");
            }
            if (peak == null) {
                peak = snapshot(last, "peak");
            }
            d.checkInvariants();
            Map<String, Long> dc = new LinkedHashMap<>();
            d.counters().snapshot().forEach((k, v) -> dc.put(k.name().toLowerCase(Locale.ROOT), v));
            putDaemonCounters(dc);
            Map<String, Long> mc = new LinkedHashMap<>();
            d.mmuCounters().snapshot().forEach((k, v) -> mc.put(k.name().toLowerCase(Locale.ROOT), v));
            return new ReplayReport(trace.file(), d.name(), o.describePool(), o.describeDaemon(), count, accesses, verified,
                    List.copyOf(failures), List.copyOf(reported), List.copyOf(timeline), peak, dc, mc,
                    d.store().mmStat().toString());
        } finally {
            d.close();
        }
    }

    private static AbstractGmcDriver makeDriver(DriverOptions o) {
        return o.driver().equals("utgard") ? new UtgardDriver(o.config()) : new MidgardDriver(o.config());
    }

    private void foreground(Trace.Line l) {
        ResourceDaemon.Outcome o = daemon.appForeground(pid(l, 0));
        sayRecompressed(l, "foreground", o);
        if (!o.restored().isEmpty()) {
            say(l, "foreground: " + o.pagesRestored() + " page(s) of " + o.restored().size() + " buffer(s) restored ("
                    + loader.name() + ")");
        }
        for (RestoreResult r : o.restored()) {
            for (String e : r.errors()) {
                say(l, "foreground: buffer " + r.bufferId() + ": " + e);
            }
            if (r.noFrame() > 0) {
                say(l, "foreground: buffer " + r.bufferId() + ": " + r.noFrame() + " page(s) left compressed, no frame");
            }
        }
    }

    /** The recompressions an app event made (the daemon's age rule, the policy's candidates), if any. */
    private void sayRecompressed(Trace.Line l, String event, ResourceDaemon.Outcome o) {
        if (!o.recompressed().isEmpty()) {
            say(l, event + ": " + o.pagesRecompressed() + " page(s) of " + o.recompressed().size()
                    + " buffer(s) recompressed");
        }
    }

    private void step(Trace.Line l) throws IOException {
        switch (l.command()) {
            case "process" -> d.createProcess(pid(l, 0), l.field(1));
            case "context" -> contexts.put(l.field(0), d.createContext(pid(l, 1)));
            case "alloc" -> alloc(l);
            case "cpumap" -> d.mapCpu(buf(l, 0), pid(l, 1));
            case "gpumap" -> d.mapGpu(buf(l, 0));
            case "background" -> {
                ResourceDaemon.Outcome o = daemon.appBackground(pid(l, 0));
                say(l, "background: " + o.compressed().size() + " buffer(s) compressed");
                sayRecompressed(l, "background", o);
            }
            case "foreground" -> foreground(l);
            case "compress" -> say(l, "compress: " + d.compress(buf(l, 0)));
            case "compact" -> say(l, "compact: " + d.store().compact() + " pool page(s) freed");
            case "recompress" -> say(l, "recompress: " + d.recompress(buf(l, 0),
                    Integer.parseInt(l.opt("threshold", "0"))));
            case "cpu-read", "cpu-write" -> cpuAccess(l, l.command().equals("cpu-write"));
            case "gpu-read", "gpu-write" -> gpuAccess(l, l.command().equals("gpu-write"));
            case "job" -> job(l);
            case "free" -> {
                d.free(buf(l, 0));
                String name = l.field(0);
                buffers.remove(name);
                shadow.remove(name);
            }
            case "check" -> check(l);
            case "assert" -> assertions(l);
            case "stats" -> sample(l.number(), l.fields().isEmpty() ? l.opt("label", "line " + l.number())
                    : l.field(0));
            default -> throw new AssertionError(l.command());
        }
    }

    /**
     * Runs a step that allocates frames; if RAM is full, direct reclaim (reclaim= on) compresses the policy's pressure
     * candidates until {@code frames} frames are free and the step runs again (a failed allocation holds no frame).
     * Without reclaim, or if it frees too little, the line fails as before. Lines that only map (page tables) do not
     * need it: kswapd-like balancing after each line keeps more frames free than a mapping's tables take.
     */
    private <T> T reclaiming(Trace.Line l, String what, long frames, java.util.function.Supplier<T> step) {
        try {
            return step.get();
        } catch (dev.gmc.mmu.OutOfFramesException e) {
            if (!daemon.reclaimFor(frames)) {
                throw e;
            }
            say(l, what + ": direct reclaim freed room for " + frames + " frame(s)");
            return step.get();
        }
    }

    private void alloc(Trace.Line l) throws IOException {
        int pages = intNum(l, 2, 1, Integer.MAX_VALUE);
        GpuContext ctx = contexts.get(l.field(1));
        Buffer b = reclaiming(l, "alloc", pages, () -> d.allocate(ctx, pages,
                BufferType.parse(l.opt("type", "other")), l.field(0), l.opt("gpu", "rw").equals("ro")));
        byte[] data = new byte[pages * PhysicalMemory.PAGE_SIZE];
        String content = l.opt("content", "zero");
        if (content.startsWith("file:")) {
            Trace.FileContent f = Trace.FileContent.parse(trace.file(), l.number(), content);
            Path p = trace.baseDir().resolve(f.path());
            byte[] got = files.read(p, f.offset(), (int) Math.min(data.length, f.length()));
            System.arraycopy(got, 0, data, 0, Math.min(got.length, data.length)); // a short file leaves the rest zero
        } else {
            Content.parse(content).fill(Long.parseLong(l.opt("seed", String.valueOf(l.number()))), 0, data, 0,
                    data.length);
        }
        d.upload(b, data, 0);
        buffers.put(l.field(0), b);
        shadow.put(l.field(0), data);
    }

    private void cpuAccess(Trace.Line l, boolean write) {
        int pid = pid(l, 0);
        int len = intNum(l, 2, 1, MAX_ACCESS);
        Trace.Addr a = Trace.parseAddr(trace.file(), l.number(), "ADDR", l.field(1), null);
        long va;
        if (a.buffer() != null) {
            Buffer b = buffers.get(a.buffer());
            if (b == null) {
                throw new IllegalStateException("buffer '" + a.buffer() + "' was freed");
            }
            long base = b.cpuVa(pid);
            if (base == 0) {
                throw new IllegalStateException("buffer '" + a.buffer() + "' is not mapped in process " + pid
                        + " (add 'cpumap " + a.buffer() + " " + pid + "' before this line)");
            }
            va = base + a.offset();
        } else {
            va = a.offset();
        }
        byte[] data = new byte[len];
        if (write) {
            fillWrite(l, data, va);
        }
        accesses++;
        String outcome = "ok";
        long done = len;
        try {
            if (write) {
                d.cpuWrite(pid, va, data, 0, len);
            } else {
                d.cpuRead(pid, va, data, 0, len);
            }
        } catch (CpuFaultException e) {
            outcome = e.signal().name().toLowerCase(Locale.ROOT);
            done = e.address() - va;
            reported.add("line " + l.number() + ": " + e.getMessage());
        }
        if (write) {
            updateShadow(va, data, done, m -> m.cpuVa(pid));
        } else {
            verify(l, va, data, done, m -> m.cpuVa(pid));
        }
        expect(l, outcome);
    }

    private void gpuAccess(Trace.Line l, boolean write) {
        GpuContext ctx = contexts.get(l.field(0));
        int len = intNum(l, 2, 1, MAX_ACCESS);
        long va = gpuVa(l, l.field(1));
        byte[] data = new byte[len];
        if (write) {
            fillWrite(l, data, va);
        }
        List<Buffer> uses = new ArrayList<>();
        Buffer target = ctx.regionAt(va);
        if (target != null) {
            uses.add(target);
        }
        runJob(l, ctx, uses, List.of(new Job.Access(va, data, 0, len, write)));
    }

    private void job(Trace.Line l) {
        GpuContext ctx = contexts.get(l.field(0));
        List<Buffer> uses = new ArrayList<>();
        String u = l.opt("uses", "");
        if (!u.isEmpty()) {
            for (String n : u.split(",")) {
                Buffer b = buffers.get(n);
                if (b == null) {
                    throw new IllegalStateException("buffer '" + n + "' was freed");
                }
                uses.add(b);
            }
        }
        List<Job.Access> acc = new ArrayList<>();
        for (String[] o : l.options()) {
            if (o[0].equals("read") || o[0].equals("write")) {
                int colon = o[1].lastIndexOf(':');
                long va = gpuVa(l, o[1].substring(0, colon));
                int len = Trace.parseInt(trace.file(), l.number(), o[0], o[1].substring(colon + 1), 1, MAX_ACCESS);
                byte[] data = new byte[len];
                boolean w = o[0].equals("write");
                if (w) {
                    fillWrite(l, data, va + acc.size());
                }
                acc.add(new Job.Access(va, data, 0, len, w));
            }
        }
        runJob(l, ctx, uses, acc);
    }

    private void runJob(Trace.Line l, GpuContext ctx, List<Buffer> uses, List<Job.Access> acc) {
        accesses += acc.size();
        JobResult r = d.submitJob(ctx, new Job(uses, acc));
        String outcome = r.ok() ? "ok" : "fault";
        if (!r.ok()) {
            reported.add("line " + l.number() + ": " + r.message());
        }
        // Accesses before the failing one completed; the failing one completed up to its faulting address.
        for (Job.Access a : acc) {
            long done = a.len();
            boolean last = false;
            if (!r.ok()) {
                if (r.fault() == null) {
                    break; // refused before it started
                }
                long fa = r.fault().address();
                if (fa >= a.va() && fa < a.va() + a.len()) {
                    done = fa - a.va();
                    last = true;
                }
            }
            // GPU addresses are per context (each has its own address space, so two contexts' buffers may share
            // an address): only this context's buffers are what the access reached.
            Base inCtx = b -> b.context() == ctx ? b.gpuVa() : 0;
            if (a.write()) {
                updateShadow(a.va(), a.data(), done, inCtx);
            } else {
                verify(l, a.va(), a.data(), done, inCtx);
            }
            if (last) {
                break;
            }
        }
        expect(l, outcome);
    }

    private long gpuVa(Trace.Line l, String addr) {
        Trace.Addr a = Trace.parseAddr(trace.file(), l.number(), "ADDR", addr, null);
        if (a.buffer() == null) {
            return a.offset();
        }
        Buffer b = buffers.get(a.buffer());
        if (b == null) {
            throw new IllegalStateException("buffer '" + a.buffer() + "' was freed");
        }
        if (b.gpuVa() == 0) {
            throw new IllegalStateException("buffer '" + a.buffer() + "' is not mapped on the GPU (add 'gpumap "
                    + a.buffer() + "' before this line)");
        }
        return b.gpuVa() + a.offset();
    }

    private void fillWrite(Trace.Line l, byte[] data, long va) {
        Content.parse(l.opt("content", "text")).fill(Long.parseLong(l.opt("seed", String.valueOf(l.number()))), va,
                data, 0, data.length);
    }

    private interface Base {
        long of(Buffer b);
    }

    /** A piece of an access that falls in a live buffer: {@code n} bytes at {@code bufOff}, from {@code accOff}. */
    private interface RangeVisitor {
        void visit(String name, int bufOff, int accOff, int n);
    }

    /** Visits the pieces of [va, va + len) that fall inside live buffers (addresses as {@code base} maps them). */
    private void forEachBufferRange(long va, long len, Base base, RangeVisitor v) {
        if (len <= 0) {
            return;
        }
        for (Map.Entry<String, Buffer> e : buffers.entrySet()) {
            long start = base.of(e.getValue());
            if (start == 0) {
                continue;
            }
            long from = Math.max(va, start);
            long to = Math.min(va + len, start + e.getValue().sizeBytes());
            if (from < to) {
                v.visit(e.getKey(), (int) (from - start), (int) (from - va), (int) (to - from));
            }
        }
    }

    private void updateShadow(long va, byte[] data, long len, Base base) {
        forEachBufferRange(va, len, base, (name, bufOff, accOff, n) ->
                System.arraycopy(data, accOff, shadow.get(name), bufOff, n));
    }

    private void verify(Trace.Line l, long va, byte[] got, long len, Base base) {
        forEachBufferRange(va, len, base, (name, bufOff, accOff, n) -> {
            verified += n;
            int m = java.util.Arrays.mismatch(shadow.get(name), bufOff, bufOff + n, got, accOff, accOff + n);
            if (m >= 0) {
                failures.add(String.format("line %d: read of buffer '%s' differs from the last write at offset %d",
                        l.number(), name, bufOff + m));
            }
        });
    }

    private void expect(Trace.Line l, String outcome) {
        String want = l.opt("expect", "ok");
        if (!want.equals(outcome)) {
            failures.add("line " + l.number() + ": expected " + want + ", got " + outcome);
        }
        say(l, l.command() + ": " + outcome);
    }

    private void check(Trace.Line l) {
        byte[] page = new byte[PhysicalMemory.PAGE_SIZE];
        int bad = 0;
        for (Map.Entry<String, Buffer> e : buffers.entrySet()) {
            byte[] sh = shadow.get(e.getKey());
            for (int p = 0; p < e.getValue().pages(); p++) {
                d.peek(e.getValue(), p, page, 0);
                verified += page.length;
                if (!java.util.Arrays.equals(page, 0, page.length, sh, p * page.length, (p + 1) * page.length)) {
                    failures.add(String.format("line %d: check: page %d of buffer '%s' differs from the shadow",
                            l.number(), p, e.getKey()));
                    bad++;
                }
            }
        }
        d.checkInvariants();
        say(l, "check: " + buffers.size() + " buffer(s), " + bad + " page(s) differ");
    }

    /**
     * An {@code assert} figure that missed its bound.
     *
     * @param line   the trace line
     * @param key    the figure
     * @param bound  the bound as the trace wrote it
     * @param actual the figure's value when the line ran
     */
    public record AssertMiss(int line, String key, String bound, long actual) {
    }

    private final List<AssertMiss> misses = new ArrayList<>();

    /** The {@code assert} figures that missed in the last {@link #run()} (also listed among its failures). */
    public List<AssertMiss> assertMisses() {
        return List.copyOf(misses);
    }

    /** After each line: the daemon reclaims if memory is short ({@code reclaim=} on the driver line). */
    private void reclaim(Trace.Line l) {
        if (l.command().equals("free") || l.command().equals("stats") || l.command().equals("assert")
                || l.command().equals("check") || l.command().equals("compact")) {
            return; // lines that allocate nothing; a figure pinned after them sees the state they left
        }
        List<dev.gmc.driver.CompressResult> r = daemon.balance();
        if (!r.isEmpty()) {
            say(l, "reclaim: " + r.size() + " buffer(s) compressed, " + daemon.availableFrames()
                    + " frame(s) available");
        }
    }

    /** {@code assert KEY=VALUE...}: each figure now, against its bound; a miss is a failure (exit 2). */
    private void assertions(Trace.Line l) {
        Map<String, Long> now = figures(l.number());
        int missed = 0;
        for (String[] o : l.options()) {
            CounterAssertion a = CounterAssertion.parse(o[0], o[1]);
            long actual = now.get(a.key());
            if (!a.holds(actual)) {
                missed++;
                failures.add("line " + l.number() + ": assert " + a.key() + ": expected " + a.expected() + ", got "
                        + actual);
                misses.add(new AssertMiss(l.number(), a.key(), o[1], actual));
            }
        }
        say(l, "assert: " + (l.options().size() - missed) + " of " + l.options().size() + " hold");
    }

    /** The daemon's counters ({@link CounterAssertion#DAEMON}) under their report names. */
    private void putDaemonCounters(Map<String, Long> m) {
        m.put("daemon_reclaims", daemon.reclaims());
        m.put("daemon_reclaimed_regions", daemon.reclaimedRegions());
        m.put("daemon_direct_reclaims", daemon.directReclaims());
        m.put("daemon_recompressed_regions", daemon.recompressedRegions());
    }

    /** Every figure an {@code assert} can name, now. */
    private Map<String, Long> figures(int line) {
        Map<String, Long> m = new HashMap<>();
        d.counters().snapshot().forEach((k, v) -> m.put(k.name().toLowerCase(Locale.ROOT), v));
        d.mmuCounters().snapshot().forEach((k, v) -> m.put("mmu." + k.name().toLowerCase(Locale.ROOT), v));
        putDaemonCounters(m);
        dev.gmc.core.store.MmStat st = d.store().mmStat();
        for (java.lang.reflect.RecordComponent rc : st.getClass().getRecordComponents()) {
            try {
                m.put("mm_stat." + CounterAssertion.snake(rc.getName()), (Long) rc.getAccessor().invoke(st));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        ReplayReport.Sample s = snapshot(line, "assert");
        m.put("data_frames", s.dataFrames());
        m.put("table_frames", s.tableFrames());
        m.put("stored_pages", s.storedPages());
        m.put("pool_bytes", s.poolBytes());
        m.put("saved_bytes", s.savedBytes());
        return m;
    }

    private void sample(int line, String label) {
        timeline.add(snapshot(line, label));
    }

    private ReplayReport.Sample snapshot(int line, String label) {
        long tables = d.memory().used(FrameKind.CPU_TABLE) + d.memory().used(FrameKind.GPU_TABLE);
        return new ReplayReport.Sample(line, label, d.memory().used(FrameKind.DATA), tables,
                d.store().pagesStored(), d.store().mmStat().memUsedTotal(), d.savedBytes());
    }

    /** After every line: keeps the memory state of the first line where the bytes saved were highest. */
    private void notePeak(int line) {
        long saved = d.savedBytes();
        if (peak == null || saved > peak.savedBytes()) {
            peak = snapshot(line, "peak");
        }
    }

    private void say(Trace.Line l, String what) {
        if (log != null) {
            log.accept("line " + l.number() + ": " + what);
        }
    }

    private int pid(Trace.Line l, int i) {
        return intNum(l, i, 0, Integer.MAX_VALUE);
    }

    /** Bytes one access may move: the shadow copy and the access buffer are Java arrays. */
    private static final int MAX_ACCESS = 1 << 30;

    private int intNum(Trace.Line l, int i, int min, int max) {
        return Trace.parseInt(trace.file(), l.number(), String.valueOf(i + 1), l.field(i), min, max);
    }

    private Buffer buf(Trace.Line l, int i) {
        Buffer b = buffers.get(l.field(i));
        if (b == null) {
            throw new IllegalStateException("buffer '" + l.field(i) + "' was freed");
        }
        return b;
    }
}
