package dev.gmc.kernels;

/**
 * Hooks at the points where a real device fails, so tests (and chaos runs) can prove that no page is lost. The
 * default does nothing. Called on the compressor's device threads (on the calling thread for {@link GpuRestorer}).
 */
public interface FaultInjector {
    FaultInjector NONE = new FaultInjector() {
    };

    /** Before slice {@code slice} of batch {@code batch} is enqueued; throw an {@link OpenClException} to fail it. */
    default void beforeLaunch(long batch, int slice) {
    }

    /** After the descriptors of a batch are read back: may overwrite {@code desc[2p]} / {@code desc[2p+1]}. */
    default void afterStatus(long batch, int[] desc, int pages) {
    }

    /** {@link GpuRestorer}: after a batch's decoded pages are read back (page p at {@code p * 4096}); may change them. */
    default void afterOutput(long batch, java.nio.ByteBuffer pages, int count) {
    }
}
