/**
 * Page codecs behind one small SPI.
 *
 * <p>{@link dev.gmc.core.codec.PageCodec} has the aircompressor shape: compress into a caller buffer and
 * return the length; decompress with the known compressed and original lengths, bounds-checked, throwing
 * {@link dev.gmc.core.codec.CorruptPageException} (naming codec and lengths) on bad input. Instances are
 * not thread-safe (zstd and lz4 fast-reset contexts hold native state): a {@link dev.gmc.core.codec.CodecSpec}
 * names an algorithm and level and makes one codec per thread.
 *
 * <p>Codecs: {@code lz4} (lz4-java JNI, liblz4 1.10, acceleration configurable), {@code lz4hc:L},
 * {@code zstd:L} (optionally with a dictionary; zram's zstd from Linux 6.12 on), {@code zstd-crypto} (zram's zstd in
 * 6.2-6.11, through the crypto API: {@link dev.gmc.core.codec.ZstdCryptoCodec}, with a second zstd-jni loaded apart by
 * {@link dev.gmc.core.codec.CryptoZstd}), {@code zstd-1.3.1} (zram's zstd in 5.4-5.15, lib/zstd 1.3.1:
 * {@link dev.gmc.core.codec.Zstd131Codec}, a third zstd-jni loaded apart), {@code zstd-1.4.10} (zram's zstd in
 * 5.16-6.1: {@link dev.gmc.core.codec.KernelZstdCompressor}, a Java port of that lib/zstd's path, bit-identical) and
 * {@code lz4-kernel}: {@link dev.gmc.core.codec.KernelLz4Compressor},
 * a Java port of the Linux kernel's lib/lz4 compressor (LZ4 v1.7.3 fast mode) whose output is bit-identical
 * to the kernel's, so compressed sizes equal what zram reports. All LZ4 variants share the standard block
 * format and decode with lz4-java's safe decompressor. {@code lzo} and {@code lzo-rle} (zram's default) are
 * {@link dev.gmc.core.codec.KernelLzoCompressor}, a port of the kernel's lib/lzo LZO1X-1 compressor, likewise
 * bit-identical, with gmc's own bounds-checked LZO1X decoder. {@code lz4hc-kernel:L} (zram's {@code lz4hc}) is
 * {@link dev.gmc.core.codec.KernelLz4HcCompressor}, a port of the kernel's LZ4 HC v1.7.3 compressor, bit-identical
 * too. {@code deflate:L} (zram's deflate: raw deflate, window bits 11, memLevel 8) is {@link
 * dev.gmc.core.codec.DeflateCodec}: JZlib, a Java port of the zlib the kernel's derives from, whose output equals the
 * kernel's, decoded by the JDK's {@link java.util.zip.Inflater}. {@code 842} is {@link dev.gmc.core.codec.Sw842}, a
 * port of the kernel's software 842 compressor and decompressor, bit-identical as well.
 */
package dev.gmc.core.codec;
