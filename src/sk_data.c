/* sk_data.c — LM batches from byte files (and the core shared with shards). See sk_data.h. */
#include "src/sk_data_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define STATE_MAGIC 0x534b4441544101ull   /* "SKDATA" + layout version 1 */

static const char *split_name(int split) {
    switch (split) {
    case SK_DATA_ALL: return "whole";
    case SK_SPLIT_TRAIN: return "train";
    case SK_SPLIT_VALID: return "valid";
    case SK_SPLIT_TEST: return "test";
    default: return "?";
    }
}

int sk_data_alloc_(sk_data **out, const char *path, int format, const sk_data_opts *o, int64_t nseg) {
    *out = NULL;
    if (o->length < 1) return sk_error(SK_EINVAL, "%s: window length must be >= 1 (got %lld)", path, (long long)o->length);
    if (o->batch < 1) return sk_error(SK_EINVAL, "%s: batch size must be >= 1 (got %d)", path, o->batch);
    if (o->split < SK_DATA_ALL || o->split > SK_SPLIT_TEST) return sk_error(SK_EINVAL, "%s: unknown split %d", path, o->split);
    if (o->mode != SK_DATA_RANDOM && o->mode != SK_DATA_SEQUENTIAL) return sk_error(SK_EINVAL, "%s: unknown sampling mode %d", path, o->mode);
    if (o->rc_aug && (o->pack || o->mode != SK_DATA_RANDOM || format != SK_DATA_SHARD))
        return sk_error(SK_EINVAL, "%s: reverse-complement augmentation takes random unpacked rows of a DNA token shard%s", path,
                        format != SK_DATA_SHARD ? " (this is a byte file)" : o->pack ? " (not with packed rows)" : "");
    if (!(o->valid_fraction >= 0 && o->valid_fraction < 1))
        return sk_error(SK_EINVAL, "%s: valid fraction must be in [0, 1) (got %g)", path, o->valid_fraction);
    sk_data *d = calloc(1, sizeof *d);
    if (!d) return sk_error(SK_ENOMEM, "%s: out of memory", path);
    d->o = *o;
    d->rank = 0, d->world = 1;
    d->format = format;
    d->bos = -1;
    d->nseg = nseg;
    d->path = strdup(path);
    d->seg_id = calloc((size_t)(nseg > 0 ? nseg : 1), sizeof *d->seg_id);
    d->seg_len = calloc((size_t)(nseg > 0 ? nseg : 1), sizeof *d->seg_len);
    d->cum = calloc((size_t)nseg + 1, sizeof *d->cum);
    d->tmp = malloc((size_t)(o->length + 1) * sizeof *d->tmp);
    if (o->pack) d->reset = calloc((size_t)o->batch * (size_t)o->length, 1);
    *out = d;
    if (!d->path || !d->seg_id || !d->seg_len || !d->cum || !d->tmp || (o->pack && !d->reset))
        return sk_error(SK_ENOMEM, "%s: out of memory", path);
    return SK_OK;
}

/* Windows of a segment of n >= 2 tokens: random = every start with a full window (at least one,
 * padded); sequential = starts 0, L, 2L, ... until every target is covered: ceil((n - 1) / L). */
static int64_t seg_windows(int mode, int64_t n, int64_t L) {
    if (mode == SK_DATA_RANDOM) return n >= L + 1 ? n - L : 1;
    return (n - 1 + L - 1) / L;
}

/* FNV-1a over 64-bit words. */
static uint64_t fnv(uint64_t h, uint64_t w) {
    for (int i = 0; i < 8; i++) {
        h ^= (w >> (8 * i)) & 0xff;
        h *= 0x100000001b3ull;
    }
    return h;
}

int sk_data_finish_(sk_data *d) {
    if (d->nseg == 0)
        return sk_error(SK_EINVAL, "%s: the %s split has no example with at least 2 tokens", d->path, split_name(d->o.split));
    d->tokens = 0;
    for (int64_t i = 0; i < d->nseg; i++) {
        d->tokens += d->seg_len[i];
        d->cum[i + 1] = d->cum[i] + (d->o.pack ? d->seg_len[i] - 1 : seg_windows(d->o.mode, d->seg_len[i], d->o.length));
    }
    const int64_t P = d->cum[d->nseg], L = d->o.length; /* packed: P positions */
    if (!d->o.pack) d->nwin = P;
    else d->nwin = d->o.mode == SK_DATA_RANDOM ? (P >= L ? P - L + 1 : 1) : (P + L - 1) / L;
    uint64_t h = 0xcbf29ce484222325ull;
    const uint64_t fields[] = {(uint64_t)d->format, (uint64_t)(int64_t)d->o.split, (uint64_t)d->o.mode, (uint64_t)d->o.length,
                               d->o.seed, (uint64_t)d->nseg, (uint64_t)d->tokens, (uint64_t)d->nwin, (uint64_t)d->map.size};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) h = fnv(h, fields[i]);
    if (d->o.pack) h = fnv(h, 0x7061636b); /* "pack": unpacked states keep their fingerprint */
    if (d->o.rc_aug) h = fnv(h, 0x7263); /* "rc" */
    d->fingerprint = h;
    /* stream = split + 1, so train and valid samplers of one seed differ */
    sk_rng_seed(&d->rng, d->o.seed, (uint64_t)(d->o.split + 1));
    return SK_OK;
}

