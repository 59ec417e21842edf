package dev.gmc.core.codec;

import com.github.luben.zstd.ZstdDictTrainer;
import com.github.luben.zstd.ZstdException;
import java.util.List;

/** Trains a zstd dictionary on sample pages, for {@link CodecSpec#withDictionary(byte[])}. */
public final class ZstdDictionary {
    private ZstdDictionary() {
    }

    /**
     * Trains a dictionary of at most {@code dictSize} bytes on {@code samples} (one page each).
     *
     * @throws IllegalArgumentException if there are too few samples or zstd's trainer fails (the message says why)
     */
    public static byte[] train(List<byte[]> samples, int dictSize) {
        if (dictSize < 256 || dictSize > (1 << 24)) {
            throw new IllegalArgumentException("dictionary size: " + dictSize + " (expected 256..16777216 bytes)");
        }
        if (samples.size() < 8) {
            throw new IllegalArgumentException("zstd dictionary: " + samples.size()
                    + " sample pages that are not same-filled; at least 8 are needed to train one");
        }
        long total = 0;
        for (byte[] s : samples) {
            total += s.length;
        }
        ZstdDictTrainer trainer = new ZstdDictTrainer((int) Math.min(Integer.MAX_VALUE - 8, total), dictSize);
        for (byte[] s : samples) {
            trainer.addSample(s);
        }
        try {
            return trainer.trainSamples();
        } catch (ZstdException e) {
            throw new IllegalArgumentException("zstd dictionary training on " + samples.size() + " pages failed: "
                    + e.getMessage() + " (too little or too uniform data? try more --dict-pages or a smaller "
                    + "--dict-size)", e);
        }
    }
}
