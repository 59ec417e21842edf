/*
 * LZ4 block decompression of 4 KiB pages on an OpenCL device (gmc: batch restore; see GpuRestorer.java).
 *
 * Buffers of a restore batch:
 *   blocks : the batch's LZ4 blocks packed back to back, blocks_len bytes in all
 *   blk    : npages x {uint in_off, uint in_len}: page p's block is blocks[in_off, in_off + in_len)
 *   out    : npages x 4096 bytes, page p at out + p * 4096
 *   res    : npages x {int status, int where}: where = the block byte at which decoding stopped (0 if OK)
 * Status values (keep in sync with RestoreStatus.java):
 *   0 NOT_RUN     never processed
 *   1 OK          the page holds the decoded 4096 bytes
 *   2 TRUNCATED   a length field, offset or literal run reads past the end of the block
 *   3 OVERFLOW    a literal run or match would write past byte 4096 of the page
 *   4 BAD_OFFSET  a match offset of 0, or one reaching before the start of the page
 *   5 SHORT       the block ends (with a literals-only sequence) before 4096 bytes were produced
 *   6 BAD_EXTENT  in_off/in_len lie outside the packed input, or in_len is not 1..MAX_BLOCK (4128)
 *   7 END_RULES   the block breaks LZ4's end-of-block rules: a literal run that ends within the last 12 bytes of the
 *                 page or the last 8 bytes of the block must be the last sequence, and a match must end at least
 *                 5 bytes before the end of the page
 * Decoding is safe and as strict as liblz4's LZ4_decompress_safe (which lz4-java calls): no read outside the block,
 * no write outside the page, whatever the block holds, and the end rules enforced as liblz4 enforces them, so that
 * the device and the CPU fallback accept the same blocks. An offset of 0 is rejected (liblz4 would copy the page's
 * own undefined bytes). A rejected page's output bytes are unspecified; the host decodes it on the CPU.
 *
 * Two kernels, one page per work-item or per work-group, both looping over pages [first, first + count):
 *   lz4_restore_wi   : a work-item decodes its page sequentially, straight into global memory.
 *   lz4_restore_coop : a work-group per page. LZ4 decoding is sequential only in its parse: the positions of
 *                      sequences depend on all earlier length fields. Work-item 0 parses the block (no copying) into
 *                      a sequence table in local memory; then every output byte is resolved in parallel: a literal
 *                      byte names its input byte, a match byte names an earlier output byte, and pointer jumping
 *                      (link = link[link], at most 12 rounds for chains up to 4096 long) takes every match byte to
 *                      the literal it copies; finally the page is written out coalesced, 4 bytes per work-item.
 */

#ifndef PAGE
#define PAGE 4096
#endif
#ifndef RWG
#define RWG 128            /* work-items per work-group of lz4_restore_coop */
#endif
/* LZ4_compressBound(4096): the longest block a page can have (all literals) */
#define MAX_BLOCK (PAGE + PAGE / 255 + 16)
/* A sequence other than the last produces >= 4 bytes (its match), so a 4096-byte page has at most 1024 of them. */
#define RESTORE_MAX_SEQ 1025
#define RESOLVED 0x8000u   /* link flag: the low 15 bits are an input byte index */

#define RS_NOT_RUN 0
#define RS_OK 1
#define RS_TRUNCATED 2
#define RS_OVERFLOW 3
#define RS_BAD_OFFSET 4
#define RS_SHORT 5
#define RS_BAD_EXTENT 6
#define RS_END_RULES 7
#define END_ZONE 12        /* MFLIMIT: a literal run ending later than PAGE - 12 ends the block */
#define IN_TAIL 8          /* a non-last sequence leaves >= 2 (offset) + 1 (token) + 5 (last literals) input bytes */
#define LAST_LITERALS 5

/* A length field of 15 continues in the following bytes, each added, until one is not 255 (stopped early once the
 * length passes a page: it is then refused as an overflow). Uses in, ip, len and where of the enclosing decoder. */
#define EXTEND_LENGTH(n)                                                        \
    if ((n) == 15) {                                                            \
        uint s_;                                                                \
        do {                                                                    \
            if (ip >= len) { *where = ip; return RS_TRUNCATED; }                \
            s_ = in[ip++];                                                      \
            (n) += s_;                                                          \
        } while (s_ == 255 && (n) <= PAGE);                                     \
    }