void sk_data_close(sk_data *d) {
    if (!d) return;
    if (d->close_src) d->close_src(d);
    sk_map_close(&d->map);
    free(d->path);
    free(d->seg_id);
    free(d->seg_len);
    free(d->cum);
    free(d->tmp);
    free(d->comp);
    free(d->reset);
    free(d);
}

/* ---- byte files ---- */

static int bytes_read(const sk_data *d, int64_t seg, int64_t start, int64_t n, int32_t *dst) {
    const uint8_t *p = d->map.data + d->seg_id[seg] + start;
    for (int64_t j = 0; j < n; j++) dst[j] = p[j];
    return SK_OK;
}

int sk_data_open_bytes(sk_data **out, const char *path, const sk_data_opts *o) {
    *out = NULL;
    if (o->split == SK_SPLIT_TEST) return sk_error(SK_EINVAL, "%s: a byte file has no test split (only train and valid)", path);
    sk_data *d = NULL;
    int rc = sk_data_alloc_(&d, path, SK_DATA_BYTES, o, 1);
    if (rc == SK_OK) rc = sk_map_open(&d->map, path);
    if (rc) {
        sk_data_close(d);
        return rc;
    }
    d->vocab = 256;
    d->pad_token = 0;
    d->pad_ignore = 1;
    d->read = bytes_read;
    /* deterministic split by position: [0, n - nv) train, [n - nv, n) valid */
    int64_t n = d->map.size, nv = (int64_t)floor((double)n * o->valid_fraction);
    int64_t lo = o->split == SK_SPLIT_VALID ? n - nv : 0, hi = o->split == SK_SPLIT_TRAIN ? n - nv : n;
    d->seg_id[0] = lo;
    d->seg_len[0] = hi - lo;
    if (hi - lo < 2) d->nseg = 0;
    if (d->nseg && o->mode == SK_DATA_RANDOM && hi - lo < o->length + 1) {
        rc = sk_error(SK_EINVAL, "%s: the %s split has %lld bytes, fewer than length + 1 = %lld", path, split_name(o->split),
                      (long long)(hi - lo), (long long)o->length + 1);
    } else {
        rc = sk_data_finish_(d);
    }
    if (rc) {
        sk_data_close(d);
        return rc;
    }
    *out = d;
    return SK_OK;
}

/* ---- batches ---- */

/* The segment s with cum[s] <= w < cum[s+1]. */
static int64_t find_seg(const sk_data *d, int64_t w) {
    int64_t lo = 0, hi = d->nseg - 1;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo + 1) / 2;
        if (d->cum[mid] <= w) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}

/* Packed row w: positions [p0, p0 + L) of the segment stream, p0 = w (random) or w L
 * (sequential); position p of segment s at offset o = p - cum[s] has input s[o], target s[o+1]
 * and reset (o == 0). Positions past the stream are padding (reset 0). */
static int fill_packed(sk_data *d, int64_t w, int32_t *in, int32_t *tg, uint8_t *rs) {
    const int64_t L = d->o.length, P = d->cum[d->nseg];
    const int64_t p0 = d->o.mode == SK_DATA_RANDOM ? w : w * L;
    int64_t j = 0;
    for (int64_t s = p0 < P ? find_seg(d, p0) : d->nseg; j < L && s < d->nseg; s++) {
        int64_t o = p0 + j - d->cum[s], m = d->seg_len[s] - 1 - o; /* positions left in s */
        if (m > L - j) m = L - j;
        int rc = d->read(d, s, o, m + 1, d->tmp);
        if (rc) return rc;
        for (int64_t k = 0; k < m; k++, j++) in[j] = d->tmp[k], tg[j] = d->tmp[k + 1], rs[j] = o + k == 0;
    }
    int32_t tpad = d->pad_ignore ? SK_DATA_IGNORE : d->pad_token;
    for (; j < L; j++) in[j] = d->pad_token, tg[j] = tpad, rs[j] = 0;
    return SK_OK;
}

/* Fill one row from window w (global index in the mode's numbering); rc: its reverse complement. */
static int fill_row(sk_data *d, int64_t w, int rc_row, int32_t *in, int32_t *tg) {
    const int64_t L = d->o.length;
    int64_t lo = find_seg(d, w);
    int64_t k = w - d->cum[lo], start = d->o.mode == SK_DATA_RANDOM ? k : k * L;
    int64_t m = d->seg_len[lo] - start;   /* tokens available from start */
    if (m > L + 1) m = L + 1;
    int rc = d->read(d, lo, start, m, d->tmp);
    if (rc) return rc;
    for (int64_t a = 0, b = m - 1; rc_row && a <= b; a++, b--) {
        int32_t x = d->tmp[a], y = d->tmp[b];
        d->tmp[a] = y >= 0 && y < d->vocab ? d->comp[y] : y;
        d->tmp[b] = x >= 0 && x < d->vocab ? d->comp[x] : x;
    }
    int32_t tpad = d->pad_ignore ? SK_DATA_IGNORE : d->pad_token;
    for (int64_t j = 0; j < L; j++) {
        in[j] = j < m ? d->tmp[j] : d->pad_token;
        tg[j] = j + 1 < m ? d->tmp[j + 1] : tpad;
    }
    return SK_OK;
}

