package dev.gmc.driver.replay;

import dev.gmc.driver.BufferType;
import dev.gmc.driver.CompressionPolicy;
import java.util.EnumSet;
import java.util.Set;

/**
 * The {@code restore=} of a trace's driver line (and {@code gmc replay --restore}): {@code lazy} (pages come back on
 * fault), {@code eager} (every buffer of an app with compressed pages is restored when it returns to the foreground),
 * or {@code eager:TYPE,TYPE...} (only buffers of those types, e.g. {@code eager:colour-buffer,depth}; the rest come
 * back on fault).
 *
 * @param types the buffer types restored eagerly; empty for lazy
 */
public record RestoreMode(Set<BufferType> types) {
    public static final RestoreMode LAZY = new RestoreMode(Set.of());

    /** @throws IllegalArgumentException naming what is wrong */
    public static RestoreMode parse(String s) {
        if (s.equals("lazy")) {
            return LAZY;
        }
        if (s.equals("eager")) {
            return new RestoreMode(EnumSet.allOf(BufferType.class));
        }
        if (s.startsWith("eager:") && s.length() > "eager:".length()) {
            Set<BufferType> t = EnumSet.noneOf(BufferType.class);
            for (String name : s.substring("eager:".length()).split(",", -1)) {
                t.add(BufferType.parse(name));
            }
            return new RestoreMode(t);
        }
        throw new IllegalArgumentException("restore mode '" + s + "' (expected lazy, eager or eager:TYPE,TYPE...)");
    }

    public boolean eager() {
        return !types.isEmpty();
    }

    /** {@code base}, plus eager restore of this mode's buffer types if any. */
    public CompressionPolicy apply(CompressionPolicy base) {
        return eager() ? base.withEagerRestore(b -> types.contains(b.type())) : base;
    }
}
