package dev.gmc.cli;

import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.codec.PageCodec;
import dev.gmc.core.store.PageStore;
import dev.gmc.core.store.SameFilled;
import dev.gmc.core.store.StoreConfig;
import dev.gmc.core.store.WriteOnceModel;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The measuring engine of {@code gmc measure}: N worker threads each take the next chunk of pages from the input (a
 * {@link Source}: positional reads in parallel for plain files, one reader at a time for streams), then check,
 * compress and count it with every algorithm into their own {@link Tally}s; the tallies are merged at the end of each
 * input. Nothing but counts is kept, so memory does not
 * grow with the dump, and since counts add up in any order every figure is the same for any thread count.
 *
 * <p>Columns: one per configuration. A column counts the lengths of its base codec ({@code baseOf}); a column whose
 * configuration has {@link StoreConfig#recompressCodecs() recompression codecs} also runs zram's recompression rule on
 * each stored page ({@link Recompress}), compressing it with the secondary codecs at most once a page.
 */
final class MeasurePipeline implements AutoCloseable {
    static final int CHUNK = 64; // pages a worker takes at a time (256 KiB: small enough to balance, large enough to amortise the lock)

    /**
     * Which pages a recompression column recompresses, as {@code echo all > idle} then {@code echo "type=...
     * threshold=..." > recompress} after the writes: {@code hugeOnly} for type huge (and huge_idle), else every page.
     */
    record Recompress(boolean hugeOnly, int threshold) {
    }

    private final List<CodecSpec> specs;
    private final StoreConfig[] configs;
    private final int[] baseOf;
    private final Recompress recompress;
    private final List<CodecSpec> secondary;
    private final boolean sameFilled;
    /** The emulated kernel's {@code unsigned long}: 4-byte same-filled words on a 32-bit kernel. */
    private final int sameWordBytes;
    /** The kernel's page size (all columns share one size-class table's): what each input is cut into. */
    private final int pageSize;
    private final int threads;
    private final ExecutorService pool;
    private final ThreadLocal<PageCodec[]> codecs;

    MeasurePipeline(List<CodecSpec> specs, StoreConfig[] configs, int threads) {
        this(specs, configs, identity(configs.length), null, threads);
    }

    private static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    /**
     * @param baseOf     for each column, the index in {@code specs} of its codec
     * @param recompress null, or the rule for the columns whose configuration has recompression codecs (they must
     *                   all have the same list)
     */
    MeasurePipeline(List<CodecSpec> specs, StoreConfig[] configs, int[] baseOf, Recompress recompress, int threads) {
        this.specs = specs;
        this.configs = configs;
        this.baseOf = baseOf;
        this.recompress = recompress;
        List<CodecSpec> sec = List.of();
        for (StoreConfig c : configs) {
            if (!c.recompressCodecs().isEmpty()) {
                sec = c.recompressCodecs();
            }
        }
        this.secondary = sec;
        this.sameFilled = configs[0].sameFilled();
        this.sameWordBytes = configs[0].classes().arch().wordBytes();
        this.pageSize = configs[0].classes().pageSize();
        for (StoreConfig c : configs) {
            if (c.classes().pageSize() != pageSize) {
                throw new IllegalArgumentException("columns of different page sizes cannot be measured together");
            }
        }
        this.threads = threads;
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread th = new Thread(r, "gmc-measure");
            th.setDaemon(true);
            return th;
        });
        this.codecs = ThreadLocal.withInitial(() -> { // the base codecs, then the secondary ones
            PageCodec[] c = new PageCodec[specs.size() + secondary.size()];
            for (int a = 0; a < c.length; a++) {
                c[a] = a < specs.size() ? specs.get(a).newCodec() : secondary.get(a - specs.size()).newCodec();
            }
            return c;
        });
    }

    /** Fresh, empty tallies, one per algorithm. */
    Tally[] newTallies() {
        Tally[] t = new Tally[configs.length];
        for (int a = 0; a < t.length; a++) {
            t[a] = new Tally(configs[a]);
        }
        return t;
    }

    /**
     * Where workers take chunks from. {@link #next} fills {@code dst} with the next chunk and returns its length (0 at
     * the end); it is called by many workers at once. Chunks may be handed out in any order (counts do not care).
     */
    interface Source extends java.io.Closeable {
        int next(byte[] dst) throws IOException;

        /** Bytes handed out so far. */
        long done();

        /**
         * Where a failure stopped, for the error message: the byte of the input (decompressed or decoded, as
         * measured) that could not be read; {@link #done} unless the source knows better.
         */
        default long failedAt() {
            return done();
        }

        /** Called once all workers are finished: a source that found its input short reports it here. */
        default void finish() throws IOException {
        }

        @Override
        default void close() throws IOException {
        }
    }

    /** A sequential stream (compressed files, images, stdin): one worker reads at a time. */
    static Source stream(InputStream input) {
        // counts every byte handed over, also those of a chunk whose reading then fails: where the failure was
        com.google.common.io.CountingInputStream in = new com.google.common.io.CountingInputStream(input);
        return new Source() {
            private long done;
            private boolean eof;

            @Override
            public synchronized int next(byte[] dst) throws IOException {
                if (eof) {
                    return 0;
                }
                int n;
                try {
                    n = in.readNBytes(dst, 0, dst.length);
                } catch (IOException e) {
                    eof = true; // a partly read chunk is not counted: its bytes may be wrong
                    throw e;
                }
                if (n < dst.length) {
                    eof = true;
                }
                done += n;
                return n;
            }

            @Override
            public synchronized long done() {
                return done;
            }

            @Override
            public synchronized long failedAt() {
                return in.getCount();
            }

            @Override
            public void close() throws IOException {
                in.close();
            }
        };
    }

    /**
     * Bytes {@code [0, length)} read by position, so workers read in parallel with no lock: a worker claims the next
     * offset and copies its chunk itself. {@code reader} copies {@code len} bytes at {@code pos} into {@code dst}.
     * {@code shortInput}, if not null, is thrown by {@link Source#finish} (the input was shorter than it should be:
     * what there was has been measured).
     */
    static Source positional(long length, PositionalReader reader, IOException shortInput, java.io.Closeable closer) {
        return new Source() {
            private final java.util.concurrent.atomic.AtomicLong next = new java.util.concurrent.atomic.AtomicLong();
            private final java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();

            @Override
            public int next(byte[] dst) throws IOException {
                long pos = next.getAndAdd(dst.length);
                if (pos >= length) {
                    return 0;
                }
                int n = (int) Math.min(dst.length, length - pos);
                try {
                    reader.read(pos, dst, n);
                } catch (IOException e) {
                    next.set(Long.MAX_VALUE / 2); // stop the other workers too
                    throw new IOException(Errors.message(e) + " (chunk at byte " + pos + ")", e);
                }
                done.addAndGet(n);
                return n;
            }

            @Override
            public long done() {
                return done.get();
            }

            @Override
            public void finish() throws IOException {
                if (shortInput != null) {
                    throw shortInput;
                }
            }

            @Override
            public void close() throws IOException {
                closer.close();
            }
        };
    }

    /** Reads exactly {@code len} bytes at {@code pos} into {@code dst[0, len)}, or throws. */
    interface PositionalReader {
        void read(long pos, byte[] dst, int len) throws IOException;
    }

    /**
     * Measures one input into {@code t}; returns the bytes read. If the input fails part-way, every chunk read
     * completely before the failure is counted in {@code t} and the {@link IOException} is rethrown.
     */
    long run(Source src, Tally[] t, Progress progress) throws IOException {
        List<Future<Tally[]>> workers = new ArrayList<>(threads);
        IOException[] failure = new IOException[1];
        for (int i = 0; i < threads; i++) {
            workers.add(pool.submit(() -> work(src, progress, failure)));
        }
        RuntimeException crash = null;
        for (Future<Tally[]> f : workers) {
            try {
                Tally[] w = f.get();
                for (int a = 0; a < t.length; a++) {
                    t[a].add(w[a]);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            } catch (ExecutionException e) {
                crash = new IllegalStateException("compression failed: " + e.getCause(), e.getCause());
            }
        }
        if (crash != null) {
            throw crash;
        }
        synchronized (failure) {
            if (failure[0] != null) {
                throw failure[0];
            }
        }
        src.finish();
        return src.done();
    }

    private Tally[] work(Source src, Progress progress, IOException[] failure) {
        Tally[] local = newTallies();
        byte[] data = new byte[CHUNK * pageSize];
        byte[] out = new byte[2 * pageSize]; // room for any codec's worst case on one page
        PageCodec[] c = codecs.get();
        int[] len = new int[specs.size()];
        int[] secLen = new int[secondary.size()];
        while (true) {
            int n;
            try {
                n = src.next(data);
            } catch (IOException e) {
                synchronized (failure) {
                    if (failure[0] == null) {
                        failure[0] = e;
                    }
                }
                return local;
            }
            if (n == 0) {
                return local;
            }
            progress.advance(n);
            int pages = (n + pageSize - 1) / pageSize;
            int tail = n % pageSize;
            if (tail != 0) { // a short last page is zero-padded
                java.util.Arrays.fill(data, n, pages * pageSize, (byte) 0);
            }
            for (int p = 0; p < pages; p++) {
                int off = p * pageSize;
                boolean padded = tail != 0 && p == pages - 1;
                if (sameFilled && SameFilled.test(data, off, sameWordBytes, pageSize)) {
                    long fill = SameFilled.fillValue(data, off);
                    for (Tally x : local) {
                        x.page(padded).same(fill);
                    }
                    continue;
                }
                for (int b = 0; b < len.length; b++) {
                    len[b] = c[b].compress(data, off, pageSize, out, 0, out.length);
                }
                Arrays.fill(secLen, -1); // computed on first need, once a page
                for (int a = 0; a < local.length; a++) {
                    int l = len[baseOf[a]];
                    if (configs[a].recompressCodecs().isEmpty()) {
                        local[a].page(padded).compressed(l);
                    } else {
                        WriteOnceModel m = local[a].model;
                        local[a].page(padded).recompressed(l, recompressedLength(configs[a], m.storedLength(l),
                                m.isHuge(l), c, secLen, data, off, out));
                    }
                }
            }
        }
    }

    /**
     * zram's recompress_slot on a page the store keeps as an object of {@code objLen} bytes
     * ({@link WriteOnceModel#storedLength}): the length of the first secondary codec's object that
     * {@link PageStore#recompressionGains gains}, or -1 (not stored, not a candidate, below the threshold, no gain).
     */
    private int recompressedLength(StoreConfig cfg, int objLen, boolean huge, PageCodec[] c, int[] secLen, byte[] data,
            int off, byte[] out) {
        if (objLen == WriteOnceModel.REJECTED || (recompress.hugeOnly() && !huge)
                || objLen < recompress.threshold()) {
            return -1;
        }
        for (int p = 0; p < secLen.length; p++) {
            if (secLen[p] < 0) {
                secLen[p] = c[specs.size() + p].compress(data, off, pageSize, out, 0, out.length);
            }
            if (PageStore.recompressionGains(cfg.classes(), objLen, secLen[p], recompress.threshold())) {
                return secLen[p];
            }
        }
        return -1;
    }

    @Override
    public void close() {
        pool.shutdownNow();
        // codecs of pool threads are closed with the threads' ThreadLocals; zstd contexts are also freed by GC
    }

    /**
     * Counts of one input (or a group of inputs) for one algorithm: a {@link WriteOnceModel} (the zram figures), the
     * amortised pool bytes charged to these pages, and a histogram of stored lengths.
     */
    static final class Tally {
        /**
         * Histogram buckets: 0 = same-filled, 1..64 = stored length in steps of a 64th of the page (64 bytes with
         * 4 KiB pages), 65 = huge, 66 = rejected.
         */
        static final int BUCKETS = 67;
        final WriteOnceModel model;
        private final int step;
        long pages;
        long paddedTail;
        final long[] lengths = new long[BUCKETS];

        Tally(StoreConfig config) {
            this.model = new WriteOnceModel(config);
            this.step = model.pageSize() / 64;
        }

        /** The bytes of stored length per histogram bucket: a 64th of the page. */
        int step() {
            return step;
        }

        Tally page(boolean padded) {
            pages++;
            if (padded) {
                paddedTail++;
            }
            return this;
        }

        void same(long fill) {
            model.addSame(fill);
            lengths[0]++;
        }

        void compressed(int len) {
            count(len, model.addCompressed(len));
        }

        /** A page written at {@code len} whose object recompression replaced with {@code newLen} bytes (-1: not). */
        void recompressed(int len, int newLen) {
            int stored = model.addRecompressed(len, newLen);
            if (newLen > 0) {
                lengths[1 + (newLen - 1) / step]++; // a recompressed object is never huge, whatever its length
            } else {
                count(len, stored);
            }
        }

        private void count(int len, int stored) {
            if (stored == WriteOnceModel.REJECTED) {
                lengths[66]++;
                return;
            }
            lengths[model.isHuge(len) ? 65 : 1 + (stored - 1) / step]++;
        }

        void add(Tally o) {
            model.add(o.model);
            pages += o.pages;
            paddedTail += o.paddedTail;
            for (int i = 0; i < BUCKETS; i++) {
                lengths[i] += o.lengths[i];
            }
        }

        /** Pool bytes charged to these pages (see {@link WriteOnceModel#amortisedPoolBytes()}); sums exactly in any order. */
        double poolBytes() {
            return model.amortisedPoolBytes();
        }

        long stored() {
            return model.mmStat().origDataSize() / model.pageSize();
        }

        long zero() {
            return model.zeroPages();
        }

        long sameOther() {
            return model.mmStat().samePages() - model.zeroPages();
        }

        long huge() {
            return model.mmStat().hugePages();
        }

        long rejected() {
            return model.rejected();
        }

        long comprBytes() {
            return model.mmStat().comprDataSize();
        }

        /** Memory these pages no longer take: stored pages minus their share of the pool and gmc's metadata. */
        long savedBytes() {
            return stored() * model.pageSize() - Math.round(poolBytes()) - model.metadataBytes();
        }

        double ratio() {
            double pool = poolBytes();
            return pool == 0 ? Double.POSITIVE_INFINITY : stored() * (double) model.pageSize() / pool;
        }
    }
}
