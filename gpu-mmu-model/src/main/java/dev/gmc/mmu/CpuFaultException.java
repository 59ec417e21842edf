package dev.gmc.mmu;

/**
 * A CPU access that the kernel could not satisfy: the process would receive a signal. This is the normal,
 * reported outcome of an access outside any mapping (SIGSEGV) or beyond a GPU allocation's backing (SIGBUS),
 * not an emulator bug.
 */
public final class CpuFaultException extends RuntimeException {
    public enum Signal { SIGSEGV, SIGBUS }

    private final Signal signal;
    private final int pid;
    private final long address;
    private final boolean write;

    public CpuFaultException(Signal signal, int pid, long address, boolean write, String why) {
        super(signal + " in process " + pid + ": " + (write ? "write" : "read") + " at 0x" + Long.toHexString(address)
                + " (" + why + ")");
        this.signal = signal;
        this.pid = pid;
        this.address = address;
        this.write = write;
    }

    public Signal signal() {
        return signal;
    }

    public int pid() {
        return pid;
    }

    public long address() {
        return address;
    }

    public boolean isWrite() {
        return write;
    }
}
