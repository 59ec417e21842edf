package dev.gmc.driver.replay;

import dev.gmc.driver.Policies;
import dev.gmc.core.text.Utf8Text;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A parsed and validated gmc trace (format in docs/TRACE-FORMAT.md). Parsing checks every line before anything
 * runs: the command, the number of fields, numbers, options, and that every context and buffer name is defined
 * before use, so that a malformed trace fails with the line and field named and nothing half-replayed.
 */
public final class Trace {
    /** Positional fields per command: name:type, type one of int, name, newname, ctx, buf, addr, word. */
    static final Map<String, String[]> COMMANDS = new LinkedHashMap<>();
    /** Options each command accepts. */
    static final Map<String, Set<String>> OPTIONS = new LinkedHashMap<>();

    static {
        cmd("driver", "NAME:word", "format", "ram", "algo", "policy", "threshold", "remap", "tlb", "restore", "compress",
                "min-pages", "daemon", "reclaim", "recompress", "recompress-after", "recompress-threshold",
                "recompress-compact", "pool", "arch");
        cmd("process", "PID:int NAME:word");
        cmd("context", "CONTEXT:newctx PID:int");
        cmd("alloc", "BUFFER:newbuf CONTEXT:ctx PAGES:int", "type", "content", "seed", "gpu");
        cmd("cpumap", "BUFFER:buf PID:int");
        cmd("gpumap", "BUFFER:buf");
        cmd("background", "PID:int");
        cmd("foreground", "PID:int");
        cmd("compress", "BUFFER:buf");
        cmd("recompress", "BUFFER:buf", "threshold");
        cmd("compact", "");
        cmd("cpu-read", "PID:int ADDR:addr LEN:int", "expect");
        cmd("cpu-write", "PID:int ADDR:addr LEN:int", "content", "seed", "expect");
        cmd("gpu-read", "CONTEXT:ctx ADDR:addr LEN:int", "expect");
        cmd("gpu-write", "CONTEXT:ctx ADDR:addr LEN:int", "content", "seed", "expect");
        cmd("job", "CONTEXT:ctx", "uses", "read", "write", "content", "seed", "expect");
        cmd("free", "BUFFER:buf");
        cmd("check", "");
        cmd("stats", "", "label");
        cmd("assert", "");
    }

    private static void cmd(String name, String fields, String... opts) {
        COMMANDS.put(name, fields.isEmpty() ? new String[0] : fields.split(" "));
        OPTIONS.put(name, Set.of(opts));
    }

    /** One command line. Options may repeat ({@code read=}, {@code write=} of a job). */
    public record Line(int number, String command, List<String> fields, List<String[]> options) {
        public String field(int i) {
            return fields.get(i);
        }

        public String opt(String key, String dflt) {
            for (String[] o : options) {
                if (o[0].equals(key)) {
                    return o[1];
                }
            }
            return dflt;
        }

        public List<String> opts(String key) {
            List<String> out = new ArrayList<>();
            for (String[] o : options) {
                if (o[0].equals(key)) {
                    out.add(o[1]);
                }
            }
            return out;
        }
    }

    private final String file;
    private final Path baseDir;
    private final List<Line> lines;
    private final Policies policies;

    private Trace(String file, Path baseDir, List<Line> lines, Policies policies) {
        this.file = file;
        this.baseDir = baseDir;
        this.lines = lines;
        this.policies = policies;
    }

    /** The daemon policies this trace's {@code daemon=} was resolved against. */
    public Policies policies() {
        return policies;
    }

    /** The driver line, parsed. */
    DriverOptions driverOptions() {
        return DriverOptions.of(file, header(), policies);
    }

    public String file() {
        return file;
    }

    /** The directory relative {@code content=file:} paths are resolved against. */
    public Path baseDir() {
        return baseDir;
    }

    public List<Line> lines() {
        return lines;
    }

    public Line header() {
        return lines.get(0);
    }

    /**
     * This trace with options of its {@code driver} line set to {@code values} (replacing the line's own; the others
     * kept), checked as the line's own are: for {@code gmc sweep} and {@code gmc replay --restore}.
     *
     * @throws TraceException naming the driver line and the option if a key is not a driver option or a value is
     *                        malformed
     */
    public Trace withDriverOptions(Map<String, String> values) {
        Line h = header();
        List<String[]> opts = new ArrayList<>();
        for (String[] o : h.options()) {
            if (!values.containsKey(o[0])) {
                opts.add(o);
            }
        }
        for (Map.Entry<String, String> e : values.entrySet()) {
            if (!isDriverOption(e.getKey())) {
                throw noSuchOption(file, h.number(), "driver", e.getKey());
            }
            opts.add(new String[] {e.getKey(), e.getValue()});
        }
        Line nh = new Line(h.number(), h.command(), h.fields(), List.copyOf(opts));
        validateOptions(file, nh, Set.of(), Set.of());
        DriverOptions.of(file, nh, policies);
        List<Line> all = new ArrayList<>(lines);
        all.set(0, nh);
        return new Trace(file, baseDir, List.copyOf(all), policies);
    }

