package dev.gmc.kernels;

import dev.gmc.core.store.PageStore;

/**
 * zram's write path with compression on an OpenCL device: pages go through an {@link AsyncGpuCompressor} and each
 * result is stored with {@link PageStore#storeCompressed}, so the store's statistics (mm_stat, huge pages, rejects,
 * same-filled) are exactly those of a CPU-compressed store given the same compressed lengths.
 *
 * <p>The caller learns each page's ID through {@link Listener}, on a device thread.
 */
public final class OffloadedStoreWriter implements AutoCloseable {
    /** Receives the page ID ({@link PageStore#REJECTED} / {@link PageStore#NO_MEMORY} included) of each write. */
    @FunctionalInterface
    public interface Listener {
        void stored(long token, long pageId);
    }

    private final PageStore store;
    private final AsyncGpuCompressor gpu;

    public OffloadedStoreWriter(PageStore store, GpuCompressorConfig config, Lz4Program program, Listener listener) {
        this.store = store;
        this.gpu = new AsyncGpuCompressor(config, program, (token, r) -> listener.stored(token, storeResult(r)));
    }

    private long storeResult(AsyncGpuCompressor.Result r) {
        return switch (r.kind()) {
            // a store without same-filled detection compresses the page itself
            case SAME -> store.config().sameFilled()
                    ? store.storeCompressed(r.source(), r.sourceOffset(), null, 0, PageStore.INCOMPRESSIBLE)
                    : store.store(r.source(), r.sourceOffset());
            case INCOMPRESSIBLE -> store.storeCompressed(r.source(), r.sourceOffset(), null, 0,
                    PageStore.INCOMPRESSIBLE);
            case COMPRESSED -> store.storeCompressed(r.source(), r.sourceOffset(), r.data(), 0, r.length());
        };
    }

    /** Queues a page; it must not change until its ID is delivered. */
    public void write(long token, byte[] page, int off) {
        gpu.submit(token, page, off);
    }

    /** Waits until every queued page is stored. */
    public void drain() {
        gpu.drain();
    }

    public AsyncGpuCompressor.Stats stats() {
        return gpu.stats();
    }

    @Override
    public void close() {
        gpu.close();
    }
}
