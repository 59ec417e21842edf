package dev.gmc.kernels;

import org.jocl.CL;

/** An OpenCL call failed; the message names the call, the error code and, where known, what was being done. */
public class OpenClException extends RuntimeException {
    private final String call;
    private final int code;

    public OpenClException(String call, int code, String detail) {
        super(call + " failed: " + codeName(code) + (detail == null || detail.isEmpty() ? "" : ": " + detail));
        this.call = call;
        this.code = code;
    }

    public OpenClException(String message, Throwable cause) {
        super(message, cause);
        this.call = "";
        this.code = 0;
    }

    /** The OpenCL function that failed, e.g. {@code clEnqueueNDRangeKernel}. */
    public String call() {
        return call;
    }

    /** The OpenCL error code (negative), or 0 if the failure was not an error code. */
    public int code() {
        return code;
    }

    static String codeName(int code) {
        String s;
        try {
            s = CL.stringFor_errorCode(code);
        } catch (Throwable e) { // JOCL natives absent: still name the number
            s = "CL error";
        }
        return s + " (" + code + ")";
    }
}
