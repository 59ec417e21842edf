package dev.gmc.driver;

/**
 * {@code daemon=background}: GMC's published design,
 * {@link CompressionPolicy#background(int, java.util.function.Predicate)}.
 */
final class BackgroundPolicy implements PolicyProvider {
    @Override
    public String name() {
        return Policies.DEFAULT;
    }

    @Override
    public String description() {
        return "GMC's published design: compress an app's buffers as soon as it goes to the background";
    }

    @Override
    public CompressionPolicy create(PolicyArgs args) {
        return CompressionPolicy.background(args.minPages(), args::eligible);
    }
}
