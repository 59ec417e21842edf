/*
 * LZ4 block compression of 4 KiB pages on an OpenCL device (gmc, issue 5).
 *
 * Buffers shared by all kernels of a batch (see PageBatch.java):
 *   in   : npages x 4096 bytes, the input pages
 *   out  : npages x OUT_STRIDE bytes, page p's LZ4 block at out + p * OUT_STRIDE
 *   desc : npages x {int comp_len, int status}, the per-page status descriptor
 * Status values (keep in sync with PageStatus.java):
 *   0 NOT_RUN    the page was never processed (a skipped slice, a lost device): the host must compress it itself
 *   1 OK         comp_len bytes of standard LZ4 block format at the page's output slot
 *   2 SAME       all 512 little-endian 64-bit words equal (the host reads the fill word from the input)
 *   3 TOO_BIG    the block would exceed max_out bytes; nothing useful in the slot (the page is incompressible)
 *
 * Every kernel takes (first, count): it handles pages [first, first + count) of the batch, so the host can slice a
 * batch into short launches. Work-groups loop over pages (page = first + group, += number of groups), so the number
 * of work-groups launched is a quota independent of the slice length.
 *
 * Output is only required to be valid LZ4 (any LZ4 decoder restores the exact page), not to equal liblz4's bytes.
 * Both compressors keep the format's end rules: the last 5 bytes are literals and no match starts in the last 12.
 *
 * No sub-group or vendor extensions: cooperation uses __local memory and barrier(), so one source runs on NVIDIA's
 * OpenCL 1.2 (48 KiB local memory per work-group) and on PoCL's CPU device.
 */

#define PAGE 4096
#define PAGE_WORDS (PAGE / 4)
#define MINMATCH 4
#define LASTLITERALS 5
#define MFLIMIT 12
#define MATCH_LAST (PAGE - MFLIMIT)      /* last position where a match may start */
#define MATCH_END (PAGE - LASTLITERALS)   /* a match must end at or before this position */
#define ML_BITS 4
#define RUN_MASK 15
#define ML_MASK 15

#define ST_NOT_RUN 0
#define ST_OK 1
#define ST_SAME 2
#define ST_TOO_BIG 3

#ifndef OUT_STRIDE
#define OUT_STRIDE PAGE
#endif
#ifndef WG
#define WG 128            /* work-items per work-group of the cooperative kernel */
#endif
#ifndef COOP_HASH_LOG
#define COOP_HASH_LOG 12  /* 4096 int entries = 16 KiB of local memory */
#endif
#ifndef NEAR_WINDOW
#define NEAR_WINDOW 32    /* positions looked back within a chunk for short-distance matches */
#endif
#ifndef MATCH_CAP
#define MATCH_CAP 64      /* match length measured in parallel; longer matches are extended by the parser */
#endif
#ifndef WI_HASH_LOG
#define WI_HASH_LOG 12    /* one-work-item kernel: 4096 x u16 = 8 KiB of global scratch per work-item */
#endif

#define PRIME 2654435761u

static inline uint ctz32(uint x) { return popcount((x & (0u - x)) - 1u); }

