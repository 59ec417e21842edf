#!/usr/bin/env bash
# The oracle behind zstd-1.4.10: Linux 6.1's own lib/zstd (zstd 1.4.10, the zstd of Linux 5.16 to 6.1), compiled in
# user space and called exactly as zram's crypto/zstd.c calls it (zstd_get_params(3, 0), then zstd_compress_cctx:
# ZSTD_CCtx_reset, the pledged page size, the seven compression parameters and the frame flags set one by one,
# ZSTD_compress2 into two pages). It writes, for each record of a KernelZstdGoldenTest set, "index length
# sha256-prefix" into gmc-core's golden resources, which KernelZstdGoldenTest holds the Java port to.
#
# usage: scripts/oracle/zstd-1.4.10-oracle.sh [SET...]   (root or apt rights, Debian 12; downloads linux-source-6.1,
#        about 140 MB; the default sets: real-mix synthetic-seed1-1200 edge-seed1-600 sixteen-300 odd)
# Run './mvnw -q -o install -DskipTests' and './mvnw -q -o test-compile -pl gmc-core' first.
# Nothing downloaded is kept in the repository; only this script and the .sha files are.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${GMC_ZSTD_WORK:-/tmp/gmc-zstd-1.4.10}
sets=${*:-real-mix synthetic-seed1-1200 edge-seed1-600 sixteen-300 odd}
mkdir -p "$work" && cd "$work"
if [ ! -d linux-source-6.1 ]; then
  apt-get download -q linux-source-6.1
  dpkg-deb --fsys-tarfile linux-source-6.1_*_all.deb | tar -x --wildcards '*linux-source-6.1.tar.xz'
  tar -xJf usr/src/linux-source-6.1.tar.xz --wildcards 'linux-source-6.1/lib/zstd/*' 'linux-source-6.1/include/linux/zstd*'
fi
K=$work/linux-source-6.1
grep -q 'ZSTD_VERSION_MINOR    4' "$K/include/linux/zstd_lib.h" || { echo "$K is not zstd 1.4.x" >&2; exit 1; }

