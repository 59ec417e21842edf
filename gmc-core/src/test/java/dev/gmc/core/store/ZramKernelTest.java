package dev.gmc.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gmc.core.codec.CodecSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link ZramKernel}: versions as they are written, and the codec each kernel's zram compresses with. (Its class
 * rule and {@link ZramDevice.Behaviour} for the checked kernels are ArmKernelTest's golden runs, which take them from
 * here.)
 */
class ZramKernelTest {

    @Test
    void versionsParseFromTheFormsUnameAndPackagesUse() {
        assertThat(ZramKernel.parse("6.6")).isEqualTo(new ZramKernel(6, 6));
        assertThat(ZramKernel.parse("5.15.148")).isEqualTo(new ZramKernel(5, 15));
        assertThat(ZramKernel.parse("6.6.30-android15-8-g1234")).isEqualTo(new ZramKernel(6, 6));
        assertThat(ZramKernel.parse("6.12-arm64-16k").toString()).isEqualTo("6.12");
        assertThat(ZramKernel.parse(" 6.18.44-fc-v595 ").toString()).isEqualTo("6.18");
        assertThat(ZramKernel.parse("android14-6.1")).isEqualTo(new ZramKernel(6, 1)); // GKI branches
        assertThat(ZramKernel.parse("Android13-5.15")).isEqualTo(new ZramKernel(5, 15));
        assertThatThrownBy(() -> ZramKernel.parse("android15")).hasMessageContaining("or android15-6.6)");
        assertThatThrownBy(() -> ZramKernel.parse("six")).hasMessageContaining("'six' (expected a version");
        assertThatThrownBy(() -> ZramKernel.parse("6")).hasMessageContaining("'6'");
        assertThatThrownBy(() -> ZramKernel.parse("4.19")).hasMessageContaining("Linux 4.19 (gmc emulates 5.4");
        assertThat(ZramKernel.parse("6.6").checked()).isFalse();
        assertThat(ZramKernel.CHECKED).allMatch(v -> ZramKernel.parse(v).checked());
        // at 16 KiB pages only Debian's arm64-16k kernels were booted (docs/results/arm64-16k-zram/)
        assertThat(ZramKernel.CHECKED_16K).allMatch(v -> ZramKernel.parse(v).checked(16384)).isSubsetOf(ZramKernel.CHECKED);
        assertThat(ZramKernel.parse("5.15").checked(16384)).isFalse();
        assertThat(ZramKernel.parse("5.15").checked(4096)).isTrue();
        assertThat(ZramKernel.parse("6.12").checked(65536)).isFalse();
        assertThat(ZramKernel.parse("5.15").uncheckedNote(16384)).isEqualTo(" (not checked at 16 KiB pages)");
        assertThat(ZramKernel.parse("6.6").uncheckedNote(4096)).isEqualTo(" (not checked)");
        assertThat(ZramKernel.parse("7.3").uncheckedNote(16384)).isEmpty();
    }