    /** A driver-line key: one of its options, or a daemon policy's own {@code NAME.KEY} (checked by DriverOptions). */
    private static boolean isDriverOption(String key) {
        return OPTIONS.get("driver").contains(key) || key.indexOf('.') > 0;
    }

    /** Parses a trace file; {@code daemon=} is resolved against {@link Policies#standard()}. */
    public static Trace parse(Path p) throws IOException {
        return parse(p, Policies.standard());
    }

    /** Parses a trace file, resolving {@code daemon=} and {@code NAME.KEY=} against {@code policies}. */
    public static Trace parse(Path p, Policies policies) throws IOException {
        String text;
        try {
            text = Utf8Text.decode(Files.readAllBytes(p));
        } catch (Utf8Text.MalformedTextException e) {
            throw new TraceException(p.toString(), e.malformed().line(), null, e.malformed().describe());
        }
        return parse(p.toString(), p.toAbsolutePath().getParent(), new StringReader(text), policies);
    }

    public static Trace parse(String name, String text) {
        return parse(name, text, Policies.standard());
    }

    public static Trace parse(String name, String text, Policies policies) {
        try {
            return parse(name, Path.of("."), new StringReader(text), policies);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static Trace parse(String file, Path baseDir, Reader reader, Policies policies) throws IOException {
        BufferedReader in = new BufferedReader(reader);
        List<Line> out = new ArrayList<>();
        Set<String> contexts = new HashSet<>();
        Set<String> buffers = new HashSet<>();
        boolean sawMagic = false;
        String s;
        int n = 0;
        while ((s = in.readLine()) != null) {
            n++;
            int hash = s.indexOf('#');
            String t = (hash >= 0 ? s.substring(0, hash) : s).trim();
            if (t.isEmpty()) {
                continue;
            }
            String[] tok = t.split("\\s+");
            if (!sawMagic) {
                if (!tok[0].equals("gmc-trace") || tok.length != 2 || !tok[1].equals("1")) {
                    throw new TraceException(file, n, null, "the first line must be 'gmc-trace 1', got '" + t + "'");
                }
                sawMagic = true;
                continue;
            }
            String command = tok[0].toLowerCase(Locale.ROOT);
            String[] spec = COMMANDS.get(command);
            if (spec == null) {
                throw new TraceException(file, n, null, "unknown command '" + tok[0] + "' (expected one of "
                        + String.join(", ", COMMANDS.keySet()) + ")");
            }
            if (out.isEmpty() != command.equals("driver")) {
                throw new TraceException(file, n, null, out.isEmpty() ? "the first command must be 'driver'"
                        : "'driver' may appear only once, first");
            }
            List<String> fields = new ArrayList<>();
            List<String[]> options = new ArrayList<>();
            for (int i = 1; i < tok.length; i++) {
                int eq = tok[i].indexOf('=');
                if (eq > 0) {
                    String key = tok[i].substring(0, eq).toLowerCase(Locale.ROOT);
                    if (command.equals("assert")) {
                        try {
                            CounterAssertion.parse(key, tok[i].substring(eq + 1));
                        } catch (IllegalArgumentException e) {
                            throw new TraceException(file, n, key, e.getMessage());
                        }
                    } else if (command.equals("driver") ? !isDriverOption(key) : !OPTIONS.get(command).contains(key)) {
                        throw noSuchOption(file, n, command, key);
                    }
                    options.add(new String[] {key, tok[i].substring(eq + 1)});
                } else {
                    if (!options.isEmpty()) {
                        throw new TraceException(file, n, String.valueOf(i + 1), "positional field '" + tok[i]
                                + "' after options");
                    }
                    fields.add(tok[i]);
                }
            }
            int optional = command.equals("stats") ? 1 : 0;
            if (fields.size() != spec.length && !(optional == 1 && fields.size() <= 1)) {
                throw new TraceException(file, n, null, "'" + command + "' takes " + spec.length + " field(s) ("
                        + String.join(" ", spec).replaceAll(":[a-z]+", "") + "), got " + fields.size());
            }
            for (int i = 0; i < spec.length && i < fields.size(); i++) {
                String[] ft = spec[i].split(":");
                validate(file, n, ft[0], ft[1], fields.get(i), contexts, buffers);
            }
            if (command.equals("assert") && options.isEmpty()) {
                throw new TraceException(file, n, null, "'assert' takes one or more KEY=VALUE (e.g. "
                        + "cpu_faults_major=12 or saved_bytes=1M..)");
            }
            Line line = new Line(n, command, List.copyOf(fields), List.copyOf(options));
            if (!command.equals("assert")) {
                validateOptions(file, line, contexts, buffers);
            }
            if (command.equals("driver")) {
                DriverOptions.of(file, line, policies); // the daemon policy and its options
            }
            out.add(line);
        }
        if (!sawMagic) {
            throw new TraceException(file, Math.max(n, 1), null, "empty trace (expected 'gmc-trace 1' first)");
        }
        if (out.isEmpty()) {
            throw new TraceException(file, n, null, "no 'driver' command");
        }
        return new Trace(file, baseDir, List.copyOf(out), policies);
    }

    private static void validate(String file, int n, String name, String type, String v, Set<String> contexts,
            Set<String> buffers) {
        switch (type) {
            case "int" -> parseLong(file, n, name, v, 0);
            case "word" -> {
            }
            case "newctx" -> {
                checkName(file, n, name, v);
                if (!contexts.add(v)) {
                    throw new TraceException(file, n, name, "context '" + v + "' is already defined");
                }
            }
            case "newbuf" -> {
                checkName(file, n, name, v);
                if (!buffers.add(v)) {
                    throw new TraceException(file, n, name, "buffer '" + v + "' is already defined");
                }
            }
            case "ctx" -> {
                if (!contexts.contains(v)) {
                    throw new TraceException(file, n, name, "unknown context '" + v + "'");
                }
            }
            case "buf" -> {
                if (!buffers.contains(v)) {
                    throw new TraceException(file, n, name, "unknown buffer '" + v + "'");
                }
            }
            case "addr" -> parseAddr(file, n, name, v, buffers);
            default -> throw new AssertionError(type);
        }
    }

    private static void validateOptions(String file, Line l, Set<String> contexts, Set<String> buffers) {
        for (String[] o : l.options()) {
            String k = o[0];
            String v = o[1];
            switch (k) {
                case "seed" -> parseLong(file, l.number(), k, v, 0);
                case "threshold" -> parseInt(file, l.number(), k, v, l.command().equals("recompress") ? 0 : 1,
                        l.command().equals("recompress") ? 4095 : Integer.MAX_VALUE);
                case "tlb" -> parseInt(file, l.number(), k, v, 1, 1 << 20);
                case "ram" -> parseSize(file, l.number(), k, v);
                case "content" -> {
                    if (v.startsWith("file:")) {
                        FileContent.parse(file, l.number(), v);
                    } else {
                        try {
                            Content.parse(v);
                        } catch (IllegalArgumentException e) {
                            throw new TraceException(file, l.number(), k, e.getMessage());
                        }
                    }
                }
                case "expect" -> {
                    if (!Set.of("ok", "sigsegv", "sigbus", "fault").contains(v)) {
                        throw new TraceException(file, l.number(), k, "'" + v
                                + "' (expected ok, sigsegv, sigbus or fault)");
                    }
                }
                case "uses" -> {
                    for (String b : v.split(",")) {
                        if (!buffers.contains(b)) {
                            throw new TraceException(file, l.number(), k, "unknown buffer '" + b + "'");
                        }
                    }
                }
                case "read", "write" -> {
                    int colon = v.lastIndexOf(':');
                    if (colon < 0) {
                        throw new TraceException(file, l.number(), k, "'" + v + "' (expected ADDR:LEN)");
                    }
                    parseAddr(file, l.number(), k, v.substring(0, colon), buffers);
                    parseLong(file, l.number(), k, v.substring(colon + 1), 1);
                }
                case "min-pages" -> parseInt(file, l.number(), k, v, 1, Integer.MAX_VALUE);
                case "recompress-after" -> parseInt(file, l.number(), k, v, 0, Integer.MAX_VALUE);
                case "recompress-threshold" -> parseInt(file, l.number(), k, v, 0, 4095);
                case "restore", "compress", "algo", "policy", "remap", "format", "reclaim", "recompress",
                        "recompress-compact", "pool", "arch" -> { // driver-line options
                    try {
                        DriverOptions.check(k, v);
                    } catch (IllegalArgumentException e) {
                        throw new TraceException(file, l.number(), k, e.getMessage());
                    }
                }
                case "gpu" -> {
                    if (!v.equals("ro") && !v.equals("rw")) {
                        throw new TraceException(file, l.number(), k, "'" + v + "' (expected ro or rw)");
                    }
                }
                default -> {
                }
            }
        }
    }

    private static TraceException noSuchOption(String file, int n, String command, String key) {
        return new TraceException(file, n, key, takesNoOption("'" + command + "'", key, OPTIONS.get(command),
                command.equals("driver") ? ", and a daemon policy's NAME.KEY" : ""));
    }

    /** "WHO takes no option 'KEY' (it takes A, B[EXTRA])", the options sorted; the same words for every refusal. */
    static String takesNoOption(String who, String key, java.util.Collection<String> takes, String extra) {
        return who + " takes no option '" + key + "'" + (takes.isEmpty() ? ""
                : " (it takes " + String.join(", ", new java.util.TreeSet<>(takes)) + extra + ")");
    }

    private static void checkName(String file, int n, String field, String v) {
        if (!v.matches("[A-Za-z_][A-Za-z0-9_.-]*")) {
            throw new TraceException(file, n, field, "name '" + v + "' (letters, digits, _ . -; not starting "
                    + "with a digit)");
        }
    }

    static long parseLong(String file, int n, String field, String v, long min) {
        try {
            long x = v.startsWith("0x") || v.startsWith("0X") ? Long.parseUnsignedLong(v.substring(2), 16)
                    : Long.parseLong(v);
            if (x < min) {
                throw new NumberFormatException();
            }
            return x;
        } catch (NumberFormatException e) {
            throw new TraceException(file, n, field, "expected a number >= " + min + ", got '" + v + "'");
        }
    }

    /** {@link #parseLong} for a field that must fit {@code min..max} (an int: a length, a count, a pid). */
    static int parseInt(String file, int n, String field, String v, int min, int max) {
        long x = parseLong(file, n, field, v, min);
        if (x > max) {
            throw new TraceException(file, n, field, "expected a number from " + min + " to " + max + ", got '" + v + "'");
        }
        return (int) x;
    }

    static long parseSize(String file, int n, String field, String v) {
        String u = v.toUpperCase(Locale.ROOT);
        long mul = u.endsWith("G") ? 1L << 30 : u.endsWith("M") ? 1L << 20 : u.endsWith("K") ? 1L << 10 : 1;
        String num = mul == 1 ? v : v.substring(0, v.length() - 1);
        long x = parseLong(file, n, field, num, 1);
        if (x > Long.MAX_VALUE / mul) {
            throw new TraceException(file, n, field, "size '" + v + "' overflows 64 bits");
        }
        return x * mul;
    }

    /**
     * {@code content=file:PATH[@OFFSET[+LENGTH]]}: a buffer's bytes from a dump, from OFFSET, at most LENGTH bytes (the
     * rest of the buffer, and whatever a short file does not hold, stays zero).
     *
     * @param length bytes to take at most, or {@code Long.MAX_VALUE}
     */
    record FileContent(String path, long offset, long length) {
        static FileContent parse(String file, int n, String v) {
            String spec = v.substring("file:".length());
            int at = spec.lastIndexOf('@');
            if (at < 0) {
                if (spec.isEmpty()) {
                    throw new TraceException(file, n, "content", "'" + v + "' (expected file:PATH[@OFFSET[+LENGTH]])");
                }
                return new FileContent(spec, 0, Long.MAX_VALUE);
            }
            String where = spec.substring(at + 1);
            int plus = where.indexOf('+');
            long off = parseLong(file, n, "content", plus < 0 ? where : where.substring(0, plus), 0);
            long len = plus < 0 ? Long.MAX_VALUE : parseLong(file, n, "content", where.substring(plus + 1), 0);
            if (at == 0) {
                throw new TraceException(file, n, "content", "'" + v + "' names no file (expected "
                        + "file:PATH[@OFFSET[+LENGTH]])");
            }
            return new FileContent(spec.substring(0, at), off, len);
        }
    }

    /** An address: {@code BUF+OFFSET}, {@code BUF} or an absolute {@code 0xHEX}. */
    record Addr(String buffer, long offset) {
    }

    static Addr parseAddr(String file, int n, String field, String v, Set<String> buffers) {
        if (v.isEmpty()) {
            throw new TraceException(file, n, field, "empty address (expected BUF, BUF+OFFSET or 0xADDR)");
        }
        if (v.startsWith("0x") || v.startsWith("0X") || Character.isDigit(v.charAt(0))) {
            return new Addr(null, parseLong(file, n, field, v, 0));
        }
        int plus = v.indexOf('+');
        String b = plus < 0 ? v : v.substring(0, plus);
        if (buffers != null && !buffers.contains(b)) {
            throw new TraceException(file, n, field, "unknown buffer '" + b + "' in address '" + v + "'");
        }
        return new Addr(b, plus < 0 ? 0 : parseLong(file, n, field, v.substring(plus + 1), 0));
    }
}