# the few kernel headers lib/zstd includes, for user space
mkdir -p shim/linux shim/asm
cat > shim/linux/types.h <<'EOF'
#pragma once
#define __LITTLE_ENDIAN 1234
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
typedef uint8_t u8; typedef uint16_t u16; typedef uint32_t u32; typedef uint64_t u64;
typedef int8_t s8; typedef int16_t s16; typedef int32_t s32; typedef int64_t s64;
EOF
printf '#pragma once\n#include <limits.h>\n' > shim/linux/limits.h
printf '#pragma once\n#include <stddef.h>\n' > shim/linux/stddef.h
printf '#pragma once\n#include <string.h>\n' > shim/linux/string.h
printf '#pragma once\n#include <stdint.h>\nstatic inline uint64_t div_u64(uint64_t a, uint32_t b) { return a / b; }\n' > shim/linux/math64.h
printf '#pragma once\n#include <stdio.h>\n#include <stdlib.h>\n#define WARN_ON(x) ((x) ? (fprintf(stderr, "assert %%s:%%d\\n", __FILE__, __LINE__), abort(), 1) : 0)\n' > shim/linux/kernel.h
printf '#pragma once\n#define pr_debug(...) ((void)0)\n' > shim/linux/printk.h
printf '#pragma once\n#define fallthrough __attribute__((__fallthrough__))\n' > shim/linux/compiler.h
printf '#pragma once\n#define EXPORT_SYMBOL(x)\n#define EXPORT_SYMBOL_GPL(x)\n#define MODULE_LICENSE(x)\n#define MODULE_DESCRIPTION(x)\n' > shim/linux/module.h
printf '#pragma once\n#define swab32 __builtin_bswap32\n#define swab64 __builtin_bswap64\n' > shim/linux/swab.h
cat > shim/asm/unaligned.h <<'EOF'
#pragma once
#include <stdint.h>
#include <string.h>
#define get_unaligned(p) ({ __typeof__(*(p)) _v; memcpy(&_v, (p), sizeof(_v)); _v; })
#define put_unaligned(v, p) do { __typeof__(*(p)) _v = (v); memcpy((p), &_v, sizeof(_v)); } while (0)
static inline uint16_t get_unaligned_le16(const void *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t get_unaligned_le32(const void *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t get_unaligned_le64(const void *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint16_t get_unaligned_be16(const void *p) { return __builtin_bswap16(get_unaligned_le16(p)); }
static inline uint32_t get_unaligned_be32(const void *p) { return __builtin_bswap32(get_unaligned_le32(p)); }
static inline uint64_t get_unaligned_be64(const void *p) { return __builtin_bswap64(get_unaligned_le64(p)); }
static inline void put_unaligned_le16(uint16_t v, void *p) { memcpy(p, &v, 2); }
static inline void put_unaligned_le32(uint32_t v, void *p) { memcpy(p, &v, 4); }
static inline void put_unaligned_le64(uint64_t v, void *p) { memcpy(p, &v, 8); }
EOF
cat > shim/linux/xxhash.h <<'EOF'
#pragma once
#include <stdint.h>
#include <stdlib.h>
/* zram's frames carry no checksum: a digest asked for is a mistake of this harness */
struct xxh64_state { uint64_t x; };
static inline void xxh64_reset(struct xxh64_state *s, uint64_t seed) { s->x = seed; }
static inline int xxh64_update(struct xxh64_state *s, const void *p, size_t n) { (void)s; (void)p; (void)n; return 0; }
static inline uint64_t xxh64_digest(const struct xxh64_state *s) { (void)s; abort(); }
static inline uint64_t xxh64(const void *p, size_t n, uint64_t seed) { (void)p; (void)n; (void)seed; abort(); }
EOF
cat > zstd1410.c <<'EOF'
#include <linux/zstd.h>
#include <stdio.h>
#include <stdlib.h>
/* stdin: records "LEN\n" + LEN bytes; stdout: each record's frame in hex, a line each */
int main(void) {
    ZSTD_parameters p = ZSTD_getParams(3, 0, 0); /* crypto/zstd.c: zstd_get_params(ZSTD_DEF_LEVEL, 0) */
    size_t wsz = ZSTD_estimateCCtxSize_usingCParams(p.cParams);
    ZSTD_CCtx *c = ZSTD_initStaticCCtx(malloc(wsz), wsz);
    unsigned char *src = malloc(1 << 20), *dst = malloc(1 << 21);
    long len;
    while (scanf("%ld", &len) == 1) {
        getchar();
        if (fread(src, 1, len, stdin) != (size_t) len) return 3;
        /* lib/zstd/zstd_compress_module.c: zstd_cctx_init, then ZSTD_compress2 */
        ZSTD_CCtx_reset(c, ZSTD_reset_session_and_parameters);
        ZSTD_CCtx_setPledgedSrcSize(c, len);
        ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, p.cParams.windowLog);
        ZSTD_CCtx_setParameter(c, ZSTD_c_hashLog, p.cParams.hashLog);
        ZSTD_CCtx_setParameter(c, ZSTD_c_chainLog, p.cParams.chainLog);
        ZSTD_CCtx_setParameter(c, ZSTD_c_searchLog, p.cParams.searchLog);
        ZSTD_CCtx_setParameter(c, ZSTD_c_minMatch, p.cParams.minMatch);
        ZSTD_CCtx_setParameter(c, ZSTD_c_targetLength, p.cParams.targetLength);
        ZSTD_CCtx_setParameter(c, ZSTD_c_strategy, p.cParams.strategy);
        ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, p.fParams.contentSizeFlag);
        ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, p.fParams.checksumFlag);
        ZSTD_CCtx_setParameter(c, ZSTD_c_dictIDFlag, !p.fParams.noDictIDFlag);
        size_t r = ZSTD_compress2(c, dst, 2 * len + 64, src, len);
        if (ZSTD_isError(r)) { printf("ERR %s\n", ZSTD_getErrorName(r)); continue; }
        for (size_t i = 0; i < r; i++) printf("%02x", dst[i]);
        printf("\n");
    }
    return 0;
}
EOF
gcc -O2 -w -I shim -I "$K/include" -I "$K/lib/zstd/common" -o zstd1410 zstd1410.c "$K"/lib/zstd/compress/*.c \
  "$K"/lib/zstd/common/{entropy_common,zstd_common,error_private,fse_decompress}.c

cp=$root/gmc-core/target/test-classes:$root/gmc-core/target/classes
for s in $sets; do
  out=$root/gmc-core/src/test/resources/golden/$s.kernel-zstd-1.4.10.sha
  java -cp "$cp" dev.gmc.core.codec.KernelZstdGoldenTest "$s" | ./zstd1410 | python3 -c '
import sys, hashlib
print("# SHA-256 (first 16 hex digits) and length of Linux 6.1 lib/zstd'"'"'s frame (zstd 1.4.10, crypto/zstd.c'"'"'s call) for each")
print("# record, from scripts/oracle/zstd-1.4.10-oracle.sh; columns: index length sha256-prefix")
for i, line in enumerate(sys.stdin):
    b = bytes.fromhex(line.strip())
    print(i, len(b), hashlib.sha256(b).hexdigest()[:16])' > "$out"
  echo "$out: $(grep -vc '^#' "$out") records"
done
