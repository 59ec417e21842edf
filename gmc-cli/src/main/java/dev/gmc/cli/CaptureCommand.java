package dev.gmc.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gmc capture}: copies a live process's resident private writable pages into a dump directory with a
 * manifest, reading {@code /proc/PID/maps}, {@code /proc/PID/pagemap} (bit 63: present) and {@code /proc/PID/mem}.
 * The target is only read: it is not stopped, traced or written. Pages that cannot be read are skipped and reported.
 * Pages are the host kernel's ({@code KernelPageSize} in {@code /proc/self/smaps}: 4 KiB, or 16 KiB on a 16K-page
 * arm64 kernel), since pagemap has one entry per page; the manifest records the size ({@code source.page_size}).
 */
@Command(name = "capture", mixinStandardHelpOptions = true,
        description = {"Capture a live process's resident private writable mappings into DIR (pages.bin + "
                + "manifest.json, see docs/MANIFEST.md) for 'gmc measure'. Linux; needs ptrace access to the "
                + "process (root, or your own process with ptrace_scope 0).",
                "Exit code: 0 captured, 1 error, 2 the process exited or some ranges could not be read (the dump "
                        + "holds what was captured)."})
final class CaptureCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--pid", required = true, description = "Process to capture.")
    int pid;

    @Option(names = "--match", description = "Only mappings whose path (or [heap], [stack], [anon]) matches this "
            + "regular expression.")
    String match;

    @Option(names = {"-o", "--output"}, required = true, description = "Dump directory to create or fill.")
    Path out;

    record Mapping(long start, long end, String perms, String path) {
    }

    @Override
    public Integer call() throws Exception {
        Path proc = Path.of("/proc", String.valueOf(pid));
        List<Mapping> maps;
        String comm;
        try {
            maps = parseMaps(procText(proc.resolve("maps")).lines().toList());
            comm = procText(proc.resolve("comm")).trim();
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("process " + pid + " does not exist (no " + proc + ")");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IllegalArgumentException("no permission to read " + e.getFile()
                    + " (run as root, or check /proc/sys/kernel/yama/ptrace_scope)");
        }
        Pattern p = match == null ? null : Pattern.compile(match);
        Files.createDirectories(out);
        PrintWriter err = spec.commandLine().getErr();
        ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = om.createObjectNode();
        root.put("gmc_manifest", 1);
        ObjectNode src = root.putObject("source");
        src.put("pid", pid).put("comm", comm).put("captured_by", "gmc capture");
        ArrayNode bufs = root.putArray("buffers");
        List<String> problems = new ArrayList<>();
        long offset = 0;
        long captured = 0;
        long selected = 0;
        boolean exited = false;
        int pageSize = hostPageSize(Path.of("/proc/self/smaps"));
        src.put("page_size", pageSize);
        byte[] page = new byte[pageSize];
        try (OutputStream data = Files.newOutputStream(out.resolve("pages.bin"));
             FileChannel pagemap = FileChannel.open(proc.resolve("pagemap"), StandardOpenOption.READ);
             FileChannel mem = FileChannel.open(proc.resolve("mem"), StandardOpenOption.READ)) {
            for (Mapping m : maps) {
                String name = m.path().isEmpty() ? "[anon]" : m.path();
                if (m.perms().charAt(1) != 'w' || m.perms().charAt(3) != 'p' || m.perms().charAt(0) != 'r'
                        || (p != null && !p.matcher(name).find())) {
                    continue;
                }
                selected++;
                long pages = (m.end() - m.start()) / pageSize;
                ByteBuffer pm = ByteBuffer.allocate((int) Math.min(pages, 1 << 20) * 8).order(ByteOrder.LITTLE_ENDIAN);
                long resident = 0;
                long start = offset;
                for (long done = 0; done < pages && !exited; ) {
                    int n = (int) Math.min(pages - done, pm.capacity() / 8);
                    pm.clear().limit(n * 8);
                    try {
                        readFully(pagemap, pm, (m.start() / pageSize + done) * 8);
                    } catch (IOException e) {
                        exited = gone(proc);
                        problems.add(String.format("pagemap of %s at 0x%x: %s", name, m.start() + done * pageSize,
                                exited ? "the process exited" : Errors.message(e)));
                        break;
                    }
                    pm.flip();
                    for (int i = 0; i < n; i++) {
                        if ((pm.getLong(i * 8) & (1L << 63)) == 0) {
                            continue; // not resident
                        }
                        long va = m.start() + (done + i) * pageSize;
                        try {
                            readFully(mem, ByteBuffer.wrap(page), va);
                        } catch (IOException e) {
                            if (gone(proc)) {
                                exited = true;
                                flushUnreadable(problems, name, pageSize);
                                problems.add(String.format("process %d exited during the capture, at 0x%x of %s",
                                        pid, va, name));
                                break;
                            }
                            if (unreadableFrom >= 0 && va == unreadableTo) { // one line per run of pages
                                unreadableTo = va + pageSize;
                            } else {
                                flushUnreadable(problems, name, pageSize);
                                unreadableFrom = va;
                                unreadableTo = va + pageSize;
                                unreadableWhy = Errors.message(e);
                            }
                            continue;
                        }
                        data.write(page);
                        offset += pageSize;
                        resident++;
                    }
                    done += n;
                }
                flushUnreadable(problems, name, pageSize);
                captured += resident;
                if (resident > 0) {
                    ObjectNode b = bufs.addObject();
                    b.put("name", String.format("%s@0x%x", name, m.start()));
                    b.put("owner", comm + " (" + pid + ")");
                    b.put("type", "other");
                    b.put("format", "-");
                    b.put("file", "pages.bin");
                    b.put("offset", start);
                    b.put("length", offset - start);
                    b.put("start", String.format("0x%x", m.start()));
                    b.put("mapping_pages", pages);
                    b.put("resident_pages", resident);
                }
                if (exited) {
                    break;
                }
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("process " + pid + " exited before the capture began");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IllegalArgumentException("no permission to read " + e.getFile()
                    + " (run as root, or check /proc/sys/kernel/yama/ptrace_scope)");
        }
        root.putPOJO("problems", problems);
        om.writeValue(out.resolve("manifest.json").toFile(), root);
        PrintWriter o = spec.commandLine().getOut();
        o.printf("captured %d resident pages (%s) from %d of %d mappings of process %d (%s) into %s%n", captured,
                Units.bytes(captured * pageSize), bufs.size(), selected, pid, comm, out);
        if (pageSize != PageInput.PAGE) {
            o.printf("the host has %d KiB pages: measure the dump with --page-size %dk for its kernel's figures%n",
                    pageSize / 1024, pageSize / 1024);
        }
        for (String s : problems) {
            err.println("gmc capture: " + s);
        }
        o.flush();
        err.flush();
        return problems.isEmpty() ? 0 : 2;
    }

    static List<Mapping> parseMaps(List<String> lines) {
        List<Mapping> out = new ArrayList<>();
        for (String l : lines) {
            String[] f = l.trim().split("\\s+", 6);
            if (f.length < 5) {
                continue;
            }
            String[] range = f[0].split("-");
            out.add(new Mapping(Long.parseUnsignedLong(range[0], 16), Long.parseUnsignedLong(range[1], 16), f[1],
                    f.length == 6 ? f[5] : ""));
        }
        return out;
    }

    private long unreadableFrom = -1;
    private long unreadableTo;
    private String unreadableWhy;

    private void flushUnreadable(List<String> problems, String name, int pageSize) {
        if (unreadableFrom >= 0) {
            long n = (unreadableTo - unreadableFrom) / pageSize;
            problems.add(String.format("0x%x-0x%x of %s unreadable (%d page%s; %s): skipped", unreadableFrom,
                    unreadableTo, name, n, n == 1 ? "" : "s", unreadableWhy));
            unreadableFrom = -1;
        }
    }

    /**
     * A /proc text file. A process name (comm, and stat's second field) and a mapped file's path are bytes the process
     * chose, not necessarily UTF-8: bytes that are not become U+FFFD here rather than failing the capture.
     */
    static String procText(Path p) throws IOException {
        return new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * The kernel's base page size, from the first {@code KernelPageSize:} line of an smaps file (the first mapping
     * is never a huge-page one: it is the program's text). 4096 if the file has none.
     */
    static int hostPageSize(Path smaps) throws IOException {
        try (java.io.BufferedReader r = Files.newBufferedReader(smaps, java.nio.charset.StandardCharsets.ISO_8859_1)) {
            for (String l; (l = r.readLine()) != null; ) {
                if (l.startsWith("KernelPageSize:")) {
                    String[] f = l.substring(15).trim().split("\\s+");
                    if (f.length != 2 || !f[1].equals("kB")) {
                        throw new IOException(smaps + ": cannot read the page size from '" + l + "'");
                    }
                    try {
                        return Math.multiplyExact(Integer.parseInt(f[0]), 1024);
                    } catch (NumberFormatException | ArithmeticException e) {
                        throw new IOException(smaps + ": cannot read the page size from '" + l + "'", e);
                    }
                }
            }
        } catch (NoSuchFileException e) {
            return PageInput.PAGE;
        }
        return PageInput.PAGE;
    }

    /** The process is gone: no /proc entry, or a zombie (its memory is already released) or dead. */
    private static boolean gone(Path proc) {
        try {
            String stat = procText(proc.resolve("stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state == 'Z' || state == 'X' || state == 'x';
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, pos + b.position());
            if (n <= 0) {
                throw new IOException("short read at 0x" + Long.toHexString(pos + b.position()));
            }
        }
    }
}
