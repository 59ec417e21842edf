package dev.gmc.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A one-line progress bar on stderr, drawn only when the process talks to a terminal (so logs and pipes stay clean),
 * at most ten times a second.
 */
final class Progress {
    private final PrintWriter err;
    private final long total;
    private final boolean enabled;
    private final long start = System.nanoTime();
    private long done;
    private long lastDraw;

    Progress(PrintWriter err, long totalBytes) {
        this.err = err;
        this.total = Math.max(1, totalBytes);
        this.enabled = System.console() != null && System.getenv("GMC_NO_PROGRESS") == null;
    }

    void advance(long bytes) {
        done += bytes;
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw > 100_000_000L) {
            lastDraw = now;
            int pct = (int) Math.min(100, done * 100 / total);
            int bars = pct * 30 / 100;
            double mbps = done / 1e6 / Math.max(1e-9, (now - start) / 1e9);
            err.printf(Locale.ROOT, "\r[%-30s] %3d%% %s  %.0f MB/s", "#".repeat(bars), pct, Units.bytes(done), mbps);
            err.flush();
        }
    }

    void done() {
        if (enabled && lastDraw != 0) {
            err.print("\r" + " ".repeat(70) + "\r");
            err.flush();
        }
    }
}
