package dev.gmc.core.codec;

/**
 * Compressed input that does not decode to the expected page. Names the codec and both lengths so that a
 * report can say which object of which pool failed; callers add the handle or page ID.
 */
public final class CorruptPageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String codec;
    private final int compressedLength;
    private final int expectedLength;

    public CorruptPageException(String codec, int compressedLength, int expectedLength, String detail, Throwable cause) {
        super(codec + ": corrupt compressed data (compressed length " + compressedLength
                + ", expected decompressed length " + expectedLength + "): " + detail, cause);
        this.codec = codec;
        this.compressedLength = compressedLength;
        this.expectedLength = expectedLength;
    }

    public String codec() {
        return codec;
    }

    public int compressedLength() {
        return compressedLength;
    }

    public int expectedLength() {
        return expectedLength;
    }
}