    @Test
    void classesAndReleasesChangeWhereTheKernelChangedThem() {
        assertThat(ZramKernel.parse("6.2").legacyClasses()).isTrue();
        assertThat(ZramKernel.parse("6.3").legacyClasses()).isFalse();
        assertThat(ZramKernel.parse("5.15").zstdRelease()).isEqualTo("1.3.1");
        assertThat(ZramKernel.parse("6.1").zstdRelease()).isEqualTo("1.4.10");
        assertThat(ZramKernel.parse("6.14").zstdRelease()).isEqualTo("1.5.2");
        assertThat(ZramKernel.parse("6.17").zstdRelease()).isEqualTo("1.5.7");
        assertThat(ZramKernel.parse("6.13").behaviour()).isEqualTo(ZramDevice.Behaviour.LINUX_6_12);
        assertThat(ZramKernel.parse("6.15").behaviour()).isEqualTo(ZramDevice.Behaviour.LINUX_6_14);
        assertThat(ZramKernel.parse("6.16").behaviour()).isEqualTo(ZramDevice.Behaviour.LINUX_6_18);
        assertThat(ZramKernel.parse("6.18").behaviour()).isEqualTo(ZramDevice.Behaviour.LINUX_6_18);
        assertThat(ZramKernel.parse("6.19").behaviour()).isEqualTo(ZramDevice.Behaviour.LINUX_6_19);
        assertThat(ZramKernel.parse("7.2").behaviour()).isEqualTo(ZramDevice.Behaviour.LINUX_7_0);
        assertThat(ZramKernel.parse("7.3.4").behaviour()).isEqualTo(ZramDevice.Behaviour.LINUX_7_3);
        assertThat(ZramKernel.parse("6.5").behaviour()).isEqualTo(ZramDevice.Behaviour.LINUX_6_2);
        assertThat(ZramKernel.parse("6.8").behaviour()).isEqualTo(ZramDevice.Behaviour.LINUX_6_12);
        assertThat(ZramKernel.parse("6.1").recompression()).isFalse();
        assertThat(ZramKernel.parse("6.2").recompression()).isTrue();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
            "5.4  | lz4        | lz4-kernel",
            "5.4  | lzo-rle    | lzo-rle",
            "6.6  | lz4hc      | lz4hc-kernel",
            "6.6  | zstd       | zstd-crypto",
            "6.2  | zstd       | zstd-crypto",
            "6.11 | zstd-crypto | zstd-crypto",
            "5.4  | zstd       | zstd-1.3.1",
            "5.15.148 | zstd   | zstd-1.3.1",
            "5.10-android12 | zstd-1.3.1 | zstd-1.3.1",
            "5.16 | zstd       | zstd-1.4.10",
            "android14-6.1 | zstd | zstd-1.4.10",
            "6.1.90 | zstd-1.4.10 | zstd-1.4.10",
            "6.12 | lz4:4      | lz4-kernel:4",
            "6.12 | lz4hc:12   | lz4hc-kernel:12",
            "6.14 | deflate:1  | deflate:1",
            "6.8  | 842        | 842"})
    void codecsBecomeTheKernelsOwn(String kernel, String asked, String want) {
        assertThat(ZramKernel.parse(kernel).codecFor(CodecSpec.parse(asked)).toString()).isEqualTo(want);
    }

    @Test
    void whatAKernelCannotDoIsRefusedNamingIt() {
        assertThatThrownBy(() -> ZramKernel.parse("6.8").codecFor(CodecSpec.parse("zstd:7")))
                .hasMessageContaining("Linux 6.8's zram takes no compression level");
        assertThatThrownBy(() -> ZramKernel.parse("6.8").codecFor(CodecSpec.parse("zstd").withDictionary(new byte[64])))
                .hasMessageContaining("takes no dictionary");
        assertThatThrownBy(() -> ZramKernel.parse("6.12").codecFor(CodecSpec.parse("zstd-crypto")))
                .hasMessageContaining("use zstd");
        assertThatThrownBy(() -> ZramKernel.parse("5.16").codecFor(CodecSpec.parse("zstd-crypto")))
                .hasMessageContaining("Linux 5.16's zstd is zstd 1.4.10 (zstd-crypto is 6.2 to 6.11's); use zstd");
        assertThatThrownBy(() -> ZramKernel.parse("6.1").codecFor(CodecSpec.parse("zstd-1.3.1")))
                .hasMessageContaining("Linux 6.1's zstd is zstd 1.4.10 (zstd-1.3.1 is 5.4 to 5.15's); use zstd");
        assertThatThrownBy(() -> ZramKernel.parse("6.2").codecFor(CodecSpec.parse("zstd-1.4.10")))
                .hasMessageContaining("Linux 6.2's zstd is zstd 1.5.2 (zstd-1.4.10 is 5.16 to 6.1's); use zstd");
        assertThatThrownBy(() -> ZramKernel.parse("5.15").codecFor(CodecSpec.parse("zstd-1.4.10")))
                .hasMessageContaining("Linux 5.15's zstd is zstd 1.3.1 (zstd-1.4.10 is 5.16 to 6.1's); use zstd");
        assertThatThrownBy(() -> ZramKernel.parse("6.12").codecFor(CodecSpec.parse("zstd-1.4.10")))
                .hasMessageContaining("Linux 6.12 compresses zstd with its own backend (zstd-1.4.10 is 5.16 to 6.1's)");
        assertThatThrownBy(() -> ZramKernel.parse("6.8").codecFor(CodecSpec.parse("zstd-1.3.1")))
                .hasMessageContaining("Linux 6.8's zstd is zstd 1.5.2 (zstd-1.3.1 is 5.4 to 5.15's); use zstd");
        assertThatThrownBy(() -> ZramKernel.parse("5.15").codecFor(CodecSpec.parse("zstd-crypto")))
                .hasMessageContaining("Linux 5.15's zstd is zstd 1.3.1 (zstd-crypto is 6.2 to 6.11's); use zstd");
        assertThatThrownBy(() -> ZramKernel.parse("5.15").codecFor(CodecSpec.parse("zstd:7")))
                .hasMessageContaining("takes no compression level");
        String other = CodecSpec.zstdRelease().equals("1.5.2") ? "6.17" : "6.12";
        assertThatThrownBy(() -> ZramKernel.parse(other).codecFor(CodecSpec.parse("zstd")))
                .hasMessageContaining("this gmc links zstd " + CodecSpec.zstdRelease());
        String same = CodecSpec.zstdRelease().equals("1.5.2") ? "6.12" : "6.17";
        assertThat(ZramKernel.parse(same).codecFor(CodecSpec.parse("zstd:-1")).toString()).isEqualTo("zstd:-1");
    }
}
