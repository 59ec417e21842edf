import java.awt.image.BufferedImage;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Bench-data helper (scripts/bench-data.sh): a process whose memory looks like an app's — a JVM heap that ran gmc
 * measure, plus decoded images held as RGBA8888 surfaces with 64-byte row pitch — then waits to be captured.
 */
public class Hold {
    static final List<Object> KEEP = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        for (String a : args) {
            try {
                BufferedImage img = ImageIO.read(new File(a));
                if (img == null) continue;
                int w = img.getWidth(), h = img.getHeight();
                int pitch = (w * 4 + 63) & ~63;
                byte[] surf = new byte[pitch * h];
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int argb = img.getRGB(x, y);
                        int o = y * pitch + x * 4;
                        surf[o] = (byte) (argb >> 16); surf[o + 1] = (byte) (argb >> 8);
                        surf[o + 2] = (byte) argb; surf[o + 3] = (byte) (argb >>> 24);
                    }
                }
                KEEP.add(surf);
            } catch (Exception e) {
                // not an image ImageIO reads: skip
            }
        }
        dev.gmc.cli.Main.run("measure", "samples", "--algo", "lz4,zstd:3,lz4hc:9");
        System.out.println("ready " + ProcessHandle.current().pid());
        System.out.flush();
        Thread.sleep(600_000);
    }
}
