/* sk_stream.c — records packed into chunks for streaming inference (sk_stream.h). */
#include "src/sk_stream.h"

#include <stdlib.h>
#include <string.h>

struct sk_stream {
    int64_t C;
    sk_stream_chunk_fn fn;
    void *ctx;
    int32_t *tok, *tgt; /* (C) */
    uint8_t *reset;     /* (C) */
    sk_stream_piece *pc;/* (C) pieces of the chunk being filled */
    char **names;       /* (C) owned copies of the pieces' names */
    int64_t n, np;      /* positions and pieces filled */
    /* the current record */
    char *name;
    int in_rec;
    int64_t rec, pos;   /* record number, tokens put so far */
    int64_t prev;       /* buffer position of its previous token, -1 if not in the buffer */
    int64_t records, tokens, chunks;
    sk_progress *progress;
};

int sk_stream_create(sk_stream **out, int64_t chunk, sk_stream_chunk_fn fn, void *ctx) {
    *out = NULL;
    if (chunk < 1) return sk_error(SK_EINVAL, "stream: chunk must be >= 1 (got %lld)", (long long)chunk);
    sk_stream *s = calloc(1, sizeof *s);
    if (!s) return sk_error(SK_ENOMEM, "stream: out of memory");
    s->C = chunk, s->fn = fn, s->ctx = ctx, s->prev = -1;
    s->tok = malloc((size_t)chunk * sizeof(int32_t));
    s->tgt = malloc((size_t)chunk * sizeof(int32_t));
    s->reset = malloc((size_t)chunk);
    s->pc = malloc((size_t)chunk * sizeof *s->pc);
    s->names = calloc((size_t)chunk, sizeof *s->names);
    if (!s->tok || !s->tgt || !s->reset || !s->pc || !s->names) {
        sk_stream_free(s);
        return sk_error(SK_ENOMEM, "stream: out of memory for chunks of %lld", (long long)chunk);
    }
    *out = s;
    return SK_OK;
}

static void drop_names(sk_stream *s) {
    for (int64_t i = 0; i < s->np; i++) free(s->names[i]), s->names[i] = NULL;
}

void sk_stream_free(sk_stream *s) {
    if (!s) return;
    if (s->names) drop_names(s);
    free(s->tok), free(s->tgt), free(s->reset), free(s->pc), free(s->names), free(s->name);
    free(s);
}

static int flush(sk_stream *s) {
    if (!s->n) return SK_OK;
    for (int64_t i = 0; i < s->np; i++) s->pc[i].name = s->names[i];
    int rc = s->fn(s->ctx, s->tok, s->tgt, s->reset, s->n, s->pc, s->np);
    drop_names(s);
    sk_progress_add(s->progress, s->n);
    s->n = s->np = 0, s->prev = -1, s->chunks++;
    return rc;
}

int sk_stream_begin(sk_stream *s, const char *name) {
    if (s->in_rec) return sk_error(SK_EINVAL, "stream: record '%s' begun before '%s' ended", name, s->name);
    free(s->name);
    if (!(s->name = strdup(name ? name : ""))) return sk_error(SK_ENOMEM, "stream: out of memory");
    s->in_rec = 1, s->pos = 0, s->prev = -1;
    return SK_OK;
}

int sk_stream_put(sk_stream *s, const int32_t *tok, int64_t n) {
    if (!s->in_rec) return sk_error(SK_EINVAL, "stream: tokens outside a record");
    for (int64_t i = 0; i < n; i++) {
        if (s->prev >= 0) s->tgt[s->prev] = tok[i]; /* the previous position predicts this token */
        if (s->n == s->C) {
            int rc = flush(s);
            if (rc) return rc;
        }
        const int64_t p = s->n++;
        if (!s->np || s->pc[s->np - 1].rec != s->rec) { /* the record's first position in this chunk */
            if (!(s->names[s->np] = strdup(s->name))) return sk_error(SK_ENOMEM, "stream: out of memory");
            s->pc[s->np++] = (sk_stream_piece){.rec = s->rec, .off = p, .n = 0, .start = s->pos, .first = s->pos == 0};
        }
        s->pc[s->np - 1].n++;
        s->tok[p] = tok[i], s->tgt[p] = -1, s->reset[p] = s->pos == 0;
        s->prev = p, s->pos++, s->tokens++;
    }
    return SK_OK;
}

int sk_stream_end(sk_stream *s) {
    if (!s->in_rec) return sk_error(SK_EINVAL, "stream: no record to end");
    s->in_rec = 0;
    if (!s->pos) return sk_error(SK_EFORMAT, "record '%s' (#%lld) has no tokens", s->name, (long long)s->rec + 1);
    s->pc[s->np - 1].last = 1; /* its last token is still in the buffer: chunks are handed over lazily */
    s->prev = -1, s->rec++, s->records++;
    return SK_OK;
}

int sk_stream_finish(sk_stream *s) {
    if (s->in_rec) return sk_error(SK_EINVAL, "stream: record '%s' did not end", s->name);
    return flush(s);
}

void sk_stream_set_progress(sk_stream *s, sk_progress *p) { s->progress = p; }
sk_progress *sk_stream_progress(const sk_stream *s) { return s->progress; }

void sk_stream_counts(const sk_stream *s, int64_t *records, int64_t *tokens, int64_t *chunks) {
    if (records) *records = s->records;
    if (tokens) *tokens = s->tokens;
    if (chunks) *chunks = s->chunks;
}

int sk_rpool_init(sk_rpool *p, int last, int64_t d) {
    *p = (sk_rpool){.last = last, .d = d, .acc = calloc((size_t)d, sizeof(double))};
    return p->acc ? SK_OK : sk_error(SK_ENOMEM, "pooling: out of memory");
}

void sk_rpool_free(sk_rpool *p) { free(p->acc), p->acc = NULL; }

void sk_rpool_add(sk_rpool *p, const float *h, int64_t n) {
    const int64_t d = p->d;
    if (n < 1) return;
    if (p->last) {
        for (int64_t j = 0; j < d; j++) p->acc[j] = h[(n - 1) * d + j];
    } else {
        for (int64_t t = 0; t < n; t++)
            for (int64_t j = 0; j < d; j++) p->acc[j] += h[t * d + j];
    }
    p->len += n;
}

int64_t sk_rpool_take(sk_rpool *p, double *out) {
    const int64_t n = p->len;
    for (int64_t j = 0; j < p->d; j++) out[j] = p->last || !n ? p->acc[j] : p->acc[j] / (double)n, p->acc[j] = 0;
    p->len = 0;
    return n;
}
