/**
 * JMH benchmarks of gmc-core (built only with {@code -Pbench}; CI never runs them). See docs/PERFORMANCE.md for the
 * commands and the recorded medians.
 */
package dev.gmc.bench;
