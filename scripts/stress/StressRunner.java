import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.PrintWriter;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs the named JUnit test classes once and exits 1 if any test failed: the soak loop of scripts/stress-device.sh
 * starts one JVM per repetition (the tests read gmc.stress and gmc.stress.seed once, when their class loads).
 */
public final class StressRunner {
    public static void main(String[] args) {
        LauncherDiscoveryRequestBuilder b = LauncherDiscoveryRequestBuilder.request();
        for (String c : args) {
            b.selectors(selectClass(c));
        }
        LauncherDiscoveryRequest request = b.build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(request, listener);
        TestExecutionSummary s = listener.getSummary();
        System.out.printf("tests %d, succeeded %d, failed %d, skipped %d, %.1f s%n", s.getTestsFoundCount(),
                s.getTestsSucceededCount(), s.getTestsFailedCount(), s.getTestsSkippedCount(),
                (s.getTimeFinished() - s.getTimeStarted()) / 1000.0);
        if (s.getTestsFailedCount() > 0 || s.getTestsFoundCount() == 0) {
            s.printFailuresTo(new PrintWriter(System.out), 30);
            System.exit(1);
        }
    }
}
