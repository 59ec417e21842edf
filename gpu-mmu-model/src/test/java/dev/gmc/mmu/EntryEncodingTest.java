package dev.gmc.mmu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gmc.mmu.KbaseEntry.Format;
import dev.gmc.mmu.KbaseEntry.Kind;
import dev.gmc.mmu.KbaseEntry.Share;
import org.junit.jupiter.api.Test;

/**
 * Entry encodings against values worked out by hand from the kbase and Utgard sources (kernel-facts.md §4–5): each
 * literal below is written bit by bit in its comment, independently of the encoder's constants.
 */
class EntryEncodingTest {

    @Test
    void kbaseAarch64PageAte() {
        // PA 0x1234_5678_9000, MEMATTR 2 (bits 4:2 = 010 -> 0x08), RW (1<<6 = 0x40), SHARE_BOTH (2<<8 = 0x200),
        // AF (0x400), type L3 ATE (3): low bits 0x40 | 0x08 | 0x200 | 0x400 | 3 = 0x64B
        long e = KbaseEntry.ate(Format.AARCH64, 3, 0x1234_5678_9000L, 2, true, true, Share.BOTH, false);
        assertThat(e).isEqualTo(0x1234_5678_964BL);
        assertThat(KbaseEntry.kind(Format.AARCH64, 3, e)).isEqualTo(Kind.ATE);
        assertThat(KbaseEntry.outputAddress(e)).isEqualTo(0x1234_5678_9000L);
        assertThat(KbaseEntry.memattr(e)).isEqualTo(2);
        assertThat(KbaseEntry.readable(Format.AARCH64, e)).isTrue();
        assertThat(KbaseEntry.writable(Format.AARCH64, e)).isTrue();
        assertThat(KbaseEntry.share(e)).isEqualTo(Share.BOTH);
        assertThat(KbaseEntry.accessFlag(e)).isTrue();
        assertThat(KbaseEntry.noExecute(e)).isFalse();
    }

    @Test
    void kbaseAarch64ReadOnlyNxInnerBlock() {
        // level-2 block: type 1; RO = 3<<6 = 0xC0; SHARE_IN = 3<<8 = 0x300; AF 0x400; MEMATTR 7 -> 0x1C; NX bit 54
        long e = KbaseEntry.ate(Format.AARCH64, 2, 0x20_0000L, 7, true, false, Share.INNER, true);
        assertThat(e).isEqualTo(0x0040_0000_0020_07DDL);
        assertThat(KbaseEntry.kind(Format.AARCH64, 2, e)).isEqualTo(Kind.ATE);
        assertThat(KbaseEntry.writable(Format.AARCH64, e)).isFalse();
        assertThat(KbaseEntry.readable(Format.AARCH64, e)).isTrue();
        assertThat(KbaseEntry.share(e)).isEqualTo(Share.INNER);
        assertThat(KbaseEntry.noExecute(e)).isTrue();
        assertThat(KbaseEntry.memattr(e)).isEqualTo(7);
    }

    @Test
    void kbaseLpaeAte() {
        // LPAE: type 1 at every level, RD bit 6 (0x40) + WR bit 7 (0x80), no AF; MEMATTR 1 -> 0x04; no share
        long e = KbaseEntry.ate(Format.LPAE, 3, 0xABC000L, 1, true, true, Share.NONE, false);
        assertThat(e).isEqualTo(0xABC0C5L);
        assertThat(KbaseEntry.kind(Format.LPAE, 3, e)).isEqualTo(Kind.ATE);
        assertThat(KbaseEntry.accessFlag(e)).isFalse();
        long wo = KbaseEntry.ate(Format.LPAE, 3, 0xABC000L, 0, false, true, Share.NONE, false);
        assertThat(wo).isEqualTo(0xABC081L); // LPAE has a write-only encoding
        assertThat(KbaseEntry.readable(Format.LPAE, wo)).isFalse();
        assertThat(KbaseEntry.writable(Format.LPAE, wo)).isTrue();
        assertThatThrownBy(() -> KbaseEntry.ate(Format.AARCH64, 3, 0xABC000L, 0, false, true, Share.NONE, false))
                .hasMessageContaining("write-only");
    }

