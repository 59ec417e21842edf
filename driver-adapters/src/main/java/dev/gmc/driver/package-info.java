/**
 * The GMC mechanism on two emulated Mali drivers (issue 4): {@link dev.gmc.driver.MidgardDriver} (kbase contexts,
 * regions, a GMC-extended GPU page-fault worker) and {@link dev.gmc.driver.UtgardDriver} (sessions, allocations,
 * a job-submission hook that restores compressed buffers before the job, since Utgard cannot fault mid-job),
 * behind the {@link dev.gmc.driver.GpuDriverModel} SPI. {@link dev.gmc.driver.AbstractGmcDriver} holds what they
 * share: compress a region (stop all access, hand pages to the gmc-core store, free frames), restore on faults,
 * region/page states and their locking, events, and batch restore of a whole buffer
 * ({@link dev.gmc.driver.GpuDriverModel#restore}) through a pluggable {@link dev.gmc.core.store.BatchLoader} (the CPU,
 * or the {@code kernels} module's GPU restorer). {@link dev.gmc.driver.ResourceDaemon} turns app
 * foreground/background events into compressions, and with eager restore into restores, through a
 * {@link dev.gmc.driver.CompressionPolicy}; named policies ({@link dev.gmc.driver.PolicyProvider}: the built-in
 * {@code background} and {@code lru-apps}, and plug-ins found by {@link java.util.ServiceLoader}) are collected in
 * {@link dev.gmc.driver.Policies} for a trace's {@code daemon=}.
 * {@code dev.gmc.driver.replay} reads and runs trace files; the driver line's options (the driver's configuration and
 * the daemon's policy) are read in one place, {@code DriverOptions}, and may be replaced for sweeps
 * ({@link dev.gmc.driver.replay.Trace#withDriverOptions}).
 */
package dev.gmc.driver;
