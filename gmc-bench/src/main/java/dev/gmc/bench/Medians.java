package dev.gmc.bench;

import java.util.Arrays;

/** Median, minimum and maximum of per-round values (the paired benchmarks report all three). */
final class Medians {
    private Medians() {
    }

    static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static double min(double[] a) {
        return Arrays.stream(a).min().orElse(0);
    }

    static double max(double[] a) {
        return Arrays.stream(a).max().orElse(0);
    }
}
