package dev.gmc.driver;

/**
 * What one recompression pass over a buffer's compressed pages did ({@link GpuDriverModel#recompress}).
 *
 * @param considered   compressed pages (not same-filled) that were looked at
 * @param attempted    pages a recompression codec compressed (zram's {@code max_pages} would count these)
 * @param recompressed pages whose object was replaced by a smaller one in a lower size class
 * @param bytesBefore  stored bytes of the recompressed pages before
 * @param bytesAfter   their stored bytes after
 * @param skipped      why the pass did nothing, or null
 */
public record RecompressResult(int bufferId, int considered, int attempted, int recompressed, long bytesBefore,
        long bytesAfter, String skipped) {

    static RecompressResult skipped(Buffer b, String why) {
        return new RecompressResult(b.id(), 0, 0, 0, 0, 0, why);
    }
}
