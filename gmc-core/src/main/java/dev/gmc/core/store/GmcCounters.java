package dev.gmc.core.store;

/**
 * GMC's own counters beside the kernel's: what zram does not report.
 *
 * @param stores pages handed to {@link PageStore#store} (all outcomes)
 * @param compressed pages now stored compressed (not huge, not same-filled)
 * @param zeroPages pages now stored as all-zero same-filled
 * @param sameNonZeroPages pages now stored as same-filled with a non-zero word
 * @param rejected pages refused as incompressible under the reject policy (cumulative; they stay resident)
 * @param refusedNoMemory stores refused by mem_limit or pool capacity (cumulative)
 * @param loads successful loads (cumulative)
 * @param invalidIds loads/frees with a forged or stale ID (cumulative)
 * @param corruptObjects loads whose compressed object failed to decode (cumulative)
 * @param metadataBytes heap bytes of store and pool metadata (entry table, handle table, zspage arrays)
 */
public record GmcCounters(long stores, long compressed, long zeroPages, long sameNonZeroPages, long rejected,
                          long refusedNoMemory, long loads, long invalidIds, long corruptObjects, long metadataBytes) {
}
