package dev.gmc.kernels;

/**
 * Values of the {@code status} field of a page's {@code {status, where}} result, as written by the restore kernels
 * in {@code lz4_restore.cl} (keep the two in sync). Results are two little-endian 32-bit ints per page; {@code where}
 * is the byte of the block at which decoding stopped.
 */
public final class RestoreStatus {
    /** Never processed (a failed launch, a lost device): the host decodes the page itself. */
    public static final int NOT_RUN = 0;
    /** The page's output holds its 4096 decoded bytes. */
    public static final int OK = 1;
    /** A length field, an offset or a literal run reads past the end of the block. */
    public static final int TRUNCATED = 2;
    /** A literal run or a match would write past byte 4096 of the page. */
    public static final int OVERFLOW = 3;
    /** A match offset of 0, or one that reaches before the start of the page. */
    public static final int BAD_OFFSET = 4;
    /** The block ends before 4096 bytes were produced. */
    public static final int SHORT = 5;
    /** The block's extent lies outside the batch's packed input, or its length is not 1..4096. */
    public static final int BAD_EXTENT = 6;
    /**
     * The block breaks LZ4's end-of-block rules as liblz4 enforces them: a literal run ending within the last 12
     * bytes of the page or the last 8 bytes of the block must end the block, and a match must end at least 5 bytes
     * before the end of the page.
     */
    public static final int END_RULES = 7;

    private RestoreStatus() {
    }

    public static String name(int status) {
        return switch (status) {
            case NOT_RUN -> "NOT_RUN";
            case OK -> "OK";
            case TRUNCATED -> "TRUNCATED";
            case OVERFLOW -> "OVERFLOW";
            case BAD_OFFSET -> "BAD_OFFSET";
            case SHORT -> "SHORT";
            case BAD_EXTENT -> "BAD_EXTENT";
            case END_RULES -> "END_RULES";
            default -> "INVALID(" + status + ")";
        };
    }
}