    @Test
    void kbaseTableAndInvalidEntries() {
        long t = KbaseEntry.table(Format.AARCH64, 0x5000L);
        assertThat(t).isEqualTo(0x5403L); // PTE type 3 + AF
        assertThat(KbaseEntry.kind(Format.AARCH64, 0, t)).isEqualTo(Kind.TABLE);
        assertThat(KbaseEntry.kind(Format.AARCH64, 2, t)).isEqualTo(Kind.TABLE);
        // at level 3 the same type bits mean an ATE in AArch64 mode
        assertThat(KbaseEntry.kind(Format.AARCH64, 3, t)).isEqualTo(Kind.ATE);
        long lt = KbaseEntry.table(Format.LPAE, 0x5000L);
        assertThat(lt).isEqualTo(0x5003L);
        assertThat(KbaseEntry.kind(Format.LPAE, 1, lt)).isEqualTo(Kind.TABLE);
        assertThat(KbaseEntry.kind(Format.LPAE, 3, lt)).isEqualTo(Kind.INVALID);
        for (Format f : Format.values()) {
            for (int level = 0; level < 4; level++) {
                assertThat(KbaseEntry.kind(f, level, KbaseEntry.invalid())).isEqualTo(Kind.INVALID);
                assertThat(KbaseEntry.kind(f, level, 0L)).isEqualTo(Kind.INVALID);
            }
        }
    }

