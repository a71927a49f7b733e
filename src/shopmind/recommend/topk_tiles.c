/* Top-n selection over tiles of a cosine matrix, for shopmind's content neighbours.
 *
 * Why C: on Home Depot's 54,667 e5 vectors the numpy selection (chunk maxima, compares,
 * nonzero, gathers: five or six passes over every 4096 x 4096 tile) took ~10 of the lists'
 * ~20 CPU-s, the tile products the other ~10 (issue 17). Here one pass over a tile reads
 * each value once for its row and, off the diagonal tiles, once more for its column, against
 * that row's (column's) current n-th best: after the first tiles almost nothing passes, so
 * the pass runs at memory speed.
 *
 * Each output row keeps a heap of its n best (value, column) pairs; the root is the worst of
 * them. A pair ranks before another when its value is larger, or equal and its column
 * smaller, so the result is that of a full stable sort of the same values by value (largest
 * first), ties in column order, whatever order the tiles come in. The values are the tile
 * products' own (computed by the caller), so the lists are exact. NaN never enters (every
 * comparison with it is false); rows and columns marked empty never enter either.
 *
 * Portable C (no intrinsics): the compare loop uses GCC's vector extensions (clang has them too).
 * Loaded with ctypes (``topk_native.py``), which releases the GIL for the call.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 16
/* four floats and the masks of their compares: GCC's vector extensions (SSE2 on any x86-64,
 * NEON on arm64) */
typedef float vf __attribute__((vector_size(16)));
typedef int32_t vi __attribute__((vector_size(16)));

/* (v1, c1) ranks after (v2, c2): a smaller value, or the same value in a later column */
static inline int worse(float v1, int64_t c1, float v2, int64_t c2) {
    return v1 < v2 || (v1 == v2 && c1 > c2);
}

/* Replace the root (the worst) of heap (hv, hc) of size n by (v, c) and restore the heap. */
static void replace_root(float *hv, int64_t *hc, int64_t n, float v, int64_t c) {
    int64_t i = 0;
    for (;;) {
        int64_t l = 2 * i + 1, r = l + 1, w = i;
        float wv = v;
        int64_t wc = c;
        if (l < n && worse(hv[l], hc[l], wv, wc)) {
            w = l;
            wv = hv[l];
            wc = hc[l];
        }
        if (r < n && worse(hv[r], hc[r], wv, wc)) {
            w = r;
        }
        if (w == i) break;
        hv[i] = hv[w];
        hc[i] = hc[w];
        i = w;
    }
    hv[i] = v;
    hc[i] = c;
}

/* Offer (v, c) to row r's heap; returns the row's new threshold (its root value). */
static inline float offer(float *hv, int64_t *hc, int64_t n, int64_t r, float v, int64_t c) {
    float *rv = hv + r * n;
    int64_t *rc = hc + r * n;
    if (worse(rv[0], rc[0], v, c)) replace_root(rv, rc, n, v, c);
    return rv[0];
}

/* Offer the values of tile s (rows x cols, row stride ld) = cosines of items a.. (rows) with
 * items b.. (columns) to the heaps: every row a+i gets its columns b+j; unless `same` (the
 * diagonal tile a == b, whose columns are its rows) every column b+j also gets rows a+i.
 * The diagonal (a+i == b+j) and empty items are never offered. `colthr` is scratch space
 * of `cols` floats. hv / hc: total x n heaps, initialised to (-inf, -1). */
void topk_tile(const float *s, int64_t rows, int64_t cols, int64_t ld, int64_t a, int64_t b,
               const uint8_t *empty, int same, float *hv, int64_t *hc, int64_t n,
               float *colthr) {
    if (!same) {
        for (int64_t j = 0; j < cols; j++) colthr[j] = empty[b + j] ? INFINITY : hv[(b + j) * n];
    }
    for (int64_t i = 0; i < rows; i++) {
        int64_t r = a + i;
        if (empty[r]) continue; /* its cosines are 0 and it has no list */
        const float *row = s + i * ld;
        float rt = hv[r * n];
        if (same) {
            for (int64_t j = 0; j < cols; j++) {
                float v = row[j];
                if (v >= rt && j != i && !empty[b + j]) rt = offer(hv, hc, n, r, v, b + j);
            }
            continue;
        }
        int64_t j = 0;
        for (; j + BLOCK <= cols; j += BLOCK) {
            vi m = {0, 0, 0, 0};
            for (int k = 0; k < BLOCK; k += 4) {
                vf x, c;
                memcpy(&x, row + j + k, sizeof x);
                memcpy(&c, colthr + j + k, sizeof c);
                m |= (x >= rt) | (x >= c);
            }
            uint64_t w[2];
            memcpy(w, &m, sizeof w);
            uint64_t hit = w[0] | w[1];
            if (!hit) continue;
            for (int k = 0; k < BLOCK; k++) {
                float v = row[j + k];
                if (v >= rt && !empty[b + j + k]) rt = offer(hv, hc, n, r, v, b + j + k);
                if (v >= colthr[j + k]) colthr[j + k] = offer(hv, hc, n, b + j + k, v, r);
            }
        }
        for (; j < cols; j++) {
            float v = row[j];
            if (v >= rt && !empty[b + j]) rt = offer(hv, hc, n, r, v, b + j);
            if (v >= colthr[j]) colthr[j] = offer(hv, hc, n, b + j, v, r);
        }
    }
}

/* Sort every row's heap in place, best first (largest value, ties by smaller column). */
void topk_finish(float *hv, int64_t *hc, int64_t total, int64_t n) {
    for (int64_t r = 0; r < total; r++) {
        float *rv = hv + r * n;
        int64_t *rc = hc + r * n;
        /* heap sort: move the worst to the end, shrink, repeat -> best first */
        for (int64_t m = n; m > 1; m--) {
            float v = rv[m - 1];
            int64_t c = rc[m - 1];
            rv[m - 1] = rv[0];
            rc[m - 1] = rc[0];
            replace_root(rv, rc, m - 1, v, c);
        }
    }
}
