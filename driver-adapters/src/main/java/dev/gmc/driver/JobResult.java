package dev.gmc.driver;

import dev.gmc.mmu.GpuFault;

/**
 * How a job ended.
 *
 * @param ok      all accesses completed
 * @param status  0 when ok; Utgard {@code _MALI_UK_JOB_STATUS_END_SEG_FAULT} (1 &lt;&lt; 21) for an MMU fault; kbase
 *                {@link #KBASE_JOB_KILLED} when the context was (or had been) killed
 * @param message what the driver would report, or null
 * @param fault   the fault that failed the job, or null
 */
public record JobResult(boolean ok, int status, String message, GpuFault fault) {
    public static final int UTGARD_END_SEG_FAULT = 1 << 21;
    /** kbase reports jobs of a killed context as BASE_JD_EVENT_JOB_CANCELLED (0x41 in base_jd_event_code). */
    public static final int KBASE_JOB_KILLED = 0x41;

    public static final JobResult OK = new JobResult(true, 0, null, null);
}
