package dev.gmc.tests;

import static dev.gmc.tests.MeasureCommandTest.gmc;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Option values that picocli's types accept but that make no sense fail at once with exit 1 and a line naming the
 * option and what was expected: not an internal error deep inside, a bare exception name, or a silently ignored
 * option. A command line that does not parse at all exits 1 as well, not picocli's 2 (which means a verification
 * failure, skipped inputs or an exited process for the commands that use it).
 */
class OptionCheckTest {

    @ParameterizedTest(name = "gmc {0}")
    @CsvSource(delimiter = '|', value = {
        "measure --threads -1 ../samples                 | --threads: -1 (expected 0..1024)",
        // a thread count past 1024 (a typo) is refused before any thread starts, not an OutOfMemoryError
        "measure --threads 100000000 ../samples          | --threads: 100000000 (expected 0..1024)",
        "kernels --threads 2147483647 ../samples         | --threads: 2147483647 (expected 0..1024)",
        "sweep --threads 1025 ../traces/utgard-jobs.gmct | --threads: 1025 (expected 0..1024)",
        "gpu-bench --submit-threads 5000                 | --submit-threads: 5000 (expected 1..1024)",
        "measure --algo , ../samples                     | --algo: '' has an empty entry",
        "measure --legacy-classes --chain 8 ../samples   | --chain 8 conflicts",
        "classes --legacy --chain 16                     | --chain 16 conflicts",
        "measure-bench --threads 0                       | --threads: 0 (expected 1..1024)",
        "measure-bench --pages -5                        | --pages: -5 (expected at least 1)",
        "fault-bench --rounds 0                          | --rounds: 0 (expected at least 1)",
        "fault-bench --threads -1                        | --threads: -1 (expected 0..1024)",
        "fault-bench --input ../gmc-core/src/test/resources/golden/real-mix.bin.gz --pages 16 --threads 999 --buffers apart | --threads 999 with --buffers apart needs a page per thread",
        "gpu-bench --batch-mib 0                         | --batch-mib: 0 (expected 1..4096)",
        "gpu-bench --slice-pages -1                      | --slice-pages: -1 (expected at least 0)",
        "gpu-restore-bench --batch-pages 0               | --batch-pages: 0 (expected 1..262144)",
        "gpu-restore-bench --host-threads 0              | --host-threads: 0 (expected 1..64)",
        "policies --format xml                           | --format: 'xml' (expected table or json)",
        "policies --plugin no-such.jar                   | --plugin no-such.jar: no such file",
        "replay --plugin no-such.jar ../traces/utgard-jobs.gmct | --plugin no-such.jar: no such file",
        "kernel-check -                                   | kernel-check reads its inputs twice",
        // a device that is not there (or no OpenCL at all): the driver's answer, not an internal error
        "gpu-bench --device no-such-device --rounds 1 --batch-mib 1 | OpenCL",
        "gpu-restore-bench --device no-such-device --rounds 1 --mib 1 | OpenCL",
        "replay --batch-loader gpu --cl-device no-such-device ../traces/utgard-jobs.gmct | OpenCL",
        "new-policy --package org.example.int x         | --package 'org.example.int': 'int' is a reserved word",
        // a command line that does not parse is 1 too: replay's and sweep's 2 means a verification failure
        "replay --restore-batch x ../traces/utgard-jobs.gmct | gmc replay: Invalid value for option '--restore-batch'",
        "sweep --restor lazy ../traces/utgard-jobs.gmct   | gmc sweep: Unknown option: '--restor'",
        "measure --chain x ../samples                     | gmc measure: Invalid value for option '--chain'",
        "capture --pid x -o x                             | gmc capture: Invalid value for option '--pid'",
        "frobnicate                                       | gmc: Unmatched argument at index 0: 'frobnicate'",
    })
    void aSenselessValueIsRefusedNamingTheOption(String command, String expected) {
        MeasureCommandTest.Run r = gmc(command.trim().split("\\s+"));
        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains(expected.trim()).doesNotContain("internal error").doesNotContain("\tat ");
    }

    @org.junit.jupiter.api.Test
    void aMistypedOptionGetsSuggestionsAndWhereTheUsageIsNotTheWholeUsage() {
        MeasureCommandTest.Run r = gmc("replay", "--restor=lazy", "../traces/utgard-jobs.gmct");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("Possible solutions: --restore").contains("(gmc replay --help shows the options)")
                .doesNotContain("Usage:");
    }

    @ParameterizedTest(name = "gmc {0}")
    @CsvSource({"classes --legacy --chain 4", "classes --legacy"})
    void theLegacyRuleWithItsOwnChainIsAccepted(String command) {
        MeasureCommandTest.Run r = gmc(command.split(" "));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("3264,4,5"); // the legacy chain-4 class of 3264 bytes: 4 pages, 5 objects
    }
}
