package dev.gmc.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.gmc.core.text.Utf8Text;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A dump manifest (docs/MANIFEST.md): the buffers of a dump with name, owner process, type, format, geometry and
 * where their bytes are (file, offset, length). JSON ({@code {"gmc_manifest": 1, "buffers": [...]}}) or TSV (a
 * header line naming the columns, then one buffer per line). A directory holding {@code manifest.json} or
 * {@code manifest.tsv} is read through its manifest. {@code pageSize} is the page size of the host a JSON manifest
 * says it was captured on ({@code source.page_size}, written by {@code gmc capture}), or 0.
 */
record Manifest(Path path, List<Entry> buffers, int pageSize) {
    static final Set<String> TYPES = Set.of("texture", "colour-buffer", "depth", "vertex", "other");

    /**
     * One buffer. {@code file} is resolved against the manifest's directory; {@code where} is its place in the
     * manifest ({@code manifest.tsv:7}, {@code manifest.json: buffers[3]}), for errors found when it is read.
     */
    record Entry(String name, String owner, String type, String format, int width, int height, int stride,
            Path file, long offset, long length, String where) {
    }

    static Path inDirectory(Path dir) {
        for (String n : new String[] {"manifest.json", "manifest.tsv"}) {
            if (Files.isRegularFile(dir.resolve(n))) {
                return dir.resolve(n);
            }
        }
        return null;
    }

    static boolean isManifest(Path p) {
        String n = p.getFileName().toString();
        return n.equals("manifest.json") || n.equals("manifest.tsv") || n.endsWith(".manifest.json")
                || n.endsWith(".manifest.tsv");
    }

    static Manifest read(Path p) throws IOException {
        int pageSize = 0;
        List<Map<String, String>> rows = new ArrayList<>();
        List<String> where = new ArrayList<>();
        String text = Utf8Text.read(p);
        if (p.getFileName().toString().endsWith(".tsv")) {
            String[] lines = text.split("\r?\n");
            String[] head = null;
            for (int i = 0; i < lines.length; i++) {
                if (lines[i].isBlank() || lines[i].startsWith("#")) {
                    continue;
                }
                String[] cols = lines[i].split("\t", -1);
                if (head == null) {
                    head = cols;
                    continue;
                }
                if (cols.length != head.length) {
                    throw new IOException(p + ":" + (i + 1) + ": " + cols.length + " columns, the header has "
                            + head.length + " (truncated entry?)");
                }
                Map<String, String> m = new HashMap<>();
                for (int c = 0; c < cols.length; c++) {
                    m.put(head[c].trim().toLowerCase(Locale.ROOT), cols[c].trim());
                }
                rows.add(m);
                where.add(p + ":" + (i + 1));
            }
        } else {
            JsonNode root;
            try {
                root = new ObjectMapper().readTree(text);
            } catch (JsonProcessingException e) {
                // Jackson's own message appends "at [Source: REDACTED ...]"; say the place as file:line:column
                JsonLocation at = e.getLocation();
                String m = e.getOriginalMessage().replaceAll("\\[Source: [^;\\]]*; ", "[");
                throw new IOException(p + (at == null ? "" : ":" + at.getLineNr() + ":" + at.getColumnNr())
                        + ": not valid JSON: " + m); // no cause: Errors.message would print Jackson's text again
            }
            if (root == null || root.path("gmc_manifest").asInt() != 1 || !root.path("buffers").isArray()) {
                throw new IOException(p + ": expected {\"gmc_manifest\": 1, \"buffers\": [...]}");
            }
            pageSize = Math.max(0, root.path("source").path("page_size").asInt(0));
            int i = 0;
            for (JsonNode b : root.get("buffers")) {
                Map<String, String> m = new HashMap<>();
                b.fields().forEachRemaining(e -> m.put(e.getKey().toLowerCase(Locale.ROOT),
                        e.getValue().isNull() ? "" : e.getValue().asText()));
                rows.add(m);
                where.add(p + ": buffers[" + i++ + "]");
            }
        }
        Path dir = p.toAbsolutePath().getParent();
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            Map<String, String> m = rows.get(i);
            String w = where.get(i);
            String name = need(m, "name", w);
            String type = m.getOrDefault("type", "other").toLowerCase(Locale.ROOT).replace("color", "colour");
            if (!TYPES.contains(type)) {
                throw new IOException(w + " (" + name + "): type '" + type + "' (expected one of " + TYPES + ")");
            }
            String file = need(m, "file", w);
            Path path = dir.resolve(file);
            if (path.getFileName() == null || file.endsWith("/") || Files.isDirectory(path)) {
                throw new IOException(w + " (" + name + "): field 'file': '" + file + "' names a directory, not a file");
            }
            out.add(new Entry(name, m.getOrDefault("owner", "-"), type, m.getOrDefault("format", "-"),
                    (int) num(m, "width", 0, w, name), (int) num(m, "height", 0, w, name),
                    (int) num(m, "stride", 0, w, name), path,
                    num(m, "offset", 0, w, name), num(m, "length", -1, w, name), w));
            if (out.get(out.size() - 1).length() < 0) {
                throw new IOException(w + " (" + name + "): field 'length' is missing");
            }
        }
        return new Manifest(p, out, pageSize);
    }

    private static String need(Map<String, String> m, String k, String where) throws IOException {
        String v = m.get(k);
        if (v == null || v.isEmpty()) {
            throw new IOException(where + ": field '" + k + "' is missing");
        }
        return v;
    }

    private static long num(Map<String, String> m, String k, long dflt, String where, String name)
            throws IOException {
        String v = m.get(k);
        if (v == null || v.isEmpty() || v.equals("-")) {
            return dflt;
        }
        try {
            long x = Long.decode(v);
            if (x < 0) {
                throw new NumberFormatException();
            }
            return x;
        } catch (NumberFormatException e) {
            throw new IOException(where + " (" + name + "): field '" + k + "': '" + v
                    + "' is not a non-negative number");
        }
    }
}
