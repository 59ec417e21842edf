package dev.gmc.driver;

/**
 * What one recompression pass over a buffer's compressed pages did ({@link GpuDriverModel#recompress}).
 *
 * @param considered   compressed pages (not same-filled) that were looked at
 * @param attempted    pages a recompression codec compressed (zram's {@code max_pages} would count these)
 * @param recompressed pages whose object was replaced by a smaller one in a lower size class
 * @param incompressible pages skipped because an earlier pass tried every codec on them without gain (zram's
 *                     ZRAM_INCOMPRESSIBLE; not counted in {@code considered})
 * @param bytesBefore  stored bytes of the recompressed pages before
 * @param bytesAfter   their stored bytes after
 * @param skipped      why the pass did nothing, or null
 */
public record RecompressResult(int bufferId, int considered, int attempted, int recompressed, int incompressible,
        long bytesBefore, long bytesAfter, String skipped) {

    static RecompressResult skipped(Buffer b, String why) {
        return new RecompressResult(b.id(), 0, 0, 0, 0, 0, 0, why);
    }
}
