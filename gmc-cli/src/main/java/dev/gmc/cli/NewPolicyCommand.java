package dev.gmc.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gmc new-policy}: a daemon-policy plug-in project to start from (Maven, one class, its services entry). */
@Command(name = "new-policy", mixinStandardHelpOptions = true,
        description = {"Write a Maven project for a daemon-policy plug-in named NAME (daemon=NAME on a trace's driver "
                + "line): a PolicyProvider that compresses a backgrounded app's largest buffers first, with one "
                + "option, its META-INF/services entry and a README. Build it with mvn package and give the jar to "
                + "gmc replay/sweep/policies --plugin.",
                "The directory must not exist or be empty."})
final class NewPolicyCommand implements Callable<Integer> {
    private static final String TEMPLATE = "/dev/gmc/cli/policy-template/";

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "The policy's name: lower-case letters, digits and '-', starting "
            + "with a letter (e.g. largest-first).")
    String name;

    @Option(names = "--package", defaultValue = "org.example.gmc", description = "Java package of the class "
            + "(default: ${DEFAULT-VALUE}).")
    String pkg;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", description = "Where to write the project (default: NAME).")
    Path output;

    /** Java's keywords and literals, which no package name part may be (JLS 3.9). */
    private static final java.util.Set<String> JAVA_RESERVED = java.util.Set.of("abstract", "assert", "boolean",
            "break", "byte", "case", "catch", "char", "class", "const", "continue", "default", "do", "double", "else",
            "enum", "extends", "final", "finally", "float", "for", "goto", "if", "implements", "import", "instanceof",
            "int", "interface", "long", "native", "new", "package", "private", "protected", "public", "return",
            "short", "static", "strictfp", "super", "switch", "synchronized", "this", "throw", "throws", "transient",
            "try", "void", "volatile", "while", "true", "false", "null", "_");

    @Override
    public Integer call() throws IOException {
        if (!name.matches("[a-z][a-z0-9-]*")) {
            throw new IllegalArgumentException("NAME '" + name + "' (expected lower-case letters, digits and '-', "
                    + "starting with a letter)");
        }
        if (!pkg.matches("[a-z_][a-z0-9_]*(\\.[a-z_][a-z0-9_]*)*")) {
            throw new IllegalArgumentException("--package '" + pkg + "' (expected a Java package name in lower case, "
                    + "e.g. org.example.gmc)");
        }
        for (String part : pkg.split("\\.")) {
            if (JAVA_RESERVED.contains(part)) {
                throw new IllegalArgumentException("--package '" + pkg + "': '" + part + "' is a reserved word in "
                        + "Java, so the project would not compile");
            }
        }
        Path dir = output != null ? output : Path.of(name);
        if (Files.exists(dir) && (!Files.isDirectory(dir) || hasEntries(dir))) {
            throw new IllegalArgumentException((output != null ? "--output " : "") + dir
                    + ": exists and is not an empty directory (nothing written)");
        }
        String cls = className(name);
        String path = pkg.replace('.', '/');
        Map<String, String> vars = Map.of("@@NAME@@", name, "@@CLASS@@", cls, "@@PACKAGE@@", pkg, "@@PATH@@", path,
                "@@GMC_VERSION@@", gmcVersion());
        write(dir.resolve("pom.xml"), fill("pom.xml", vars));
        write(dir.resolve("src/main/java/" + path + "/" + cls + ".java"), fill("Policy.java", vars));
        write(dir.resolve("src/main/resources/META-INF/services/dev.gmc.driver.PolicyProvider"), pkg + "." + cls + "\n");
        write(dir.resolve("README.md"), fill("README.md", vars));
        PrintWriter out = spec.commandLine().getOut();
        out.println("wrote " + dir + " (class " + pkg + "." + cls + "); next: cd " + dir + " && mvn -q package, then "
                + "gmc policies --plugin " + dir.resolve("target/" + name + ".jar"));
        out.flush();
        return 0;
    }

    /** {@code largest-first} → {@code LargestFirstPolicy}. */
    static String className(String name) {
        StringBuilder b = new StringBuilder();
        for (String part : name.split("-")) {
            if (!part.isEmpty()) {
                b.append(part.substring(0, 1).toUpperCase(Locale.ROOT)).append(part.substring(1));
            }
        }
        return b + "Policy";
    }

    private static boolean hasEntries(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.findAny().isPresent();
        }
    }

    private static String fill(String template, Map<String, String> vars) throws IOException {
        String text;
        try (InputStream in = NewPolicyCommand.class.getResourceAsStream(TEMPLATE + template)) {
            if (in == null) {
                throw new IllegalStateException("template " + template + " is missing from gmc's jar");
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (Map.Entry<String, String> v : vars.entrySet()) {
            text = text.replace(v.getKey(), v.getValue());
        }
        return text;
    }

    /** The version of gmc's modules (Maven-filtered into gmc.properties at build time). */
    static String gmcVersion() throws IOException {
        Properties p = new Properties();
        try (InputStream in = NewPolicyCommand.class.getResourceAsStream("/dev/gmc/cli/gmc.properties")) {
            if (in == null) {
                throw new IllegalStateException("gmc.properties is missing from gmc's jar");
            }
            p.load(in);
        }
        return p.getProperty("version");
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