static inline int extent_bad(uint off, uint len, ulong blocks_len)
{
    return len == 0 || len > MAX_BLOCK || (ulong)off + len > blocks_len;
}

/* ------------------------------------------------------------------------------------------------------------- */
/* One work-item per page.                                                                                         */
/* ------------------------------------------------------------------------------------------------------------- */
static int decode_page(__global const uchar *in, uint len, __global uchar *dst, int *where)
{
    uint ip = 0, op = 0;
    for (;;) {
        if (ip >= len) { *where = ip; return RS_TRUNCATED; }
        uint token = in[ip++];
        uint ll = token >> 4;
        EXTEND_LENGTH(ll);
        if (ll > PAGE - op) { *where = ip; return RS_OVERFLOW; }
        if (ll > len - ip) { *where = ip; return RS_TRUNCATED; }
        int last = op + ll > PAGE - END_ZONE || ip + ll + IN_TAIL > len;   /* liblz4's test for the last sequence */
        if (last && ip + ll != len) { *where = ip; return RS_END_RULES; }
        for (uint i = 0; i < ll; i++) dst[op + i] = in[ip + i];
        ip += ll;
        op += ll;
        if (last) break;                                       /* the last sequence: literals only */
        if (len - ip < 2) { *where = ip; return RS_TRUNCATED; }
        uint off = in[ip] | ((uint)in[ip + 1] << 8);
        if (off == 0 || off > op) { *where = ip; return RS_BAD_OFFSET; }
        ip += 2;
        uint ml = token & 15;
        EXTEND_LENGTH(ml);
        ml += 4;
        if (ml > PAGE - op) { *where = ip; return RS_OVERFLOW; }
        if (op + ml > PAGE - LAST_LITERALS) { *where = ip; return RS_END_RULES; }
        for (uint i = 0; i < ml; i++) dst[op + i] = dst[op + i - off];    /* byte by byte: overlaps repeat */
        op += ml;
    }
    if (op != PAGE) { *where = ip; return RS_SHORT; }
    *where = 0;
    return RS_OK;
}

__kernel void lz4_restore_wi(__global const uchar *blocks, ulong blocks_len, __global const uint *blk,
                             __global uchar *out, __global int *res, uint first, uint count)
{
    for (uint i = get_global_id(0); i < count; i += get_global_size(0)) {
        uint p = first + i;
        uint off = blk[2 * p], len = blk[2 * p + 1];
        int where = 0;
        int st = extent_bad(off, len, blocks_len) ? RS_BAD_EXTENT
                : decode_page(blocks + off, len, out + (size_t)p * PAGE, &where);
        res[2 * p] = st;
        res[2 * p + 1] = where;
    }
}

/* ------------------------------------------------------------------------------------------------------------- */
/* A work-group per page: a serial parse, then parallel resolution by pointer jumping.                             */
/* ------------------------------------------------------------------------------------------------------------- */

/* Work-item 0: the block's sequences into the table. Sequence s has literals in[lit[s], lit[s] + litlen[s]) at output
 * seq_out[s], then a match at offset moff[s] up to seq_out[s + 1]; seq_out[n] = PAGE. Same checks as decode_page. */
static int parse_block(__local const uchar *in, uint len, __local ushort *seq_out, __local ushort *lit,
                       __local ushort *litlen, __local ushort *moff, int *nseq, int *where)
{
    uint ip = 0, op = 0;
    int n = 0;
    for (;;) {
        if (ip >= len) { *where = ip; return RS_TRUNCATED; }
        uint token = in[ip++];
        uint ll = token >> 4;
        EXTEND_LENGTH(ll);
        if (ll > PAGE - op) { *where = ip; return RS_OVERFLOW; }
        if (ll > len - ip) { *where = ip; return RS_TRUNCATED; }
        int last = op + ll > PAGE - END_ZONE || ip + ll + IN_TAIL > len;   /* liblz4's test for the last sequence */
        if (last && ip + ll != len) { *where = ip; return RS_END_RULES; }
        seq_out[n] = (ushort)op;
        lit[n] = (ushort)ip;
        litlen[n] = (ushort)ll;
        moff[n] = 0;
        ip += ll;
        op += ll;
        if (last) { n++; break; }
        if (len - ip < 2) { *where = ip; return RS_TRUNCATED; }
        uint off = in[ip] | ((uint)in[ip + 1] << 8);
        if (off == 0 || off > op) { *where = ip; return RS_BAD_OFFSET; }
        ip += 2;
        uint ml = token & 15;
        EXTEND_LENGTH(ml);
        ml += 4;
        if (ml > PAGE - op) { *where = ip; return RS_OVERFLOW; }
        if (op + ml > PAGE - LAST_LITERALS) { *where = ip; return RS_END_RULES; }
        moff[n] = (ushort)off;
        op += ml;
        n++;
        if (n >= RESTORE_MAX_SEQ) { *where = ip; return RS_OVERFLOW; }    /* unreachable by the bound above; kept as a guard */
    }
    if (op != PAGE) { *where = ip; return RS_SHORT; }
    seq_out[n] = PAGE;
    *nseq = n;
    *where = 0;
    return RS_OK;
}

