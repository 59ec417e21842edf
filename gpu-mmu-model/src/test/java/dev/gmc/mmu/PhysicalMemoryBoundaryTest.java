package dev.gmc.mmu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The emulated RAM's edges: its size limits, the frames at either end, accesses that would cross a frame, zeroing and
 * poisoning of reused frames, and the out-of-frames message. Each refusal must leave the counts as they were.
 */
class PhysicalMemoryBoundaryTest {
    private static final int PAGE = PhysicalMemory.PAGE_SIZE;

    @Test
    void ramSizesFrom64KiBTo128GiBInWholePagesAreAccepted() {
        PhysicalMemory.checkRamBytes(16L * PAGE);
        PhysicalMemory.checkRamBytes(1L << 37);
        PhysicalMemory.checkRamBytes(17L * PAGE);
        for (long bad : new long[] {15L * PAGE, 16L * PAGE - 1, 16L * PAGE + 1, (1L << 37) + PAGE, 0, -PAGE}) {
            assertThatThrownBy(() -> PhysicalMemory.checkRamBytes(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("RAM size " + bad + " bytes: expected a multiple of 4096 between 64 KiB and 128 GiB");
            assertThatThrownBy(() -> new PhysicalMemory(bad, false)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void theSmallestRamHandsOutFramesOneToFifteenLowestFirstThenRefusesWithItsSize() {
        PhysicalMemory mem = new PhysicalMemory(16L * PAGE, false);
        assertThat(mem.totalFrames()).isEqualTo(15);
        for (int pfn = 1; pfn <= 15; pfn++) {
            assertThat(mem.allocate(FrameKind.DATA, false)).as("allocation %d", pfn).isEqualTo(pfn);
            assertThat(mem.kind(pfn)).isEqualTo(FrameKind.DATA);
        }
        assertThat(mem.freeFrames()).isZero();
        assertThatThrownBy(() -> mem.allocate(FrameKind.GPU_TABLE, true)).isInstanceOf(OutOfFramesException.class)
                .hasMessage("out of physical frames while allocating GPU_TABLE (all 15 frames of 64 KiB RAM in use)");
        assertThat(mem.usedFrames()).as("the refused reservation is taken back").isEqualTo(15);
        assertThat(mem.peakUsedFrames()).isEqualTo(15);
        assertThat(mem.used(FrameKind.GPU_TABLE)).isZero();
        mem.free(15, FrameKind.DATA);
        assertThat(mem.allocate(FrameKind.GPU_TABLE, true)).as("the frame freed last").isEqualTo(15);
    }

    @Test
    void theOutOfFramesMessageGivesMiBOrKiB() {
        assertThat(new OutOfFramesException("DATA", 255).getMessage())
                .isEqualTo("out of physical frames while allocating DATA (all 255 frames of 1 MiB RAM in use)");
        assertThat(new OutOfFramesException("DATA", 256).getMessage())
                .isEqualTo("out of physical frames while allocating DATA (all 256 frames of 1028 KiB RAM in use)");
        assertThat(new OutOfFramesException("DATA", 4095).getMessage()).contains("of 16 MiB RAM");
    }

    @Test
    void aReusedFrameIsZeroedOnlyWhenAskedAndPoisonedOnFreeWhenConfigured() {
        for (boolean poison : new boolean[] {false, true}) {
            PhysicalMemory mem = new PhysicalMemory(1L << 20, poison);
            int a = mem.allocate(FrameKind.DATA, true);
            byte[] fresh = new byte[PAGE];
            mem.read((long) a << 12, fresh, 0, PAGE);
            assertThat(fresh).as("a fresh frame is zero").containsOnly(0);
            byte[] data = new byte[PAGE];
            Arrays.fill(data, (byte) 0x3c);
            mem.write((long) a << 12, data, 0, PAGE);
            mem.free(a, FrameKind.DATA);
            assertThat(mem.allocate(FrameKind.DATA, false)).as("LIFO").isEqualTo(a);
            byte[] got = new byte[PAGE];
            mem.read((long) a << 12, got, 0, PAGE);
            assertThat(got).as("not zeroed, poison %s", poison).containsOnly(poison ? PhysicalMemory.POISON : 0x3c);
            mem.write((long) a << 12, data, 0, PAGE);
            mem.free(a, FrameKind.DATA);
            assertThat(mem.allocate(FrameKind.DATA, true)).isEqualTo(a);
            mem.read((long) a << 12, got, 0, PAGE);
            assertThat(got).as("zeroed on request, poison %s", poison).containsOnly(0);
        }
    }

    @Test
    void framesOutsideTheRamAreRefusedByNumberAndChangeNothing() {
        PhysicalMemory mem = new PhysicalMemory(16L * PAGE, false);
        int a = mem.allocate(FrameKind.DATA, false);
        for (int bad : new int[] {0, -1, 16, Integer.MAX_VALUE}) {
            assertThatThrownBy(() -> mem.free(bad, FrameKind.DATA)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("PFN " + bad + " outside 1..15");
            assertThatThrownBy(() -> mem.kind(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("PFN " + bad + " outside 1..15");
        }
        assertThat(mem.kind(15)).isEqualTo(FrameKind.FREE);
        assertThatThrownBy(() -> mem.free(15, FrameKind.DATA)).isInstanceOf(IllegalStateException.class)
                .hasMessage("freeing frame 15 as DATA but it is FREE");
        assertThatThrownBy(() -> mem.free(a, FrameKind.FREE)).isInstanceOf(IllegalStateException.class)
                .hasMessage("freeing frame 1 as FREE but it is DATA");
        assertThatThrownBy(() -> mem.allocate(FrameKind.FREE, false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cannot allocate a FREE frame");
        assertThat(mem.usedFrames()).isEqualTo(1);
        assertThat(mem.used(FrameKind.DATA)).isEqualTo(1);
        assertThat(mem.kind(a)).isEqualTo(FrameKind.DATA);
    }

    @Test
    void accessesMustLieInOneFrameOfTheRam() {
        PhysicalMemory mem = new PhysicalMemory(16L * PAGE, false);
        for (int i = 0; i < 15; i++) {
            mem.allocate(FrameKind.DATA, true);
        }
        long last = 15L << 12;
        mem.writeLong(last + PAGE - 8, 0x1122334455667788L);
        assertThat(mem.readLong(last + PAGE - 8)).isEqualTo(0x1122334455667788L);
        mem.writeInt(last + PAGE - 4, 0x0badf00d);
        assertThat(mem.readInt(last + PAGE - 4)).isEqualTo(0x0badf00d);
        assertThat(mem.readLong(last + PAGE - 8)).as("little-endian").isEqualTo(0x0badf00d55667788L);
        mem.writeInt(1L << 12, 7);
        assertThat(mem.readInt(1L << 12)).as("the first byte of frame 1").isEqualTo(7);
        byte[] buf = new byte[PAGE];
        mem.read(last, buf, 0, PAGE); // a whole frame
        mem.read(last + PAGE - 1, buf, 0, 1); // the last byte
        String frame = " is outside one frame of the 16-frame RAM";
        assertThatThrownBy(() -> mem.readLong(last + PAGE - 4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("physical access of 8 bytes at 0xfffc" + frame);
        assertThatThrownBy(() -> mem.readInt(last + PAGE - 2)).hasMessage("physical access of 4 bytes at 0xfffe" + frame);
        assertThatThrownBy(() -> mem.writeInt(16L << 12, 1)).hasMessage("physical access of 4 bytes at 0x10000" + frame);
        assertThatThrownBy(() -> mem.readLong(8)).as("frame 0 means no page").hasMessage(
                "physical access of 8 bytes at 0x8" + frame);
        assertThatThrownBy(() -> mem.read(last + 1, buf, 0, PAGE)).hasMessage(
                "physical access of 4096 bytes at 0xf001" + frame);
        assertThatThrownBy(() -> mem.write(last, buf, 0, -1)).hasMessage(
                "physical access of -1 bytes at 0xf000" + frame);
        assertThatThrownBy(() -> mem.read(last + PAGE, buf, 0, 0)).as("nothing, but past the RAM's end")
                .hasMessage("physical access of 0 bytes at 0x10000" + frame);
        assertThatThrownBy(() -> mem.readLong(-8)).isInstanceOf(IllegalArgumentException.class);
        assertThat(mem.readLong(last + PAGE - 8)).as("unchanged").isEqualTo(0x0badf00d55667788L);
    }
}
