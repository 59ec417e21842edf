package dev.gmc.kernels;

/** No usable OpenCL platform or device: the ICD loader, a driver, or the requested device is missing. */
public final class OpenClUnavailableException extends OpenClException {
    public OpenClUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
