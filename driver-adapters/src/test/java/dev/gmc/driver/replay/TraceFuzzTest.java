package dev.gmc.driver.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutated sample traces (lines deleted, duplicated or cut, tokens replaced by junk: negative, huge, empty, malformed
 * numbers and specs, unknown names, a cut file, a byte that is not UTF-8) must either replay or fail with a {@link TraceException} naming the
 * file and a line: never another exception, which would reach the user as a stack trace or an internal error.
 */
class TraceFuzzTest {
    private static final String[] JUNK = {"-1", "0", "99999999999999999999", "0x", "+", "=", "", "4294967296",
        "-0x10", "9223372036854775807", "1e3", "nan", "ui+", "ui+0x", "a=b=c", ":", "read=", "write=", "uses=",
        "type=", "content=file:", "content=file:missing.bin", "content=same:", "content=bogus", "ram=1", "ram=0",
        "ram=99999T", "format=x", "algo=zzz", "policy=", "remap=", "16M", "1k", "gpu=", "\u00e9", "#", "+0x7fffffff:1", "daemon=", "daemon=zzz", "daemon=lru-apps",
        "lru-apps.warm=-1", "lru-apps.warm=99999999999", "lru-apps.=1", ".warm=1", "a.b.c=1", "reclaim=", "reclaim=1:0",
        "reclaim=100:100", "reclaim=1:1", "assert", "cpu_faults_major=..", "saved_bytes=1G..", "mmu.=1",
        "mm_stat.mem_used_max=0x", "pages_stored=1..2..3", "reclaim=2:4", "reclaim=30:60", "restore=eager", "ram=4M",
        "ram=12M", "restore_reclaims=1.."};

    @Test
    void mutatedTracesReplayOrFailWithALineNumber(@TempDir Path dir) throws IOException {
        List<String> sources = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("../traces"))) {
            for (Path p : s.filter(p -> p.toString().endsWith(".gmct")).sorted().toList()) {
                sources.add(Files.readString(p));
            }
        }
        assertThat(sources).hasSizeGreaterThanOrEqualTo(3);
        // Dump content is not the subject here: every file: read yields a fixed pattern (a missing one is an error).
        TraceRunner.FileContent files = (file, offset, len) -> {
            if (file.getFileName().toString().startsWith("missing")) {
                throw new IOException("dump " + file + ": no such file");
            }
            byte[] b = new byte[len];
            Arrays.fill(b, (byte) (offset * 31 + 7));
            return b;
        };
        // A longer hunt: -Dgmc.fuzz.mutants=50000 -Dgmc.fuzz.seed=N (the default run takes about 2 s).
        SplittableRandom r = new SplittableRandom(Long.getLong("gmc.fuzz.seed", 20261122));
        int ran = 0;
        int refused = 0;
        int mutants = Integer.getInteger("gmc.fuzz.mutants", 600);
        for (int i = 0; i < mutants; i++) {
            List<String> lines = new ArrayList<>(Arrays.asList(sources.get(r.nextInt(sources.size())).split("\n", -1)));
            StringBuilder what = new StringBuilder();
            for (int m = 1 + r.nextInt(3); m > 0; m--) {
                int li = r.nextInt(lines.size());
                String line = lines.get(li);
                switch (r.nextInt(5)) {
                    case 0 -> {
                        lines.remove(li);
                        what.append("deleted line ").append(li + 1).append("; ");
                    }
                    case 1 -> {
                        lines.add(r.nextInt(lines.size() + 1), line);
                        what.append("duplicated line ").append(li + 1).append("; ");
                    }
                    case 2 -> {
                        lines.set(li, line.substring(0, r.nextInt(line.length() + 1)));
                        what.append("cut line ").append(li + 1).append("; ");
                    }
                    default -> {
                        String[] tok = line.split(" ", -1);
                        int ti = r.nextInt(tok.length);
                        String junk = JUNK[r.nextInt(JUNK.length)];
                        int eq = tok[ti].indexOf('=');
                        tok[ti] = eq >= 0 && r.nextBoolean() ? tok[ti].substring(0, eq + 1) + junk : junk;
                        lines.set(li, String.join(" ", tok));
                        what.append("line ").append(li + 1).append(" token ").append(ti).append(" = '").append(junk)
                                .append("'; ");
                    }
                }
            }
            String text = String.join("\n", lines);
            if (r.nextInt(10) == 0) {
                text = text.substring(0, r.nextInt(text.length() + 1));
                what.append("file cut; ");
            }
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            if (bytes.length > 0 && r.nextInt(10) == 0) {
                // a byte of any value, so often not UTF-8 (a trace edited with a Latin-1 editor, a damaged copy)
                int at = r.nextInt(bytes.length);
                bytes[at] = (byte) (0x80 + r.nextInt(0x80));
                what.append("byte ").append(at).append(" = 0x").append(Integer.toHexString(bytes[at] & 0xff)).append("; ");
            }
            Path f = dir.resolve("m" + i + ".gmct");
            Files.write(f, bytes);
            try {
                new TraceRunner(Trace.parse(f), files, null).run();
                ran++;
            } catch (TraceException e) {
                assertThat(e.getMessage()).as(what.toString()).startsWith(f + ":").doesNotContain("null");
                refused++;
            } catch (RuntimeException e) {
                throw new AssertionError("mutant " + i + " (" + what + ") threw " + e, e);
            }
        }
        assertThat(ran).as("some mutants still replay").isPositive();
        assertThat(refused).as("most mutants are refused").isGreaterThan(ran);
    }
}
