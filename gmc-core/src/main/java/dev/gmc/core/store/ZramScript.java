package dev.gmc.core.store;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A zram workload as {@code scripts/oracle/arm-zram.sh} runs it on a real kernel (its {@code WB_OPS} file), run on a
 * {@link ZramDevice}, printing what the script prints, so that the two outputs can be compared line by line. One
 * operation per line (blank lines count, as the script's line counter does):
 * <pre>
 *   W SLOT SRC   write page SRC of the source pages into SLOT      R SLOT   read SLOT (checked against what was written)
 *   D SLOT       discard SLOT                                     I        echo all &gt; idle
 *   A TEXT       echo TEXT &gt; idle (an age in seconds)              B TEXT   echo TEXT &gt; writeback
 *   C            echo 1 &gt; compact                                  S        print mm_stat and bd_stat
 *   E N          echo N &gt; writeback_limit_enable                   L N      echo N &gt; writeback_limit
 *   Q            print writeback_limit_enable and writeback_limit T N      sleep N seconds (moves the device's clock)
 *   U            echo the clock's seconds &gt; idle (an age equal to the clock: a cutoff of 0)
 * </pre>
 * Printed lines, blanks collapsed: {@code wb ALGO N mm <mm_stat> bd <bd_stat>} (S), {@code wb ALGO N limit E L} (Q),
 * and for each refusal {@code wb ALGO N TEXT failed ERRNO} (B) or {@code wb ALGO N idle TEXT failed EINVAL} (A, U), where
 * N is the operation's line number. Every read, and every slot at the end, must give back the bytes last written
 * there (or zeros): a difference is an {@link IllegalStateException} naming the line and slot.
 *
 * <p>{@link #runChurn} runs the script's other format ({@code CHURN_OPS}): lines {@code SLOT SRC} (write) and
 * {@code C} (print {@code churn ALGO N written <mm_stat>}, compact, print {@code churn ALGO N compacted <mm_stat>},
 * N being the writes so far).
 */
public final class ZramScript {
    /**
     * What a run printed, the refusals among it, and how many operations and page reads (with their bytes checked)
     * it made.
     */
    public record Outcome(List<String> lines, List<String> refusals, int operations, long pagesChecked) {
        public Outcome {
            lines = List.copyOf(lines);
            refusals = List.copyOf(refusals);
        }
    }

    private ZramScript() {
    }

    /**
     * Runs {@code ops} on {@code dev}.
     *
     * @param dev      a device whose clock this run sets (starting at {@code startSeconds}; only {@code T} moves it)
     * @param ops      the ops file's lines
     * @param pages    the source pages ({@code CHURN_SRC}), of the device's page size
     * @param algo     the compressor's name as the script prints it ({@code lz4})
     * @param mmFields how many {@code mm_stat} numbers the kernel prints (8 before 5.11, else 9)
     * @throws IllegalArgumentException for a line that is not an operation above, naming its number
     * @throws IllegalStateException    if a slot reads back other bytes than were written there
     */
    public static Outcome run(ZramDevice dev, List<String> ops, byte[] pages, String algo, int mmFields,
                              long startSeconds) {
        int ps = dev.pageSize();
        int sources = checkPages(pages, ps);
        long[] now = {startSeconds};
        dev.clock(() -> now[0]);
        byte[][] model = new byte[dev.size()][];
        byte[] back = new byte[ps];
        List<String> lines = new ArrayList<>();
        List<String> refusals = new ArrayList<>();
        long checked = 0;
        for (Op op : numbered(ops)) {
            int n = op.n();
            String line = op.line();
            String[] f = op.fields();
            String rest = line.length() > 1 ? line.substring(2).strip() : "";
            String prefix = "wb " + algo + " " + n + " ";
            try {
                switch (f[0]) {
                    case "W" -> {
                        write(dev, model, slot(dev, f, n), pages, number(f, 2, n, sources, "source page"));
                    }
                    case "R" -> {
                        int slot = slot(dev, f, n);
                        dev.read(slot, back, 0);
                        check(model[slot], back, n, slot);
                        checked++;
                    }
                    case "D" -> {
                        int slot = slot(dev, f, n);
                        dev.discard(slot);
                        model[slot] = null;
                    }
                    case "I" -> dev.markIdle();
                    case "A" -> {
                        try {
                            dev.markIdle(rest);
                        } catch (IllegalArgumentException e) {
                            refusals.add(prefix + "idle " + rest + " failed EINVAL");
                            lines.add(refusals.get(refusals.size() - 1));
                        }
                    }
                    case "B" -> {
                        ZramDevice.WritebackReport r = dev.writeback(rest);
                        if (r.error() != null) {
                            refusals.add(prefix + rest + " failed " + r.error());
                            lines.add(refusals.get(refusals.size() - 1));
                        }
                    }
                    case "C" -> {
                        dev.compact();
                        dev.store().checkInvariants();
                    }
                    case "S" -> lines.add((prefix + "mm " + firstFields(dev.mmStat().toString(), mmFields) + " bd "
                            + dev.bdStat()).replaceAll("\\s+", " ").strip());
                    case "E" -> dev.writebackLimitEnable(unsigned(f, n) != 0); // kstrtoull, then a bool
                    case "L" -> dev.writebackLimit(unsigned(f, n));
                    case "Q" -> lines.add(prefix + "limit " + (dev.writebackLimitEnabled() ? 1 : 0) + " "
                            + Long.toUnsignedString(dev.writebackLimit()));
                    case "T" -> now[0] += number(f, 1, n, Integer.MAX_VALUE, "seconds");
                    case "U" -> { // echo $(seconds since boot) > idle: an age equal to the clock
                        try {
                            dev.markIdle(Long.toString(now[0]));
                        } catch (IllegalArgumentException e) {
                            refusals.add(prefix + "idle " + now[0] + " failed EINVAL");
                            lines.add(refusals.get(refusals.size() - 1));
                        }
                    }
                    default -> throw new IllegalArgumentException("ops line " + n + ": '" + line + "' (expected W, R, D, "
                            + "I, A, B, C, S, E, L, Q, T or U)");
                }
            } catch (IllegalStateException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("ops line")) {
                    throw e;
                }
                throw new IllegalArgumentException("ops line " + n + ": '" + line + "': " + e.getMessage(), e);
            }
        }
        checked += checkAll(dev, model, ops.size());
        return new Outcome(lines, refusals, ops.size(), checked);
    }

    /**
     * Writes source page {@code src} into {@code slot} and notes in {@code model} what the slot holds now: the page,
     * or after a refused write (mem_limit) its old contents, or nothing where the kernel freed them first (6.14).
     */
    private static void write(ZramDevice dev, byte[][] model, int slot, byte[] pages, int src) {
        int ps = dev.pageSize();
        if (dev.write(slot, pages, src * ps)) {
            model[slot] = Arrays.copyOfRange(pages, src * ps, src * ps + ps);
        } else if (dev.behaviour().slotFree() == ZramDevice.SlotFree.BEFORE_COMPRESSION) {
            model[slot] = null;
        }
    }

    private static int checkPages(byte[] pages, int ps) {
        if (pages.length % ps != 0 || pages.length == 0) {
            throw new IllegalArgumentException("source pages: " + pages.length + " bytes (expected a non-zero multiple "
                    + "of the device's " + ps + "-byte page)");
        }
        return pages.length / ps;
    }

    /** Reads every slot back against {@code model} (null: zeros); returns the slots read. */
    private static long checkAll(ZramDevice dev, byte[][] model, int n) {
        byte[] back = new byte[dev.pageSize()];
        for (int slot = 0; slot < model.length; slot++) {
            dev.read(slot, back, 0);
            check(model[slot], back, n, slot);
        }
        return model.length;
    }

    /**
     * Runs churn ops ({@code CHURN_OPS}: {@code SLOT SRC} writes and {@code C} checkpoints) on {@code dev}; the
     * parameters are {@link #run}'s.
     */
    public static Outcome runChurn(ZramDevice dev, List<String> ops, byte[] pages, String algo, int mmFields) {
        int ps = dev.pageSize();
        int sources = checkPages(pages, ps);
        byte[][] model = new byte[dev.size()][];
        List<String> lines = new ArrayList<>();
        int writes = 0;
        for (Op op : numbered(ops)) {
            int n = op.n();
            String line = op.line();
            String[] f = op.fields();
            if (line.equals("C")) {
                lines.add("churn " + algo + " " + writes + " written " + firstFields(dev.mmStat().toString(), mmFields));
                dev.compact();
                dev.store().checkInvariants();
                lines.add("churn " + algo + " " + writes + " compacted "
                        + firstFields(dev.mmStat().toString(), mmFields));
                continue;
            }
            if (f.length != 2) {
                throw new IllegalArgumentException("ops line " + n + ": '" + line + "' (expected SLOT SRC or C)");
            }
            write(dev, model, number(f, 0, n, dev.size(), "slot"), pages, number(f, 1, n, sources, "source page"));
            writes++;
        }
        long checked = checkAll(dev, model, ops.size());
        return new Outcome(lines, List.of(), ops.size(), checked);
    }

    /** One operation: its line number (blank lines count, as the script's counter does), text and fields. */
    private record Op(int n, String line, String[] fields) {
    }

    private static List<Op> numbered(List<String> ops) {
        List<Op> out = new ArrayList<>(ops.size());
        for (int i = 0; i < ops.size(); i++) {
            String line = ops.get(i).strip();
            if (!line.isEmpty()) {
                out.add(new Op(i + 1, line, line.split("\\s+")));
            }
        }
        return out;
    }

    /** True if {@code ops} are churn ops: the first operation is {@code SLOT SRC} (two numbers). */
    public static boolean isChurn(List<String> ops) {
        return ops.stream().map(String::strip).filter(l -> !l.isEmpty()).findFirst()
                .map(l -> l.matches("\\d+\\s+\\d+")).orElse(false);
    }

    /**
     * A line of the script's output as {@link #run} and {@link #runChurn} print it: blanks collapsed, and a refusal's
     * shell message ({@code sh: write error: No space left on device}) turned into the kernel's error number
     * ({@code ENOSPC}); null for a line that is not a writeback or churn line of compressor {@code algo} (the
     * write-once lines, {@code done}).
     */
    public static String kernelLine(String line, String algo) {
        String l = line.strip().replaceAll("\\s+", " ");
        if (!l.startsWith("wb " + algo + " ") && !l.startsWith("churn " + algo + " ")) {
            return null;
        }
        return l.replaceFirst(" failed: .*No space left on device$", " failed ENOSPC")
                .replaceFirst(" failed: .*(I/O error|Input/output error)$", " failed EIO")
                .replaceFirst(" failed: .*Invalid argument$", " failed EINVAL")
                .replaceFirst(" failed: .*(Numerical result out of range|Result not representable)$", " failed ERANGE")
                .replaceFirst(" failed: .*No such device$", " failed ENODEV");
    }

    /** The first {@code n} numbers of an mm_stat line, blanks collapsed. */
    static String firstFields(String line, int n) {
        String[] f = line.trim().split("\\s+");
        return String.join(" ", Arrays.copyOf(f, Math.min(n, f.length)));
    }

    private static void check(byte[] want, byte[] got, int n, int slot) {
        if (want == null ? !isZero(got) : !Arrays.equals(want, got)) {
            int at = 0;
            while (at < got.length && (want == null ? 0 : want[at]) == got[at]) {
                at++;
            }
            throw new IllegalStateException("ops line " + n + ": slot " + slot + " read back other bytes than were "
                    + "written there (first difference at byte " + at + ")");
        }
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static int slot(ZramDevice dev, String[] f, int n) {
        return number(f, 1, n, dev.size(), "slot");
    }

    /** Field {@code k} as a number in [0, limit). */
    private static int number(String[] f, int k, int n, int limit, String what) {
        long v = k < f.length ? parse(f[k]) : -1;
        if (v < 0 || v >= limit) {
            throw new IllegalArgumentException("ops line " + n + ": '" + String.join(" ", f) + "' (" + what + " "
                    + (k < f.length ? "'" + f[k] + "'" : "missing") + ": expected 0.." + (limit - 1) + ")");
        }
        return (int) v;
    }

    private static long unsigned(String[] f, int n) {
        try {
            return Long.parseUnsignedLong(f.length > 1 ? f[1] : "");
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("ops line " + n + ": '" + String.join(" ", f) + "' (expected an "
                    + "unsigned number)", e);
        }
    }

    private static long parse(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
