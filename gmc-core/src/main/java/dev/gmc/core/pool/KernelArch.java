package dev.gmc.core.pool;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The kernel build whose zram/zsmalloc figures gmc reproduces, as far as its word size and physical address width
 * change them. Three things depend on it (with 4 KiB pages; a 64-bit table may also take arm64's 16 KiB pages,
 * {@link SizeClassTable#withPageSize}):
 * <ul>
 *   <li>{@code ZS_HANDLE_SIZE} = {@code sizeof(unsigned long)}: the handle zs_malloc adds to every object before
 *       choosing its class, and so also {@code huge_class_size} (the top non-huge class minus
 *       {@code ZS_HANDLE_SIZE - 1});</li>
 *   <li>zram's {@code page_same_filled} compares {@code unsigned long} words: on a 32-bit kernel a page repeating an
 *       8-byte pattern whose halves differ (two alternating RGBA8888 pixels, say) is not same-filled;</li>
 *   <li>{@code ZS_MIN_ALLOC_SIZE = MAX(32, ZS_MAX_PAGES_PER_ZSPAGE << PAGE_SHIFT >> OBJ_INDEX_BITS)}, where a handle
 *       keeps {@code OBJ_INDEX_BITS = BITS_PER_LONG - (MAX_POSSIBLE_PHYSMEM_BITS - PAGE_SHIFT) - OBJ_TAG_BITS} bits
 *       for the object index. 64-bit kernels and 32-bit ones with 32-bit physical addresses get 32. A 32-bit ARM
 *       kernel with LPAE (40-bit physical addresses) has 3 index bits (≤ 6.2, whose formula subtracts the one tag
 *       bit) or 4 (6.12, which no longer does), so the smallest class is 2048 bytes with both the legacy chain of 4
 *       and the default chain of 8: no object takes less than half a page, and zram saves at most half of what it
 *       stores (same-filled pages aside).</li>
 * </ul>
 * All of this was measured, not only derived: Debian's armhf kernels 6.1 ({@code armmp}, {@code armmp-lpae}; legacy
 * chain 4) and 6.12 (chain 8) booted under qemu wrote gmc's page sets through their own zram, and every
 * {@code mm_stat} equals gmc's prediction with these settings (docs/results/arm32-zram/; ArmKernelTest, and
 * MeasureCommandTest in the CLI module), as do all four kernels' figures under two churns with compaction.
 * Which of 6.3–6.11 already dropped the tag bit was not measured; gmc ties it to the chain rule (legacy: subtract).
 * Under churn the pool follows the table's kernel generation as well (ZsPool: 6.1's four fullness groups with the
 * legacy rule; Debian's arm64 6.1 kernel checks that on 64-bit).
 */
public enum KernelArch {
    /** x86-64 and arm64: 8-byte handles and same-filled words; the smallest class is 32 bytes. */
    BIT64("64", 8, 0),
    /** 32-bit ARM (or x86) without LPAE/PAE: 4-byte handles and same-filled words, 32-bit physical addresses. */
    ARM32("arm32", 4, 32),
    /** 32-bit ARM with LPAE ({@code CONFIG_ARM_LPAE}): 4-byte words and 40-bit physical addresses. */
    ARM32_LPAE("arm32-lpae", 4, 40);

    private final String label;
    private final int wordBytes;
    private final int physBits;

    KernelArch(String label, int wordBytes, int physBits) {
        this.label = label;
        this.wordBytes = wordBytes;
        this.physBits = physBits;
    }

    /** {@code sizeof(unsigned long)}: zsmalloc's handle size and zram's same-filled word. */
    public int wordBytes() {
        return wordBytes;
    }

    /**
     * {@code ZS_MIN_ALLOC_SIZE} for a chain of {@code maxChain} pages under {@code rule}. On 64-bit kernels the
     * handle has at least 11 index bits (52 physical address bits, chain ≤ 16), so the 32-byte floor always wins.
     */
    public int minAllocSize(int maxChain, SizeClassTable.ChainRule rule) {
        return minAllocSize(maxChain, rule, SizeClassTable.PAGE_SHIFT);
    }

    /**
     * {@code ZS_MIN_ALLOC_SIZE} with {@code 1 << pageShift}-byte pages. On 64-bit kernels the floor wins for every
     * page size: arm64's {@code MAX_POSSIBLE_PHYSMEM_BITS} is 52, so 16 KiB pages leave 26 index bits.
     */
    public int minAllocSize(int maxChain, SizeClassTable.ChainRule rule, int pageShift) {
        if (wordBytes == 8) {
            return 32;
        }
        int tagBits = rule == SizeClassTable.ChainRule.LEGACY_USED_PERCENT ? 1 : 0;
        int indexBits = 32 - (physBits - pageShift) - tagBits;
        return Math.max(32, (maxChain << pageShift) >> indexBits);
    }

    /** The name used on the command line and in reports: {@code 64}, {@code arm32}, {@code arm32-lpae}. */
    public String label() {
        return label;
    }

    /** Parses {@link #label()} (case-insensitive); {@code arm64}, {@code aarch64}, {@code x86-64} and {@code x86_64} mean {@code 64}. */
    public static KernelArch parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (List.of("arm64", "aarch64", "x86-64", "x86_64").contains(t)) {
            return BIT64;
        }
        for (KernelArch a : values()) {
            if (a.label.equals(t)) {
                return a;
            }
        }
        throw new IllegalArgumentException("kernel arch: '" + s + "' (expected one of "
                + String.join(", ", Arrays.stream(values()).map(KernelArch::label).toList()) + ")");
    }

    @Override
    public String toString() {
        return label.toLowerCase(Locale.ROOT);
    }
}