/* ------------------------------------------------------------------------------------------------------------- */
/* Same-filled detection: one work-group per page, a local AND-reduction of "word == word 0".                      */
/* ------------------------------------------------------------------------------------------------------------- */
__kernel void same_filled(__global const ulong *in, __global int *desc, uint first, uint count)
{
    __local int differ;
    for (uint g = get_group_id(0); g < count; g += get_num_groups(0)) {
        uint p = first + g;
        __global const ulong *w = in + (size_t)p * (PAGE / 8);
        if (get_local_id(0) == 0) differ = 0;
        barrier(CLK_LOCAL_MEM_FENCE);
        ulong w0 = w[0];
        int d = 0;
        for (uint i = get_local_id(0); i < PAGE / 8; i += get_local_size(0)) d |= (w[i] != w0);
        if (d) differ = 1;                 /* benign race: every writer writes 1 */
        barrier(CLK_LOCAL_MEM_FENCE);
        if (get_local_id(0) == 0) {
            desc[2 * p] = 0;
            desc[2 * p + 1] = differ ? ST_NOT_RUN : ST_SAME;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}

/* ------------------------------------------------------------------------------------------------------------- */
/* (a) One work-item per page: LZ4 1.7.3 fast mode (as the kernel's lib/lz4, 12-bit table, skip acceleration),   */
/*     reading the page straight from global memory. Simple, but uncoalesced and divergent.                        */
/* ------------------------------------------------------------------------------------------------------------- */
static inline uint g32(__global const uchar *p) { return as_uint(vload4(0, p)); }
static inline uint ghash(uint v) { return (v * PRIME) >> (32 - WI_HASH_LOG); }

/* Bytes needed to encode a run length of n in a token nibble plus extra bytes. */
static inline int len_extra(int n) { return n >= 15 ? 1 + (n - 15) / 255 : 0; }

static inline int put_len(__global uchar *dst, int op, int n)
{
    for (n -= 15; n >= 255; n -= 255) dst[op++] = 255;
    dst[op++] = (uchar)n;
    return op;
}

__kernel void lz4_wi(__global const uchar *in, __global uchar *out, __global int *desc, __global ushort *scratch,
                     uint first, uint count, uint max_out)
{
    size_t gid = get_global_id(0);
    __global ushort *ht = scratch + gid * (1u << WI_HASH_LOG);
    for (uint g = gid; g < count; g += get_global_size(0)) {
        uint p = first + g;
        if (desc[2 * p + 1] == ST_SAME) continue;
        __global const uchar *src = in + (size_t)p * PAGE;
        __global uchar *dst = out + (size_t)p * OUT_STRIDE;
        for (int i = 0; i < (1 << WI_HASH_LOG); i++) ht[i] = 0;

        int ip = 0, anchor = 0, op = 0, too_big = 0;
        ht[ghash(g32(src))] = 0;
        ip = 1;
        uint fh = ghash(g32(src + ip));
        for (;;) {
            int fwd = ip, step = 1, nb = 1 << 6, match;
            int found = 0;
            do {
                uint h = fh;
                ip = fwd;
                fwd += step;
                step = nb++ >> 6;
                if (fwd > MATCH_LAST) break;
                match = ht[h];
                fh = ghash(g32(src + fwd));
                ht[h] = (ushort)ip;
                if (g32(src + match) == g32(src + ip)) { found = 1; break; }
            } while (1);
            if (!found) break;
            while (ip > anchor && match > 0 && src[ip - 1] == src[match - 1]) { ip--; match--; }

            int lit = ip - anchor;
            /* worst case for this sequence: token + lit extras + literals + offset + match extras */
            if (op + 1 + len_extra(lit) + lit + 2 + 1 + (PAGE / 255) + 1 + LASTLITERALS > (int)max_out) { too_big = 1; break; }
            int token = op++;
            uchar tok;
            if (lit >= RUN_MASK) { tok = RUN_MASK << ML_BITS; op = put_len(dst, op, lit); }
            else tok = (uchar)(lit << ML_BITS);
            for (int k = 0; k < lit; k++) dst[op + k] = src[anchor + k];
            op += lit;
            for (;;) {
                int off = ip - match;
                dst[op++] = (uchar)off;
                dst[op++] = (uchar)(off >> 8);
                int a = ip + MINMATCH, b = match + MINMATCH;
                while (a < MATCH_END - 3 && g32(src + a) == g32(src + b)) { a += 4; b += 4; }
                while (a < MATCH_END && src[a] == src[b]) { a++; b++; }
                int ml = a - ip - MINMATCH;
                ip = a;
                if (ml >= ML_MASK) { tok += ML_MASK; op = put_len(dst, op, ml); }
                else tok += (uchar)ml;
                dst[token] = tok;
                anchor = ip;
                if (ip > MATCH_LAST) break;
                ht[ghash(g32(src + ip - 2))] = (ushort)(ip - 2);
                uint h = ghash(g32(src + ip));
                match = ht[h];
                ht[h] = (ushort)ip;
                if (g32(src + match) == g32(src + ip)) {
                    if (op + 1 + 2 + 1 + (PAGE / 255) + 1 + LASTLITERALS > (int)max_out) { too_big = 1; break; }
                    token = op++;
                    tok = 0;
                    continue;
                }
                break;
            }
            if (too_big || ip > MATCH_LAST) break;
            fh = ghash(g32(src + ++ip));
        }
        if (!too_big) {
            int lit = PAGE - anchor;
            if (op + 1 + len_extra(lit) + lit > (int)max_out) too_big = 1;
            else {
                if (lit >= RUN_MASK) { dst[op++] = RUN_MASK << ML_BITS; op = put_len(dst, op, lit); }
                else dst[op++] = (uchar)(lit << ML_BITS);
                for (int k = 0; k < lit; k++) dst[op + k] = src[anchor + k];
                op += lit;
            }
        }
        desc[2 * p] = too_big ? 0 : op;
        desc[2 * p + 1] = too_big ? ST_TOO_BIG : ST_OK;
    }
}

/* ------------------------------------------------------------------------------------------------------------- */
/* (b) A work-group cooperates on one page (WG work-items, local memory + barriers):                              */
/*   1. load the page into local memory (coalesced);                                                              */
/*   2. match search for every position in parallel, in chunks of WG positions: each position takes the latest    */
/*      earlier position with the same 4-byte hash from a shared table (earlier chunks), or a nearer one within   */
/*      its own chunk (NEAR_WINDOW back); the table is then updated with atomic_max;                              */
/*   3. match lengths in parallel (up to MATCH_CAP), a bitmap of positions that have a match;                     */
/*   4. one work-item parses greedily (skipping 32 positions per bitmap word) and lays the sequences out,         */
/*      computing every sequence's output offset as a running sum;                                                 */
/*   5. all work-items write the sequences in parallel; long literal runs are copied by the whole group.          */
/* Local memory: page 4 KiB + table 16 KiB + lengths/offsets 16 KiB + bitmap 0.5 KiB ~ 37 KiB (< 48 KiB).       */
/* ------------------------------------------------------------------------------------------------------------- */
static inline uint l32(__local const uint *w, int b)
{
    int i = b >> 2, sh = (b & 3) * 8;
    uint lo = w[i];
    return sh ? (lo >> sh) | (w[i + 1] << (32 - sh)) : lo;
}
static inline uchar l8(__local const uint *w, int b) { return (uchar)(w[b >> 2] >> ((b & 3) * 8)); }
static inline uint lhash(uint v) { return (v * PRIME) >> (32 - COOP_HASH_LOG); }

#define MAX_SEQ 1024
#define LONG_LIT 64

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void lz4_coop(__global const uchar *in, __global uchar *out, __global int *desc, uint first, uint count, uint max_out)
{
    __local uint page[PAGE_WORDS + 2];
    __local int table[1 << COOP_HASH_LOG];   /* step 2: hash table; steps 4-5: sequence records */
    __local ushort mlen[PAGE];
    __local ushort moff[PAGE];
    __local uint bitmap[PAGE / 32];
    __local ushort hc[WG];
    __local int nseq, nlong, result;
    __local ushort longs[PAGE / LONG_LIT + 1];

    const int lid = get_local_id(0);
    __local ushort *s_lit = (__local ushort *)table;          /* literal length       */
    __local ushort *s_anchor = s_lit + MAX_SEQ;               /* literal start        */
    __local ushort *s_ml = s_anchor + MAX_SEQ;                /* match length, 0 = last literals */
    __local ushort *s_off = s_ml + MAX_SEQ;                   /* match offset         */
    __local ushort *s_op = s_off + MAX_SEQ;                   /* output position      */

    for (uint g = get_group_id(0); g < count; g += get_num_groups(0)) {
        uint p = first + g;
        if (desc[2 * p + 1] == ST_SAME) continue;              /* uniform across the group */
        __global const uint *src = (__global const uint *)(in + (size_t)p * PAGE);
        __global uchar *dst = out + (size_t)p * OUT_STRIDE;

        /* 1. load; clear table and bitmap */
        for (int i = lid; i < PAGE_WORDS; i += WG) page[i] = src[i];
        if (lid < 2) page[PAGE_WORDS + lid] = 0;
        for (int i = lid; i < (1 << COOP_HASH_LOG); i += WG) table[i] = -1;
        for (int i = lid; i < PAGE / 32; i += WG) bitmap[i] = 0;
        barrier(CLK_LOCAL_MEM_FENCE);

        /* 2. candidates, chunk by chunk */
        for (int base = 0; base <= MATCH_LAST; base += WG) {
            int i = base + lid;
            int valid = i <= MATCH_LAST;
            uint v = valid ? l32(page, i) : 0;
            uint h = lhash(v);
            hc[lid] = (ushort)h;
            barrier(CLK_LOCAL_MEM_FENCE);
            int near = -1, far = -1;
            if (valid) {
                for (int j = lid - 1; j >= 0 && j >= lid - NEAR_WINDOW; j--) {
                    if (hc[j] == h && l32(page, base + j) == v) { near = base + j; break; }
                }
                int t = table[h];
                if (t >= 0 && l32(page, t) == v) far = t;
            }
            barrier(CLK_LOCAL_MEM_FENCE);
            if (valid) {
                atomic_max(&table[h], i);
                /* 3. match length of both candidates, capped; keep the longer (the nearer on a tie). The nearest
                 * equal position is often a short repeat (a pixel pair) while an older one continues (the row above):
                 * liblz4 finds those because it does not index positions inside matches. */
                int best = 0, bestc = -1;
                for (int k = 0; k < 2; k++) {
                    int c = k == 0 ? near : far;
                    if (c < 0) continue;
                    int a = i + MINMATCH, b = c + MINMATCH;
                    int lim = min(MATCH_END, i + MATCH_CAP);
                    int miss = 0;
                    while (a + 4 <= lim) {
                        uint x = l32(page, a) ^ l32(page, b);
                        if (x) { a += ctz32(x) >> 3; miss = 1; break; }
                        a += 4; b += 4;
                    }
                    if (!miss) { while (a < lim && l8(page, a) == l8(page, b)) { a++; b++; } }
                    if (a - i > best) { best = a - i; bestc = c; }
                }
                mlen[i] = (ushort)best;
                if (bestc >= 0) {
                    moff[i] = (ushort)(i - bestc);
                    atomic_or(&bitmap[i >> 5], 1u << (i & 31));
                }
            }
            barrier(CLK_LOCAL_MEM_FENCE);
        }

        /* 4. greedy parse by one work-item */
        if (lid == 0) {
            int anchor = 0, i = 0, ns = 0, op = 0, nl = 0, big = 0;
            for (;;) {
                /* next position >= i with a match */
                int w = i >> 5;
                uint bits = w < PAGE / 32 ? bitmap[w] & (0xFFFFFFFFu << (i & 31)) : 0;
                while (bits == 0 && ++w < PAGE / 32) bits = bitmap[w];
                if (bits == 0) break;
                i = (w << 5) + ctz32(bits);
                if (i > MATCH_LAST) break;
                int off = moff[i];
                int len = mlen[i];
                if (len == MATCH_CAP) {
                    int a = i + len;
                    while (a < MATCH_END - 3 && l32(page, a) == l32(page, a - off)) a += 4;
                    while (a < MATCH_END && l8(page, a) == l8(page, a - off)) a++;
                    len = a - i;
                }
                while (i > anchor && i - off > 0 && l8(page, i - 1) == l8(page, i - 1 - off)) { i--; len++; }
                int lit = i - anchor;
                s_lit[ns] = (ushort)lit; s_anchor[ns] = (ushort)anchor;
                s_ml[ns] = (ushort)len; s_off[ns] = (ushort)off; s_op[ns] = (ushort)op;
                op += 1 + len_extra(lit) + lit + 2 + len_extra(len - MINMATCH);
                if (lit > LONG_LIT) longs[nl++] = (ushort)ns;
                ns++;
                if (op > (int)max_out || ns >= MAX_SEQ - 1) { big = 1; break; }
                anchor = i + len;
                i = anchor;
            }
            int lit = PAGE - anchor;
            s_lit[ns] = (ushort)lit; s_anchor[ns] = (ushort)anchor; s_ml[ns] = 0; s_off[ns] = 0; s_op[ns] = (ushort)op;
            if (lit > LONG_LIT) longs[nl++] = (ushort)ns;
            ns++;
            op += 1 + len_extra(lit) + lit;
            if (op > (int)max_out) big = 1;
            nseq = ns; nlong = nl;
            result = big ? -1 : op;
        }
        barrier(CLK_LOCAL_MEM_FENCE);

        /* 5. write the sequences in parallel */
        int res = result;
        if (res >= 0) {
            int ns = nseq;
            for (int s = lid; s < ns; s += WG) {
                int lit = s_lit[s], ml = s_ml[s], op = s_op[s], anchor = s_anchor[s];
                int tok = (lit >= RUN_MASK ? RUN_MASK : lit) << ML_BITS;
                int o = op + 1;
                if (lit >= RUN_MASK) o = put_len(dst, o, lit);
                if (lit <= LONG_LIT) for (int k = 0; k < lit; k++) dst[o + k] = l8(page, anchor + k);
                o += lit;
                if (ml) {
                    int off = s_off[s];
                    dst[o++] = (uchar)off;
                    dst[o++] = (uchar)(off >> 8);
                    int mc = ml - MINMATCH;
                    tok |= mc >= ML_MASK ? ML_MASK : mc;
                    if (mc >= ML_MASK) o = put_len(dst, o, mc);
                }
                dst[op] = (uchar)tok;
            }
            int nl = nlong;
            for (int k = 0; k < nl; k++) {
                int s = longs[k];
                int lit = s_lit[s], anchor = s_anchor[s];
                int o = s_op[s] + 1 + len_extra(lit);
                for (int b = lid; b < lit; b += WG) dst[o + b] = l8(page, anchor + b);
            }
        }
        if (lid == 0) {
            desc[2 * p] = res >= 0 ? res : 0;
            desc[2 * p + 1] = res >= 0 ? ST_OK : ST_TOO_BIG;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}

/* ------------------------------------------------------------------------------------------------------------- */
/* Output packing for discrete GPUs: instead of reading back every 4 KiB slot, the host reads one contiguous      */
/* region holding only the LZ4 blocks of OK pages. scan_lengths runs as ONE work-group of SCAN_WG work-items.      */
/* ------------------------------------------------------------------------------------------------------------- */
#ifndef SCAN_WG
#define SCAN_WG 256
#endif

__kernel __attribute__((reqd_work_group_size(SCAN_WG, 1, 1)))
void scan_lengths(__global const int *desc, __global uint *offsets, uint count)
{
    __local uint tmp[SCAN_WG];
    const uint lid = get_local_id(0);
    uint carry = 0;
    for (uint base = 0; base < count; base += SCAN_WG) {
        uint i = base + lid;
        uint v = (i < count && desc[2 * i + 1] == ST_OK) ? (uint)desc[2 * i] : 0u;
        tmp[lid] = v;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (uint d = 1; d < SCAN_WG; d <<= 1) {     /* Hillis-Steele inclusive scan */
            uint t = lid >= d ? tmp[lid - d] : 0u;
            barrier(CLK_LOCAL_MEM_FENCE);
            tmp[lid] += t;
            barrier(CLK_LOCAL_MEM_FENCE);
        }
        if (i < count) offsets[i] = carry + tmp[lid] - v;
        carry += tmp[SCAN_WG - 1];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}

__kernel void gather(__global const uchar *out, __global const int *desc, __global const uint *offsets,
                     __global uchar *packed, uint count)
{
    for (uint p = get_group_id(0); p < count; p += get_num_groups(0)) {
        if (desc[2 * p + 1] != ST_OK) continue;
        int len = desc[2 * p];
        __global const uchar *s = out + (size_t)p * OUT_STRIDE;
        __global uchar *d = packed + offsets[p];
        for (int b = get_local_id(0); b < len; b += get_local_size(0)) d[b] = s[b];
    }
}