int sk_data_next(sk_data *d, int32_t *inputs, int32_t *targets, int *rows) {
    const int64_t L = d->o.length, total = d->nwin;
    /* the global batch has world x batch rows; this rank fills rows [lo, lo + batch) of it */
    const int64_t gb = (int64_t)d->world * d->o.batch, lo = (int64_t)d->rank * d->o.batch;
    *rows = 0;
    if (d->o.mode == SK_DATA_SEQUENTIAL && d->cursor >= total) return SK_EOF;
    for (int64_t g = 0; g < gb; g++) {
        int64_t w = -1;
        if (d->o.mode == SK_DATA_RANDOM) w = (int64_t)sk_rng_below(&d->rng, (uint64_t)total); /* every rank draws */
        else if (d->cursor < total) w = d->cursor++;
        if (g < lo || g >= lo + d->o.batch) continue;
        int32_t *in = inputs + (g - lo) * L, *tg = targets + (g - lo) * L;
        uint8_t *rs = d->reset ? d->reset + (g - lo) * L : NULL;
        if (w < 0) {   /* past the last window: an empty row */
            for (int64_t j = 0; j < L; j++) {
                in[j] = d->pad_token;
                tg[j] = SK_DATA_IGNORE;
                if (rs) rs[j] = 0;
            }
            continue;
        }
        const int rc_row = d->o.rc_aug && sk_rng_coin(d->o.seed, (uint64_t)d->batches, (uint64_t)g);
        int rc = rs ? fill_packed(d, w, in, tg, rs) : fill_row(d, w, rc_row, in, tg);
        if (rc) return sk_error_wrap(rc, "%s: ", d->path);
        (*rows)++;
    }
    d->batches++;
    return SK_OK;
}

void sk_data_rewind(sk_data *d) { d->cursor = 0; }

int sk_data_set_rank(sk_data *d, int rank, int world) {
    if (world < 1 || rank < 0 || rank >= world)
        return sk_error(SK_EINVAL, "%s: rank %d is not in a world of %d", d->path, rank, world);
    if (d->batches || d->cursor) return sk_error(SK_EINVAL, "%s: set the rank before the first batch", d->path);
    if (d->world > 1) return sk_error(SK_EINVAL, "%s: the rank is already set", d->path);
    d->rank = rank, d->world = world;
    if (world > 1) d->fingerprint = fnv(d->fingerprint, (uint64_t)world); /* one-process states keep theirs */
    return SK_OK;
}
int sk_data_rank(const sk_data *d) { return d->rank; }
int sk_data_world(const sk_data *d) { return d->world; }

int64_t sk_data_vocab_size(const sk_data *d) { return d->vocab; }
int64_t sk_data_windows(const sk_data *d) { return d->nwin; }
const uint8_t *sk_data_resets(const sk_data *d) { return d->reset; }
int64_t sk_data_tokens(const sk_data *d) { return d->tokens; }
int64_t sk_data_targets(const sk_data *d) { return d->tokens - d->nseg; }
int64_t sk_data_batches(const sk_data *d) { return d->batches; }
const char *sk_data_path(const sk_data *d) { return d->path; }
int32_t sk_data_bos(const sk_data *d) { return d->bos; }

void sk_data_state_get(const sk_data *d, uint64_t w[SK_DATA_STATE_WORDS]) {
    for (int i = 0; i < 4; i++) w[i] = d->rng.s[i];
    w[4] = (uint64_t)d->cursor;
    w[5] = (uint64_t)d->batches;
    w[6] = d->fingerprint;
    w[7] = STATE_MAGIC;
}

int sk_data_state_set(sk_data *d, const uint64_t w[SK_DATA_STATE_WORDS]) {
    if (w[7] != STATE_MAGIC) return sk_error(SK_EFORMAT, "%s: saved data-sampler state is not an sk_data state (layout 1)", d->path);
    if (w[6] != d->fingerprint)
        return sk_error(SK_EINVAL, "%s: saved data-sampler state was made with other data or options "
                        "(file size, split, length, seed or mode differ); resume with the original ones", d->path);
    if ((int64_t)w[4] < 0 || (int64_t)w[4] > d->nwin || (int64_t)w[5] < 0)
        return sk_error(SK_EFORMAT, "%s: saved data-sampler state is corrupt (cursor %lld)", d->path, (long long)w[4]);
    for (int i = 0; i < 4; i++) d->rng.s[i] = w[i];
    d->cursor = (int64_t)w[4];
    d->batches = (int64_t)w[5];
    return SK_OK;
}
