package dev.gmc.driver;

/** Receives every {@link GmcEvent}; called on the thread that did the step, with driver locks possibly held. */
@FunctionalInterface
public interface GmcListener {
    void onEvent(GmcEvent event);
}
