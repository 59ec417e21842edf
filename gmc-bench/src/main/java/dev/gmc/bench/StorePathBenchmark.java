package dev.gmc.bench;

import dev.gmc.core.codec.CodecSpec;
import dev.gmc.core.codec.KernelLz4Compressor;
import dev.gmc.core.store.PageStore;
import dev.gmc.core.store.StoreConfig;
import java.util.concurrent.TimeUnit;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Store and read paths against raw lz4-java on the same pages, one page per operation (ops/s = pages/s).
 *
 * <ul>
 *   <li>{@code rawLz4Compress}: lz4-java JNI fastCompressor into a buffer — the baseline.</li>
 *   <li>{@code rawKernelLz4Compress}: gmc's lz4-kernel port.</li>
 *   <li>{@code storeOnlyLz4} / {@code storeOnlyLz4Kernel}: {@link PageStore#store} alone into a store that keeps every
 *       page (a fresh store each iteration).</li>
 *   <li>{@code storeLz4} / {@code storeLz4Kernel}: a pool at steady state: it holds {@value #RING_COPIES} copies of
 *       the dataset, and each operation frees the page stored {@value #RING_COPIES}×dataset operations earlier and
 *       stores the next page ({@link PageStore#store}: same-filled check, compression, zsmalloc allocation, copy
 *       into the pool, entry publication); the free is charged to the store path.</li>
 *   <li>{@code rawLz4Decompress}: lz4-java's safe decompressor on the pages' lz4 output — the read baseline.</li>
 *   <li>{@code loadLz4}: {@link PageStore#load} of the same pages stored with lz4 (ID check, pool lookup, in-place
 *       decompression).</li>
 * </ul>
 *
 * <p>Every benchmark walks the dataset with one cursor per trial, so the store paths and their raw baselines see the
 * same pages in the same order.
 *
 * <p>Run (from the repository root): {@code ./mvnw -q -Pbench -DskipTests package -pl gmc-bench -am &&
 * java -jar gmc-bench/target/gmc-bench.jar StorePath}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g", "-Xms6g"})
public class StorePathBenchmark {
    static final int BATCH = 256;
    static final int RING_COPIES = 4;

    @Param({"samples", "real-mix"})
    String dataset;

    byte[][] pages;
    byte[] out = new byte[8192];
    byte[] back = new byte[4096];
    byte[][] compressed;
    int[] compressedLen;
    LZ4Compressor lz4;
    LZ4SafeDecompressor lz4d;
    KernelLz4Compressor kernel;
    PageStore lz4Store;
    PageStore kernelStore;
    PageStore readStore;
    long[] readIds;
    long[] lz4Ring;
    long[] kernelRing;
    int ringAt;

    @Setup(Level.Trial)
    public void setup() {
        pages = Datasets.load(dataset);
        lz4 = LZ4Factory.nativeInstance().fastCompressor();
        lz4d = LZ4Factory.nativeInstance().safeDecompressor();
        kernel = new KernelLz4Compressor();
        compressed = new byte[pages.length][];
        compressedLen = new int[pages.length];
        for (int i = 0; i < pages.length; i++) {
            compressed[i] = new byte[8192];
            compressedLen[i] = lz4.compress(pages[i], 0, 4096, compressed[i], 0, 8192);
        }
        lz4Store = new PageStore(StoreConfig.defaults().withCodec(CodecSpec.parse("lz4")));
        kernelStore = new PageStore(StoreConfig.defaults());
        lz4Ring = new long[RING_COPIES * pages.length];
        kernelRing = new long[RING_COPIES * pages.length];
        for (int i = 0; i < lz4Ring.length; i++) {
            lz4Ring[i] = lz4Store.store(pages[i % pages.length], 0);
            kernelRing[i] = kernelStore.store(pages[i % pages.length], 0);
        }
        readStore = new PageStore(StoreConfig.defaults().withCodec(CodecSpec.parse("lz4")));
        readIds = new long[pages.length];
        for (int i = 0; i < pages.length; i++) {
            readIds[i] = readStore.store(pages[i], 0);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        lz4Store.close();
        kernelStore.close();
        readStore.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void rawLz4Compress(Blackhole bh) {
        for (int i = 0; i < BATCH; i++) {
            bh.consume(lz4.compress(pages[cursor++ % pages.length], 0, 4096, out, 0, out.length));
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void rawKernelLz4Compress(Blackhole bh) {
        for (int i = 0; i < BATCH; i++) {
            bh.consume(kernel.compress(pages[cursor++ % pages.length], 0, 4096, out, 0));
        }
    }

    /** A fresh pair of stores each iteration: the store-only benchmarks fill them (a few hundred MB at most). */
    @Setup(Level.Iteration)
    public void freshStores() {
        if (fillLz4 != null) {
            fillLz4.close();
            fillKernel.close();
        }
        fillLz4 = new PageStore(StoreConfig.defaults().withCodec(CodecSpec.parse("lz4")));
        fillKernel = new PageStore(StoreConfig.defaults());
        cursor = 0;
    }

    PageStore fillLz4;
    PageStore fillKernel;
    int cursor;

    /** The store path alone (same-filled check + compress + pool + copy), pages kept. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void storeOnlyLz4(Blackhole bh) {
        for (int i = 0; i < BATCH; i++) {
            bh.consume(fillLz4.store(pages[cursor++ % pages.length], 0));
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void storeOnlyLz4Kernel(Blackhole bh) {
        for (int i = 0; i < BATCH; i++) {
            bh.consume(fillKernel.store(pages[cursor++ % pages.length], 0));
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void storeLz4(Blackhole bh) {
        ringSteps(lz4Store, lz4Ring, bh);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void storeLz4Kernel(Blackhole bh) {
        ringSteps(kernelStore, kernelRing, bh);
    }

    /** BATCH steady-state steps: free the page stored a ring's length ago, store the next page in its place. */
    private void ringSteps(PageStore store, long[] ring, Blackhole bh) {
        for (int i = 0; i < BATCH; i++) {
            store.free(ring[ringAt]);
            long id = store.store(pages[cursor++ % pages.length], 0);
            ring[ringAt] = id;
            ringAt = ringAt + 1 == ring.length ? 0 : ringAt + 1;
            bh.consume(id);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void rawLz4Decompress(Blackhole bh) {
        for (int i = 0; i < BATCH; i++) {
            int k = cursor++ % pages.length;
            bh.consume(lz4d.decompress(compressed[k], 0, compressedLen[k], back, 0, 4096));
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void loadLz4(Blackhole bh) {
        for (int i = 0; i < BATCH; i++) {
            readStore.load(readIds[cursor++ % pages.length], back, 0);
        }
        bh.consume(back);
    }
}
