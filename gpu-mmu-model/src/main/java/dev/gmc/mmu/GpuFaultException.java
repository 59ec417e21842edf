package dev.gmc.mmu;

/**
 * A GPU access whose fault the driver did not resolve: kbase kills the context, Utgard fails the job. The message
 * says what the real driver would log.
 */
public final class GpuFaultException extends RuntimeException {
    private final GpuFault fault;

    public GpuFaultException(GpuFault fault, String what) {
        super(what);
        this.fault = fault;
    }

    public GpuFault fault() {
        return fault;
    }
}
