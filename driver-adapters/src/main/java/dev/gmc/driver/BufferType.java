package dev.gmc.driver;

import java.util.Locale;

/** What a graphics buffer holds, as dump manifests and traces name it. */
public enum BufferType {
    TEXTURE, COLOUR_BUFFER, DEPTH, VERTEX, OTHER;

    /** Parses {@code texture}, {@code colour-buffer} (or {@code color-buffer}), {@code depth}, ... */
    public static BufferType parse(String s) {
        String n = s.trim().toUpperCase(Locale.ROOT).replace('-', '_').replace("COLOR", "COLOUR");
        for (BufferType t : values()) {
            if (t.name().equals(n)) {
                return t;
            }
        }
        throw new IllegalArgumentException("buffer type '" + s + "' (expected texture, colour-buffer, depth, vertex "
                + "or other)");
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
