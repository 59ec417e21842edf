package dev.gmc.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A one-line progress bar on stderr, drawn only when the process talks to a terminal (so logs and pipes stay clean),
 * at most ten times a second. With an unknown total (a stream, a compressed file) it shows bytes and rate only.
 */
final class Progress {
    private final PrintWriter err;
    private final long total;
    private final boolean enabled;
    private final String unit; // null: bytes
    private final long start = System.nanoTime();
    private long done;
    private long lastDraw;

    /** @param totalBytes the expected total, or a negative number if unknown */
    Progress(PrintWriter err, long totalBytes) {
        this(err, totalBytes, null);
    }

    private Progress(PrintWriter err, long total, String unit) {
        this.err = err;
        this.total = total < 0 ? -1 : Math.max(1, total);
        this.unit = unit;
        this.enabled = System.console() != null && System.getenv("GMC_NO_PROGRESS") == null;
    }

    /** A bar counting {@code total} items (say, the runs of a sweep) instead of bytes. */
    static Progress items(PrintWriter err, long total, String unit) {
        return new Progress(err, total, unit);
    }

    synchronized void advance(long bytes) {
        done += bytes;
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw > 100_000_000L) {
            lastDraw = now;
            double secs = Math.max(1e-9, (now - start) / 1e9);
            double mbps = done / 1e6 / secs;
            if (unit != null) {
                int pct = (int) Math.min(100, done * 100 / total);
                long eta = done == 0 ? 0 : Math.round(secs * Math.max(0, total - done) / done);
                err.printf(Locale.ROOT, "\r[%-30s] %3d%% %d/%d %s  eta %d s   ", "#".repeat(pct * 30 / 100), pct, done,
                        total, unit, eta);
            } else if (total < 0) {
                err.printf(Locale.ROOT, "\r%s  %.0f MB/s  %.0f s", Units.bytes(done), mbps, secs);
            } else {
                int pct = (int) Math.min(100, done * 100 / total);
                int bars = pct * 30 / 100;
                long eta = done == 0 ? 0 : Math.round(secs * Math.max(0, total - done) / done);
                err.printf(Locale.ROOT, "\r[%-30s] %3d%% %s  %.0f MB/s  eta %d s   ", "#".repeat(bars), pct,
                        Units.bytes(done), mbps, eta);
            }
            err.flush();
        }
    }

    synchronized void done() {
        if (enabled && lastDraw != 0) {
            err.print("\r" + " ".repeat(70) + "\r");
            err.flush();
        }
    }
}