__kernel __attribute__((reqd_work_group_size(RWG, 1, 1)))
void lz4_restore_coop(__global const uchar *blocks, ulong blocks_len, __global const uint *blk,
                      __global uchar *out, __global int *res, uint first, uint count)
{
    __local uchar lin[MAX_BLOCK];
    __local ushort link_a[PAGE];
    __local ushort link_b[PAGE];
    __local ushort seq_out[RESTORE_MAX_SEQ + 1];
    __local ushort lit[RESTORE_MAX_SEQ];
    __local ushort litlen[RESTORE_MAX_SEQ];
    __local ushort moff[RESTORE_MAX_SEQ];
    __local int nseq, status, where;
    __local int unresolved[3];
    uint lid = get_local_id(0);
    for (uint g = get_group_id(0); g < count; g += get_num_groups(0)) {
        uint p = first + g;
        uint off = blk[2 * p], len = blk[2 * p + 1];
        int bad = extent_bad(off, len, blocks_len);            /* the same value in every work-item */
        if (!bad) {
            for (uint i = lid; i < len; i += RWG) lin[i] = blocks[off + i];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        if (lid == 0) {
            int n = 0, w = 0;
            status = bad ? RS_BAD_EXTENT : parse_block(lin, len, seq_out, lit, litlen, moff, &n, &w);
            nseq = n;
            where = w;
            unresolved[0] = 0;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        int st = status;
        if (st == RS_OK) {
            int n = nseq;
            /* Each output byte's link: its input byte (a literal) or the output byte it copies (a match). */
            for (uint q = lid; q < PAGE; q += RWG) {
                int lo = 0, hi = n - 1;                          /* the last sequence starting at or before q */
                while (lo < hi) {
                    int mid = (lo + hi + 1) >> 1;
                    if (seq_out[mid] <= q) lo = mid; else hi = mid - 1;
                }
                uint rel = q - seq_out[lo];
                link_a[q] = rel < litlen[lo] ? (ushort)(RESOLVED | (lit[lo] + rel)) : (ushort)(q - moff[lo]);
            }
            barrier(CLK_LOCAL_MEM_FENCE);
            /* Pointer jumping, double-buffered. unresolved[] rotates over three flags so that a flag is cleared
             * only after every work-item has read it (it is set in round r, read after round r's barrier, and
             * cleared in round r + 2 before that round's barrier). */
            __local ushort *src = link_a;
            __local ushort *dst = link_b;
            for (int r = 0; r < 13; r++) {
                int u = 0;
                for (uint q = lid; q < PAGE; q += RWG) {
                    ushort l = src[q];
                    if (!(l & RESOLVED)) {
                        l = src[l];
                        u |= !(l & RESOLVED);
                    }
                    dst[q] = l;
                }
                if (u) unresolved[r % 3] = 1;
                if (lid == 0) unresolved[(r + 1) % 3] = 0;
                barrier(CLK_LOCAL_MEM_FENCE);
                __local ushort *t = src;
                src = dst;
                dst = t;
                if (!unresolved[r % 3]) break;                   /* the same value in every work-item */
            }
            __global uchar *page = out + (size_t)p * PAGE;
            for (uint w = lid; w < PAGE / 4; w += RWG) {
                uint q = 4 * w;
                vstore4((uchar4)(lin[src[q] & 0x7FFF], lin[src[q + 1] & 0x7FFF], lin[src[q + 2] & 0x7FFF],
                                 lin[src[q + 3] & 0x7FFF]), w, page);
            }
        }
        if (lid == 0) {
            res[2 * p] = st;
            res[2 * p + 1] = where;
        }
        barrier(CLK_LOCAL_MEM_FENCE);                            /* before the next page reuses local memory */
    }
}
