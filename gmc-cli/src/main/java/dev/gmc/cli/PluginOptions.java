package dev.gmc.cli;

import dev.gmc.driver.Policies;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --plugin JAR}: jars holding resource-daemon policies ({@link dev.gmc.driver.PolicyProvider}s listed in
 * their {@code META-INF/services}), for {@code replay}, {@code sweep} and {@code policies} (a picocli mixin).
 */
final class PluginOptions {
    @Option(names = "--plugin", paramLabel = "JAR", description = "A jar of daemon policies for daemon=NAME "
            + "(repeatable; see examples/policy-plugin and gmc policies).")
    List<Path> jars = new ArrayList<>();

    /** The policies: built-in, on the class path, and in the jars; close it when the runs are done. */
    record Loaded(Policies policies, URLClassLoader loader) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            if (loader != null) {
                loader.close();
            }
        }
    }

    /** @throws IllegalArgumentException naming a jar that is missing, or a plug-in that cannot be loaded */
    Loaded load() {
        if (jars.isEmpty()) {
            return new Loaded(Policies.standard(), null);
        }
        List<URL> urls = new ArrayList<>();
        for (Path j : jars) {
            if (!Files.isRegularFile(j)) {
                throw new IllegalArgumentException("--plugin " + j + ": no such file");
            }
            try {
                urls.add(j.toUri().toURL());
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException("--plugin " + j + ": " + e.getMessage(), e);
            }
        }
        URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), PluginOptions.class.getClassLoader());
        try {
            return new Loaded(Policies.load(loader), loader);
        } catch (IllegalArgumentException e) {
            try {
                loader.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new IllegalArgumentException("--plugin " + jars + ": " + e.getMessage(), e);
        }
    }
}
