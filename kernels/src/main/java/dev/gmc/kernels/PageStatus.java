package dev.gmc.kernels;

/**
 * Values of the {@code status} field of a page's {@code {comp_len, status}} descriptor, as written by the kernels in
 * {@code lz4_page.cl} (keep the two in sync). Descriptors are two little-endian 32-bit ints per page.
 */
public final class PageStatus {
    /** Never processed (skipped slice, lost device): the host compresses the page itself. */
    public static final int NOT_RUN = 0;
    /** {@code comp_len} bytes of LZ4 block format in the page's output slot. */
    public static final int OK = 1;
    /** All 64-bit words equal; the fill word is the page's first word. */
    public static final int SAME = 2;
    /** The LZ4 block would exceed the output limit: the page is incompressible. */
    public static final int TOO_BIG = 3;

    private PageStatus() {
    }

    public static String name(int status) {
        return switch (status) {
            case NOT_RUN -> "NOT_RUN";
            case OK -> "OK";
            case SAME -> "SAME";
            case TOO_BIG -> "TOO_BIG";
            default -> "INVALID(" + status + ")";
        };
    }
}
