package dev.gmc.kernels;

import dev.gmc.core.codec.PageCodec;
import dev.gmc.core.store.SameFilled;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * zram's compression offloaded to an OpenCL device, as in vivo's design: pages enter a FIFO, a batch is submitted
 * when it is full or {@code flushAfter} after its first page, and each page's result comes back through a callback.
 *
 * <h2>Pipeline</h2>
 * {@code buffers} {@link PageBatch}es circulate: callers fill one (a copy into its mapped input), full batches go to
 * device threads that run the kernels slice by slice, read the {@code {comp_len, status}} descriptors and the
 * output, deliver the results and put the batch back. With three buffers, filling, kernels and delivery overlap.
 *
 * <h2>Nothing is lost</h2>
 * A page the device did not do is compressed on the CPU with the fallback codec, and counted by reason
 * ({@link Fallback}): a launch or map that fails, a descriptor with a bad status or length, a host verification
 * mismatch, a yield, a lost device. After three batches fail in a row the device is considered lost and every later
 * page goes straight to the CPU. A caller must not change a page between {@link #submit} and its callback (the CPU
 * fallback reads it again), as a page under writeback is locked in the kernel.
 *
 * <h2>Fairness to rendering</h2>
 * {@code maxWorkGroups} caps the work-groups of each launch, {@code slicePages} splits a batch into short launches,
 * and {@link #requestYield()} stops the batches now running at their next slice boundary; their remaining pages go to
 * the CPU or back to the FIFO ({@link GpuCompressorConfig.YieldMode}).
 *
 * <p>Thread-safe. Callbacks run on device threads (several at once with several batches in flight), so listeners
 * must be thread-safe; the {@link Result} passed in is reused after the callback returns.
 */
public final class AsyncGpuCompressor implements AutoCloseable {
    public static final int PAGE = 4096;
    private static final int LOST_AFTER_FAILURES = 3;

    /** Why a page was compressed on the CPU. */
    public enum Fallback { LAUNCH_FAILED, BAD_STATUS, VERIFY_FAILED, YIELDED, DEVICE_LOST }

    /** What became of one page. */
    public enum Kind { SAME, COMPRESSED, INCOMPRESSIBLE }

    /** Receives each page's result, exactly once per submitted page. */
    @FunctionalInterface
    public interface Listener {
        void completed(long token, Result result);
    }

    /**
     * A page's result; valid only during {@link Listener#completed}. A device result's block stays in the batch's
     * pinned output until {@link #data()} first asks for it, and a region page is copied out only if
     * {@link #source()} is called, so a listener that needs only lengths costs the host no copies.
     */
    public static final class Result {
        Kind kind;
        long fill;
        final byte[] data = new byte[PAGE + PAGE / 255 + 16];
        int length;
        Fallback fallback;
        byte[] src;
        int srcOff;
        // lazy parts: the block in batch `outOf` at index `outIndex`; the page at `regionPage` of `region`
        PageBatch outOf;
        int outIndex;
        PageRegion region;
        int regionPage;
        final byte[] regionCopy = new byte[PAGE];

        void reset() {
            fallback = null;
            outOf = null;
            region = null;
            src = null;
        }

        /** The page as submitted: {@code source()[sourceOffset(), +4096)} (a region page is copied out first). */
        public byte[] source() {
            if (src == null && region != null) {
                region.get(regionPage, regionCopy, 0);
                src = regionCopy;
                srcOff = 0;
            }
            return src;
        }

        public int sourceOffset() {
            source();
            return srcOff;
        }

        public Kind kind() {
            return kind;
        }

        /** The fill word of a SAME page. */
        public long fill() {
            return fill;
        }

        /** The LZ4 block of a COMPRESSED page: {@code data()[0, length())}. */
        public byte[] data() {
            if (outOf != null) {
                outOf.readOutput(outIndex, data, length);
                outOf = null;
            }
            return data;
        }

        public int length() {
            return length;
        }

        /** True if the device produced this result. */
        public boolean onDevice() {
            return fallback == null;
        }

        /** Why the CPU did the page, or null. */
        public Fallback fallback() {
            return fallback;
        }
    }

    /** A snapshot of the counters. */
    public record Stats(long submitted, long completed, long deviceCompressed, long deviceSame, long deviceTooBig,
            Map<Fallback, Long> fallbacks, long batches, long slices, long kernelNanos, long deviceBytesOut,
            boolean deviceLost, String lastError) {
        public long fallbackTotal() {
            return fallbacks.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private final GpuCompressorConfig config;
    private final Lz4Program program;
    private final Listener listener;
    private final List<Slot> slots = new ArrayList<>();
    private final BlockingQueue<Slot> free;
    private final ExecutorService deviceThreads;
    private final ScheduledExecutorService flusher;
    private final Object lock = new Object();
    private Slot current;
    private long nextSeq;

    private final AtomicLong pending = new AtomicLong();
    private final Object drained = new Object();
    private final AtomicLong yieldEpoch = new AtomicLong();
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private volatile boolean deviceLost;
    private volatile boolean closed;
    /** How long {@link #close} waits for running launches before it leaves their buffers allocated. */
    private static final java.time.Duration CLOSE_WAIT = java.time.Duration.ofSeconds(30);
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private final AtomicReference<RuntimeException> listenerError = new AtomicReference<>();

    private final LongAdder submitted = new LongAdder();
    private final LongAdder completed = new LongAdder();
    private final LongAdder devCompressed = new LongAdder();
    private final LongAdder devSame = new LongAdder();
    private final LongAdder devTooBig = new LongAdder();
    private final LongAdder devBytesOut = new LongAdder();
    private final LongAdder batches = new LongAdder();
    private final LongAdder slices = new LongAdder();
    private final LongAdder kernelNanos = new LongAdder();
    private final EnumMap<Fallback, LongAdder> fallbacks = new EnumMap<>(Fallback.class);

    private final ThreadLocal<Cpu> cpu;
    private static final LZ4SafeDecompressor VERIFY = LZ4Factory.fastestInstance().safeDecompressor();

    /** One batch plus the host-side record of which page sits in which slot. */
    private static final class Slot {
        final PageBatch batch;
        final long[] tokens;
        final byte[][] srcs;
        final int[] offs;
        final int[] desc;
        long seq;
        long firstPutNanos;
        /** Pages copied in; with {@code sealed}, decides when the batch may go (copies run outside the lock). */
        final AtomicInteger copied = new AtomicInteger();
        volatile boolean sealed;
        final java.util.concurrent.atomic.AtomicBoolean dispatched = new java.util.concurrent.atomic.AtomicBoolean();

        Slot(PageBatch batch) {
            this.batch = batch;
            int n = batch.capacity;
            tokens = new long[n];
            srcs = new byte[n][];
            offs = new int[n];
            desc = new int[2 * n];
        }
    }

    /** Per device thread: the CPU codec and scratch for fallbacks and verification. */
    private static final class Cpu {
        final PageCodec codec;
        final Result result = new Result();
        final byte[] check = new byte[PAGE];
        final byte[] page = new byte[PAGE];

        Cpu(PageCodec codec) {
            this.codec = codec;
        }
    }

    public AsyncGpuCompressor(GpuCompressorConfig config, Listener listener) {
        this(config, new Lz4Program(ClDevice.select(config.device()), config.workGroupSize()), listener);
    }

    /** Uses an already built program (not closed by this compressor). */
    public AsyncGpuCompressor(GpuCompressorConfig config, Lz4Program program, Listener listener) {
        this.config = config;
        this.program = program;
        this.listener = listener;
        for (Fallback f : Fallback.values()) {
            fallbacks.put(f, new LongAdder());
        }
        this.cpu = ThreadLocal.withInitial(() -> new Cpu(config.fallback().newCodec()));
        this.free = new ArrayBlockingQueue<>(config.buffers());
        boolean staged = switch (config.transfer()) {
            case AUTO -> !program.device().hostUnifiedMemory();
            case MAPPED -> false;
            case STAGED -> true;
        };
        try {
            for (int i = 0; i < config.buffers(); i++) {
                Slot s = new Slot(new PageBatch(program, config.batchPages(), staged));
                slots.add(s);
                free.add(s);
            }
        } catch (RuntimeException e) {
            slots.forEach(s -> s.batch.close());
            throw e;
        }
        int threads = Math.max(1, Math.min(2, config.buffers() - 1));
        this.deviceThreads = Executors.newFixedThreadPool(threads, r -> daemon(r, "gmc-gpu-device"));
        this.flusher = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "gmc-gpu-flush"));
        long period = Math.max(200_000L, config.flushAfter().toNanos() / 2);
        flusher.scheduleAtFixedRate(this::flushIfStale, period, period, TimeUnit.NANOSECONDS);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    public ClDevice device() {
        return program.device();
    }

    public GpuCompressorConfig config() {
        return config;
    }

    /**
     * Queues a page. Blocks while every batch is busy (back-pressure).
     *
     * @param token returned to the listener with the result
     */
    public void submit(long token, byte[] src, int off) {
        if (closed) {
            throw new IllegalStateException("compressor is closed");
        }
        PageCodec.checkRange("page", src, off, PAGE);
        submitted.increment();
        pending.incrementAndGet();
        if (deviceLost) {
            cpuPage(token, src, off, Fallback.DEVICE_LOST);
            return;
        }
        for (;;) {
            Slot target = null;
            int i = 0;
            synchronized (lock) {
                if (current != null) {
                    target = current;
                    i = claim(target, token, src, off);
                }
            }
            if (target != null) {
                // The copy runs outside the lock so that several submitters fill one batch in parallel.
                target.batch.copyIn(i, src, off);
                copiedOne(target);
                return;
            }
            // Wait for a free batch outside the lock: device threads need the lock to requeue yielded pages.
            Slot s = takeFree();
            if (s == null) { // the device was lost while waiting
                cpuPage(token, src, off, Fallback.DEVICE_LOST);
                return;
            }
            synchronized (lock) {
                if (current == null) {
                    current = s;
                    s.seq = nextSeq++;
                    s.firstPutNanos = System.nanoTime();
                    continue;
                }
            }
            free.add(s); // another submitter installed one first
        }
    }

    /**
     * Allocates host-visible memory for pages that the device reads without a host copy (see {@link PageRegion});
     * the caller closes it after its pages have been delivered.
     */
    public PageRegion allocateRegion(int pages) {
        return new PageRegion(program, pages);
    }

    /**
     * Compresses pages {@code [first, first + count)} of a region with no host copy: they go to the device in
     * batches of up to {@code batchPages} that bypass the FIFO (which keeps filling as before). Page
     * {@code first + k} is delivered with token {@code firstToken + k}. Blocks while every batch is busy. Pages the
     * device does not do (failures, yields, a lost device) are read back and compressed on the CPU.
     */
    public void submitRegion(PageRegion region, int first, int count, long firstToken) {
        if (closed) {
            throw new IllegalStateException("compressor is closed");
        }
        region.check(first, count);
        submitted.add(count);
        pending.addAndGet(count);
        int done = 0;
        while (done < count) {
            int n = Math.min(config.batchPages(), count - done);
            Slot s = deviceLost ? null : takeFree();
            if (s == null) { // the device is lost: the CPU does the rest
                Cpu c = cpu.get();
                for (int k = done; k < count; k++) {
                    region.get(first + k, c.page, 0);
                    cpuPage(firstToken + k, c.page, 0, Fallback.DEVICE_LOST);
                }
                return;
            }
            s.batch.useRegion(region, first + done, n);
            for (int k = 0; k < n; k++) {
                s.tokens[k] = firstToken + done + k;
            }
            synchronized (lock) {
                s.seq = nextSeq++;
            }
            s.sealed = true;
            s.copied.set(n);
            dispatchOnce(s);
            done += n;
        }
    }

    /** Claims the next slot of {@code s} (= current, under the lock) for a page; a full batch is sealed. */
    private int claim(Slot s, long token, byte[] src, int off) {
        int i = s.batch.reserve();
        s.tokens[i] = token;
        s.srcs[i] = src;
        s.offs[i] = off;
        if (s.batch.isFull()) {
            s.sealed = true;
            current = null;
        }
        return i;
    }

    private void copiedOne(Slot s) {
        int c = s.copied.incrementAndGet();
        if (s.sealed && c == s.batch.count) {
            dispatchOnce(s);
        }
    }

    /** Seals a batch taken off {@code current} (under the lock) and sends it once all its copies are in. */
    private void sealAndSend(Slot s) {
        s.sealed = true;
        if (s.copied.get() == s.batch.count) {
            dispatchOnce(s);
        }
    }

    private void dispatchOnce(Slot s) {
        if (s.dispatched.compareAndSet(false, true)) {
            dispatch(s);
        }
    }

    private Slot takeFree() {
        try {
            for (;;) {
                Slot s = free.poll(50, TimeUnit.MILLISECONDS);
                if (s != null || deviceLost) {
                    return s;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a free batch", e);
        }
    }

    /** Submits the partly filled batch now. */
    public void flush() {
        Slot s;
        synchronized (lock) {
            s = current;
            current = null;
        }
        if (s != null && s.batch.count > 0) {
            sealAndSend(s);
        } else if (s != null) {
            free.add(s);
        }
    }

    private void flushIfStale() {
        Slot s = null;
        synchronized (lock) {
            if (current != null && current.batch.count > 0
                    && System.nanoTime() - current.firstPutNanos >= config.flushAfter().toNanos()) {
                s = current;
                current = null;
            }
        }
        if (s != null) {
            sealAndSend(s);
        }
    }

    /** Flushes and waits until every submitted page has been delivered. Rethrows a listener's failure. */
    public void drain() {
        while (true) {
            // flush on every round, outside the monitor: pages a yield requeued land in a new partial batch that
            // would otherwise wait for the timer (flushAfter), and sending may block on a slot that a device
            // thread frees only after it has notified this monitor
            flush();
            synchronized (drained) {
                if (pending.get() == 0) {
                    break;
                }
                try {
                    drained.wait(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while draining", e);
                }
            }
        }
        RuntimeException e = listenerError.getAndSet(null);
        if (e != null) {
            throw new IllegalStateException("a completion listener failed: " + e.getMessage(), e);
        }
    }

    /** Asks the batches now on the device to stop at their next slice boundary (rendering needs the GPU). */
    public void requestYield() {
        yieldEpoch.incrementAndGet();
    }

    private void dispatch(Slot s) {
        batches.increment();
        try {
            deviceThreads.execute(() -> process(s));
        } catch (RuntimeException e) { // executor shut down: do the pages here
            Cpu c = cpu.get();
            for (int i = 0; i < s.batch.count; i++) {
                cpuPage(s, i, c, Fallback.DEVICE_LOST);
            }
            s.batch.dropRegion();
            s.batch.count = 0;
        }
    }

    private void process(Slot s) {
        final int n = s.batch.count;
        final long epoch = yieldEpoch.get();
        int done = 0;
        boolean failed = false;
        try {
            done = s.batch.run(config.kernel(), config.slicePages(), config.maxWorkGroups(), config.maxOut(),
                    () -> yieldEpoch.get() != epoch, config.faults(), s.seq);
            s.batch.readDescriptors(s.desc, done);
            config.faults().afterStatus(s.seq, s.desc, done);
            slices.add(s.batch.slicesRun);
            kernelNanos.add(s.batch.kernelNanos);
            consecutiveFailures.set(0);
        } catch (RuntimeException e) {
            failed = true;
            done = 0;
            lastError.set(e.getMessage());
            if (consecutiveFailures.incrementAndGet() >= LOST_AFTER_FAILURES) {
                deviceLost = true;
            }
        }
        Cpu c = cpu.get();
        int onDevice = 0;
        long bytesOut = 0;
        int same = 0;
        int tooBig = 0;
        for (int i = 0; i < done; i++) {
            int len = devicePage(s, i, c);
            if (len > 0) {
                onDevice++;
                bytesOut += len;
            } else if (len == DELIVERED_SAME) {
                same++;
            } else if (len == DELIVERED_TOO_BIG) {
                tooBig++;
            }
        }
        // counted once per batch, not per page: the per-page host cost of offloading is what this design minimises
        devCompressed.add(onDevice);
        devBytesOut.add(bytesOut);
        devSame.add(same);
        devTooBig.add(tooBig);
        completeMany(onDevice + same + tooBig);
        List<Integer> requeue = null;
        boolean fromRegion = s.batch.region() != null;
        for (int i = done; i < n; i++) {
            if (failed) {
                cpuPage(s, i, c, Fallback.LAUNCH_FAILED);
            } else if (config.yieldMode() == GpuCompressorConfig.YieldMode.REQUEUE && !deviceLost && !fromRegion) {
                if (requeue == null) {
                    requeue = new ArrayList<>();
                }
                requeue.add(i);
            } else {
                cpuPage(s, i, c, Fallback.YIELDED); // region pages are not requeued: the CPU does them
            }
        }
        long[] rt = null;
        byte[][] rs = null;
        int[] ro = null;
        if (requeue != null) {
            rt = new long[requeue.size()];
            rs = new byte[requeue.size()][];
            ro = new int[requeue.size()];
            for (int k = 0; k < rt.length; k++) {
                int i = requeue.get(k);
                rt[k] = s.tokens[i];
                rs[k] = s.srcs[i];
                ro[k] = s.offs[i];
            }
        }
        java.util.Arrays.fill(s.srcs, 0, n, null);
        boolean reusable = true;
        try {
            s.batch.recycle();
        } catch (RuntimeException e) {
            reusable = false;
            lastError.set(e.getMessage());
            deviceLost = true;
        }
        if (reusable) {
            s.copied.set(0);
            s.sealed = false;
            s.dispatched.set(false);
            free.add(s);
        }
        if (rt != null) {
            requeue(rt, rs, ro);
        }
    }

    /**
     * Puts yielded pages back into the FIFO, in order, without blocking; with no batch free, the CPU does the rest.
     * Each batch's share is claimed under one hold of the lock, so a concurrent flush (drain, the timer) cannot
     * split the yielded pages over more batches than their number needs (per-page claims let it, and a third
     * batch then found no free slot and sent pages to the CPU).
     */
    private void requeue(long[] tokens, byte[][] srcs, int[] offs) {
        int[] index = new int[tokens.length];
        int k = 0;
        while (k < tokens.length) {
            Slot target = null;
            int n = 0;
            synchronized (lock) {
                // after close nothing sends a batch (close flushed the last one): the CPU does the pages (below)
                if (!closed) {
                    if (current == null && !deviceLost) {
                        current = free.poll();
                        if (current != null) {
                            current.seq = nextSeq++;
                            current.firstPutNanos = System.nanoTime();
                        }
                    }
                    target = current;
                    while (target != null && current == target && k + n < tokens.length) { // claim() seals when full
                        index[n] = claim(target, tokens[k + n], srcs[k + n], offs[k + n]);
                        n++;
                    }
                }
            }
            if (target == null) {
                for (; k < tokens.length; k++) {
                    cpuPage(tokens[k], srcs[k], offs[k], Fallback.YIELDED);
                }
                return;
            }
            for (int j = 0; j < n; j++) {
                target.batch.copyIn(index[j], srcs[k + j], offs[k + j]);
                copiedOne(target);
            }
            k += n;
        }
    }

    private static final int DELIVERED_SAME = 0;
    private static final int DELIVERED_TOO_BIG = -1;
    private static final int FELL_BACK = -2;

    /**
     * Delivers device page {@code i} of a finished batch: returns its block length if compressed, or
     * DELIVERED_SAME / DELIVERED_TOO_BIG; FELL_BACK if the CPU did it instead (counted there).
     */
    private int devicePage(Slot s, int i, Cpu c) {
        long token = s.tokens[i];
        int len = s.desc[2 * i];
        int status = s.desc[2 * i + 1];
        Result r = c.result;
        r.reset();
        PageRegion region = s.batch.region();
        if (region != null) {
            r.region = region;
            r.regionPage = s.batch.regionPage(i);
        } else {
            r.src = s.srcs[i];
            r.srcOff = s.offs[i];
        }
        switch (status) {
            case PageStatus.SAME -> {
                if (config.verify() && !SameFilled.test(r.source(), r.sourceOffset())) {
                    cpuPage(s, i, c, Fallback.VERIFY_FAILED);
                    return FELL_BACK;
                }
                r.kind = Kind.SAME;
                r.fill = region != null ? region.firstWord(r.regionPage) : SameFilled.fillValue(r.src, r.srcOff);
                r.length = 0;
                deliver(token, r);
                return DELIVERED_SAME;
            }
            case PageStatus.TOO_BIG -> {
                r.kind = Kind.INCOMPRESSIBLE;
                r.length = 0;
                deliver(token, r);
                return DELIVERED_TOO_BIG;
            }
            case PageStatus.OK -> {
                if (len <= 0 || len > config.maxOut()) {
                    cpuPage(s, i, c, Fallback.BAD_STATUS);
                    return FELL_BACK;
                }
                r.kind = Kind.COMPRESSED;
                r.length = len;
                r.outOf = s.batch;
                r.outIndex = i;
                if (config.verify() && !decodesTo(r.data(), len, r.source(), r.sourceOffset(), c.check)) {
                    cpuPage(s, i, c, Fallback.VERIFY_FAILED);
                    return FELL_BACK;
                }
                deliver(token, r);
                return len;
            }
            default -> {
                cpuPage(s, i, c, Fallback.BAD_STATUS);
                return FELL_BACK;
            }
        }
    }

    /** The CPU does page {@code i} of a slot (read back from its region if it came from one). */
    private void cpuPage(Slot s, int i, Cpu c, Fallback why) {
        PageRegion region = s.batch.region();
        if (region != null) {
            region.get(s.batch.regionPage(i), c.page, 0); // valid until the listener returns, as source() is
            cpuPage(s.tokens[i], c.page, 0, why);
        } else {
            cpuPage(s.tokens[i], s.srcs[i], s.offs[i], why);
        }
    }

    private static boolean decodesTo(byte[] block, int len, byte[] page, int off, byte[] scratch) {
        try {
            int n = VERIFY.decompress(block, 0, len, scratch, 0, PAGE);
            return n == PAGE && java.util.Arrays.equals(scratch, 0, PAGE, page, off, off + PAGE);
        } catch (LZ4Exception e) {
            return false;
        }
    }

    private void cpuPage(long token, byte[] src, int off, Fallback why) {
        Cpu c = cpu.get();
        Result r = c.result;
        r.reset();
        r.fallback = why;
        r.src = src;
        r.srcOff = off;
        fallbacks.get(why).increment();
        if (SameFilled.test(src, off)) {
            r.kind = Kind.SAME;
            r.fill = SameFilled.fillValue(src, off);
            r.length = 0;
        } else {
            int len = c.codec.compress(src, off, PAGE, r.data, 0, r.data.length);
            r.kind = len > config.maxOut() ? Kind.INCOMPRESSIBLE : Kind.COMPRESSED;
            r.length = r.kind == Kind.COMPRESSED ? len : 0;
        }
        deliver(token, r);
        completeMany(1);
    }

    /** Calls the listener (the caller counts the completion with {@link #completeMany}). */
    private void deliver(long token, Result r) {
        try {
            listener.completed(token, r);
        } catch (RuntimeException e) {
            listenerError.compareAndSet(null, e);
        } finally {
            r.reset();
        }
    }

    private void completeMany(int n) {
        if (n == 0) {
            return;
        }
        completed.add(n);
        if (pending.addAndGet(-n) == 0) {
            synchronized (drained) {
                drained.notifyAll();
            }
        }
    }

    public Stats stats() {
        EnumMap<Fallback, Long> fb = new EnumMap<>(Fallback.class);
        fallbacks.forEach((k, v) -> fb.put(k, v.sum()));
        return new Stats(submitted.sum(), completed.sum(), devCompressed.sum(), devSame.sum(), devTooBig.sum(), fb,
                batches.sum(), slices.sum(), kernelNanos.sum(), devBytesOut.sum(), deviceLost, lastError.get());
    }

    /**
     * Drains, then releases threads and device buffers. Every submitted page is still delivered, also when the drain
     * is interrupted: the last partial batch goes to the device, yielded pages to the CPU.
     *
     * @throws IllegalStateException if a launch still runs after 30 s (its buffers are then left allocated), or the
     *                               drain's failure (interrupted, or a listener's) after the shutdown
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        RuntimeException failure = null;
        try {
            drain();
        } catch (RuntimeException e) { // interrupted, or a listener failed: still shut down, then rethrow
            failure = e;
        }
        closed = true; // from here on a yielded page goes to the CPU (requeue), since no timer or drain sends it
        flusher.shutdownNow();
        flush(); // a drain cut short may leave a partial batch: the device threads still run it below
        deviceThreads.shutdown();
        // The batches' buffers may be released only once no device thread can touch them: releasing them under a
        // running launch crashed the JVM in clSetKernelArg (a test's timeout interrupted the drain). So wait even if
        // interrupted, and if a launch is still running when the wait ends, leak the buffers rather than free them.
        boolean interrupted = false;
        boolean terminated = false;
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        while (!terminated) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                terminated = deviceThreads.awaitTermination(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (terminated) {
            for (Slot s : slots) {
                try {
                    s.batch.close();
                } catch (RuntimeException ignored) {
                    // a lost device may refuse to release; the process exit frees it
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (!terminated) {
            IllegalStateException e = new IllegalStateException("closing the GPU compressor: a device launch was still "
                    + "running after " + CLOSE_WAIT.toSeconds() + " s; its " + slots.size() + " batch buffers were "
                    + "left allocated so that the device never writes into released memory");
            if (failure != null) {
                e.addSuppressed(failure);
            }
            throw e;
        }
        if (failure != null) {
            throw failure;
        }
    }
}