    @Test
    void everyKbaseFlagBitDecodesAlone() {
        long pa = 0x7000L;
        long base = KbaseEntry.ate(Format.AARCH64, 3, pa, 0, true, false, Share.NONE, false);
        // flipping exactly one field changes exactly its bits
        assertThat(KbaseEntry.ate(Format.AARCH64, 3, pa, 0, true, false, Share.NONE, true) ^ base).isEqualTo(1L << 54);
        assertThat(KbaseEntry.ate(Format.AARCH64, 3, pa, 0, true, true, Share.NONE, false) ^ base).isEqualTo(2L << 6);
        assertThat(KbaseEntry.ate(Format.AARCH64, 3, pa, 0, true, false, Share.BOTH, false) ^ base).isEqualTo(2L << 8);
        assertThat(KbaseEntry.ate(Format.AARCH64, 3, pa, 0, true, false, Share.INNER, false) ^ base).isEqualTo(3L << 8);
        for (int m = 0; m < 8; m++) {
            long e = KbaseEntry.ate(Format.AARCH64, 3, pa, m, true, false, Share.NONE, false);
            assertThat(e ^ base).isEqualTo((long) m << 2);
            assertThat(KbaseEntry.memattr(e)).isEqualTo(m);
        }
        for (int bit = 12; bit < 48; bit++) {
            long e = KbaseEntry.ate(Format.AARCH64, 3, 1L << bit, 0, true, false, Share.NONE, false);
            assertThat(KbaseEntry.outputAddress(e)).isEqualTo(1L << bit);
        }
        assertThatThrownBy(() -> KbaseEntry.ate(Format.AARCH64, 3, 0x7001L, 0, true, false, Share.NONE, false))
                .hasMessageContaining("0x7001");
        assertThatThrownBy(() -> KbaseEntry.ate(Format.AARCH64, 3, 1L << 48, 0, true, false, Share.NONE, false))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void kbaseTableIndexPerLevel() {
        long vpfn = 0b101010101_011001100_111000111_000111000L; // levels 0..3 from the top
        assertThat(KbaseEntry.index(vpfn, 0)).isEqualTo(0b101010101);
        assertThat(KbaseEntry.index(vpfn, 1)).isEqualTo(0b011001100);
        assertThat(KbaseEntry.index(vpfn, 2)).isEqualTo(0b111000111);
        assertThat(KbaseEntry.index(vpfn, 3)).isEqualTo(0b000111000);
    }

    @Test
    void utgardEntries() {
        int e = UtgardEntry.pte(0x8765_4000L, UtgardEntry.FLAGS_DEFAULT);
        assertThat(e).isEqualTo(0x8765_4007);
        assertThat(UtgardEntry.address(e)).isEqualTo(0x8765_4000L);
        assertThat(UtgardEntry.present(e)).isTrue();
        assertThat(UtgardEntry.readable(e)).isTrue();
        assertThat(UtgardEntry.writable(e)).isTrue();
        int ro = UtgardEntry.pte(0x1000, UtgardEntry.PRESENT | UtgardEntry.READ_PERMISSION);
        assertThat(UtgardEntry.writable(ro)).isFalse();
        int notPresent = UtgardEntry.pte(0x1000, UtgardEntry.READ_PERMISSION | UtgardEntry.WRITE_PERMISSION);
        assertThat(UtgardEntry.readable(notPresent)).isFalse();
        int[] flags = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x100};
        int[] named = {UtgardEntry.PRESENT, UtgardEntry.READ_PERMISSION, UtgardEntry.WRITE_PERMISSION,
                UtgardEntry.OVERRIDE_CACHE, UtgardEntry.WRITE_CACHEABLE, UtgardEntry.WRITE_ALLOCATE,
                UtgardEntry.WRITE_BUFFERABLE, UtgardEntry.READ_CACHEABLE, UtgardEntry.READ_ALLOCATE};
        assertThat(named).containsExactly(flags);
        for (int f : flags) {
            int x = UtgardEntry.pte(0xFFFF_F000L, f);
            assertThat(UtgardEntry.flags(x)).isEqualTo(f);
            assertThat(UtgardEntry.address(x)).isEqualTo(0xFFFF_F000L);
        }
        assertThat(UtgardEntry.FLAGS_FORCE_GP_READ_ALLOCATE).isEqualTo(0x1FF & ~UtgardEntry.WRITE_ALLOCATE);
        assertThat(UtgardEntry.pde(0x3000)).isEqualTo(0x3001);
        assertThat(UtgardEntry.pdeIndex(0xFFC0_0000)).isEqualTo(0x3FF);
        assertThat(UtgardEntry.pteIndex(0x0040_3000)).isEqualTo(3);
        assertThatThrownBy(() -> UtgardEntry.pte(0x1_0000_0000L, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UtgardEntry.pte(0x1000, 0x200)).hasMessageContaining("0x200");
    }

    @Test
    void kbaseFaultStatusAndLockRegion() {
        int st = KbaseFault.faultStatus(KbaseFault.Exception.PERMISSION, KbaseFault.Access.WRITE);
        assertThat(st).isEqualTo(0x308); // code 1 << 3, access 3 << 8
        assertThat(KbaseFault.exception(st)).isEqualTo(KbaseFault.Exception.PERMISSION);
        assertThat(KbaseFault.access(st)).isEqualTo(KbaseFault.Access.WRITE);
        assertThat(KbaseFault.faultStatus(KbaseFault.Exception.TRANSLATION, KbaseFault.Access.READ)).isEqualTo(0x200);
        assertThatThrownBy(() -> KbaseFault.exception(7 << 3)).hasMessageContaining("reserved");
        // one page at 0x10000: region 32 KiB minimum -> base 0x10000, width 15 -> low bits 14
        assertThat(KbaseFault.lockAddress(0x10, 1)).isEqualTo(0x10000L | 14);
        // pages 7..8 cross a 32 KiB boundary (0x7000..0x8FFF): smallest aligned region is 64 KiB at 0
        assertThat(KbaseFault.lockAddress(7, 2)).isEqualTo(15);
        // 512 pages from 0x200000: exactly one 2 MiB region
        assertThat(KbaseFault.lockAddress(0x200, 512)).isEqualTo(0x200000L | 20);
        assertThat(KbaseFault.lockRegionLog2(KbaseFault.lockAddress(0x200, 512))).isEqualTo(21);
    }
}
