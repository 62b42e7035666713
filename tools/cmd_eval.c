/* cmd_eval.c — `ssmkit eval`: next-token loss of a model on a token shard's split, a raw token
 * file or DNA records; other binary files are refused by their magic. Shards, windows of a token
 * file, the logit and gradient dumps and the U-Net's shifted stream are models/sk_eval.h; the
 * record streaming (src/sk_stream.h) and the FASTA glue stay here. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "models/sk_eval.h"
#include "models/sk_model.h"
#include "src/sk_data.h"
#include "src/sk_out.h"
#include "src/sk_progress.h"
#include "src/sk_stream.h"
#include "src/sk_io.h"
#include "src/sk_safetensors.h"
#include "tools/sk_cli.h"
#ifdef SSMKIT_HAVE_GENOMICS
#include "genomics/sk_dna_run.h"
#endif
#ifdef SSMKIT_HAVE_BIGWIG
#include <bigWig.h>
#endif
#ifdef SSMKIT_HAVE_OPENMP
#include <omp.h>
#endif

static const char *usage =
    "Usage: ssmkit eval --model M --data F [options]\n"
    "\n"
    "Mean next-token cross-entropy of a Mamba LM on a token file: position t predicts token t+1, so\n"
    "a sequence of L tokens has L-1 targets. Prints the loss (nats/token), bits/token, perplexity.\n"
    "A token shard is scored on one --split [test] exactly as training scores its validation split.\n"
    "Other binary files (checkpoints, audio, archives) are refused.\n"
    "\n"
    "Options:\n";

/* after the options */
static const char *epilog =
    "\n"
    "Audio U-Net checkpoints (\"arch\": \"unet\"): --data is a file of 8-bit mu-law tokens (.mulaw from\n"
    "ssmkit audio encode); as in training on audio shards, the input is the file shifted right by one\n"
    "with token 128 first, so every sample is a target (prints bits_per_sample). The file is streamed\n"
    "through the model in chunks of --chunk (or --length) samples [16384, rounded down to a multiple\n"
    "of the pool product] with the recurrent state carried: memory is that of one chunk, for any\n"
    "file length.\n";

/* ---- --region and --strand of the per-base tracks (below) ---- */
enum { TK_FWD = 0, TK_REV = 1, TK_BOTH = 2 };
#define TK_MAX_REGIONS 256

typedef struct tk_region {
    const char *arg;
    char *name;
    int64_t beg, end; /* 0-based half-open; end INT64_MAX: to the record's end */
    int seen;
} tk_region;

/* "chr", "chr:from", "chr:from-to" (1-based inclusive, commas allowed) into a region. */
static int tk_region_parse(const char *arg, tk_region *r) {
    *r = (tk_region){.arg = arg, .beg = 0, .end = INT64_MAX};
    const char *colon = strrchr(arg, ':');
    long long a = 0, b = 0;
    char digits[64];
    size_t k = 0;
    for (const char *p = colon ? colon + 1 : ""; *p && k + 1 < sizeof digits; p++)
        if (*p != ',') digits[k++] = *p;
    digits[k] = 0;
    int got = 0;
    if (colon) { /* FROM or FROM-TO, nothing else */
        char *e = digits, *e2;
        a = strtoll(digits, &e, 10), got = e != digits && *digits != '-' && *digits != '+';
        if (got && *e == '-') b = strtoll(e + 1, &e2, 10), got = e2 != e + 1 && e[1] != '-' && e[1] != '+' && !*e2 ? 2 : 0;
        else if (got && *e) got = 0;
    }
    if (colon && got < 1)
        return sk_error(SK_EINVAL, "--region %s: expected CHR, CHR:FROM or CHR:FROM-TO (1-based, inclusive)", arg);
    if (got >= 1 && (a < 1 || (got == 2 && b < a)))
        return sk_error(SK_EINVAL, "--region %s: positions start at 1 and FROM <= TO", arg);
    r->name = colon ? strndup(arg, (size_t)(colon - arg)) : strdup(arg);
    if (!r->name) return sk_error(SK_ENOMEM, "out of memory");
    if (!r->name[0]) return sk_error(SK_EINVAL, "--region %s: no record name", arg);
    if (got >= 1) r->beg = a - 1;
    if (got == 2) r->end = b;
    return SK_OK;
}

static tk_region regions[TK_MAX_REGIONS];
static int nregions;
/* --region, repeatable */
static int region_opt(const char *cmd, const sk_opt *o, const char *arg) {
    (void)o;
    if (nregions == TK_MAX_REGIONS) return sk_cli_usage(cmd, "at most %d --region", TK_MAX_REGIONS), -1;
    if (tk_region_parse(arg, &regions[nregions])) return sk_cli_usage(cmd, "%s", sk_errmsg()), -1;
    nregions++;
    return 0;
}

/* ---- streaming: records packed into chunks, one recurrent state (src/sk_stream.h) ---- */
typedef struct ev_ctx {
    sk_model *m;
    sk_model_state *st;
    double sum;            /* total NLL (nats) of the records ended so far */
    int64_t ntarget;
    double rec_nll;        /* the current record */
    int64_t rec_tg, rec_len;
    sk_out *per;           /* per-record TSV or NULL */
} ev_ctx;

/* One chunk: forward with the state carried (resets start records), then each position's loss
 * -log p(tgt) goes to its record; a record's sums are final at its last piece. */
static int ev_chunk(void *vctx, const int32_t *tok, const int32_t *tgt, const uint8_t *reset, int64_t n,
                    const sk_stream_piece *pc, int64_t np) {
    ev_ctx *c = vctx;
    int rc = sk_model_forward_state(c->m, c->st, tok, tgt, reset, n, NULL);
    if (rc) return rc;
    const float *pl = sk_model_position_losses(c->m);
    for (int64_t i = 0; i < np && !rc; i++) {
        for (int64_t p = pc[i].off; p < pc[i].off + pc[i].n; p++) c->rec_nll += pl[p], c->rec_tg += tgt[p] != -1;
        c->rec_len += pc[i].n;
        if (!pc[i].last) continue;
        if (c->per)
            rc = sk_out_printf(c->per, "%s\t%lld\t%lld\t%.9g\t%.6f\n", pc[i].name, (long long)c->rec_len,
                               (long long)c->rec_tg, c->rec_nll, c->rec_tg ? c->rec_nll / (double)c->rec_tg / log(2.0) : 0.0);
        c->sum += c->rec_nll, c->ntarget += c->rec_tg;
        c->rec_nll = 0, c->rec_tg = 0, c->rec_len = 0;
    }
    return rc;
}

/* A model for streaming (batch 1 x chunk) with its state. */
static int ev_open(ev_ctx *c, const char *model, const sk_backend *be, int64_t chunk) {
    int rc = sk_model_load(&c->m, model, be, 1, chunk, SK_MODEL_LM_ONLY | SK_MODEL_INFER);
    if (!rc) rc = sk_model_state_create(c->m, 1, &c->st);
    return rc;
}
static void ev_close(ev_ctx *c) {
    sk_model_state_free(c->st);
    sk_model_free(c->m);
}

/* The streaming summary: chunking, targets, total NLL and the loss lines. */
static void print_stream(const ev_ctx *c, int64_t chunk, const sk_stream *s, const char *unit) {
    int64_t chunks = 0;
    sk_stream_counts(s, NULL, NULL, &chunks);
    printf("chunk\t%lld\n", (long long)chunk);
    printf("chunks\t%lld\n", (long long)chunks);
    printf("targets\t%lld\n", (long long)c->ntarget);
    printf("nll\t%.9g\n", c->sum);
    sk_eval_print_loss(stdout, c->sum / (double)c->ntarget, unit);
}

/* The whole token file as one sequence, read in blocks and streamed in chunks. */
static int eval_tokens_stream(const char *model, const char *data, int64_t width, int64_t chunk, const sk_backend *be,
                              sk_progress *pg) {
    ev_ctx c = {0};
    sk_stream *s = NULL;
    FILE *f = fopen(data, "rb");
    if (!f) return sk_error(SK_EIO, "%s: cannot open: %s", data, strerror(errno));
    enum { BLK = 65536 };
    unsigned char *raw = malloc((size_t)BLK * 4);
    int32_t *tok = malloc((size_t)BLK * sizeof(int32_t));
    int rc = raw && tok ? ev_open(&c, model, be, chunk) : sk_error(SK_ENOMEM, "eval: out of memory");
    const int64_t V = c.m ? sk_model_vocab(c.m) : 0;
    if (!rc) rc = sk_stream_create(&s, chunk, ev_chunk, &c);
    if (!rc) rc = sk_stream_begin(s, data);
    struct stat sb;
    if (!rc) sk_stream_set_progress(s, pg), pg->unit = "tokens", pg->total = fstat(fileno(f), &sb) ? 0 : sb.st_size / width;
    int64_t n = 0;
    while (!rc) {
        size_t got = fread(raw, 1, (size_t)(BLK * width), f);
        if (got % (size_t)width || (got == 0 && ferror(f))) {
            rc = ferror(f) ? sk_error(SK_EIO, "%s: read error: %s", data, strerror(errno))
                           : sk_error(SK_EFORMAT, "%s: %lld bytes is not a whole number of %lld-byte tokens (check --token-width)",
                                      data, (long long)(n * width + (int64_t)got), (long long)width);
            break;
        }
        if (!got) break;
        rc = sk_eval_decode_tokens(raw, (int64_t)(got / (size_t)width), width, V, data, n, tok);
        if (!rc) rc = sk_stream_put(s, tok, (int64_t)(got / (size_t)width));
        n += (int64_t)(got / (size_t)width);
    }
    if (!rc && n < 2) rc = sk_error(SK_EINVAL, "%s: %lld tokens; need at least 2 (one target)", data, (long long)n);
    if (!rc) rc = sk_stream_end(s);
    if (!rc) rc = sk_stream_finish(s);
    if (!rc) rc = sk_eval_check_loss(model, c.sum / (double)c.ntarget);
    sk_progress_end(pg); /* its summary line before the results */
    if (!rc) {
        printf("model\t%s\n", model);
        printf("parameters\t%lld\n", (long long)sk_model_numel(c.m));
        printf("sequences\t1\n");
        printf("length\t%lld\n", (long long)n);
        print_stream(&c, chunk, s, "token");
    }
    sk_stream_free(s);
    ev_close(&c);
    free(raw), free(tok);
    fclose(f);
    return rc;
}

#ifdef SSMKIT_HAVE_GENOMICS
/* The DNA LM of a checkpoint and its tokenizer flags (the checkpoint's "tokenizer" metadata).
 * Also used by `dna score-variants` (cmd_dna_score.c). */
int load_dna_lm(const char *model, const sk_backend *be, int64_t B, int64_t L, sk_model **m, int *flags);
int load_dna_lm(const char *model, const sk_backend *be, int64_t B, int64_t L, sk_model **m, int *flags) {
    sk_st *st;
    int64_t vocab = 0;
    *m = NULL;
    int rc = sk_st_open(model, &st);
    if (rc) return rc;
    const char *tj = sk_st_meta(st, "tokenizer");
    char what[1100];
    snprintf(what, sizeof what, "%s: __metadata__.tokenizer", model);
    rc = tj ? sk_dna_tokenizer_parse(tj, what, flags, &vocab)
            : sk_error(SK_EINVAL, "%s: no DNA tokenizer in the checkpoint (train it on a DNA token shard from `ssmkit dna "
                                  "windows`), so FASTA cannot be tokenized for it", model);
    sk_st_close(st);
    if (!rc) rc = sk_model_load(m, model, be, B, L, SK_MODEL_LM_ONLY | SK_MODEL_INFER);
    if (!rc && sk_model_vocab(*m) != vocab)
        rc = sk_error(SK_EFORMAT, "%s: the tokenizer has %lld tokens but the model's vocabulary is %lld", model,
                      (long long)vocab, (long long)sk_model_vocab(*m));
    return rc;
}

/* Whole records of a FASTA/FASTQ file streamed through the LM (--whole), read in pieces
 * (sk_seqin_stream): neither the bases nor the activations grow with a record's length. */
static int eval_fasta_whole(const char *model, const char *data, int64_t chunk, const char *per_path, const sk_backend *be,
                            sk_progress *pg) {
    ev_ctx c = {0};
    sk_out per;
    int flags = 0, opened = 0;
    int rc = load_dna_lm(model, be, 1, chunk, &c.m, &flags);
    if (!rc) rc = sk_model_state_create(c.m, 1, &c.st);
    if (!rc && per_path) {
        rc = sk_out_open(&per, per_path);
        opened = !rc;
        if (!rc) rc = sk_out_printf(&per, "record\tlength\ttargets\tnll\tbits_per_base\n");
        c.per = &per;
    }
    sk_stream *s = NULL;
    sk_seqin *in = NULL;
    if (!rc) rc = sk_stream_create(&s, chunk, ev_chunk, &c);
    if (!rc) sk_stream_set_progress(s, pg), pg->unit = "bases";
    if (!rc) rc = sk_seqin_open(&in, data, NULL, 0);
    if (!rc) rc = sk_seqin_stream(in, s, flags, NULL);
    if (!rc) rc = sk_stream_finish(s);
    int64_t nrec = 0, nbase = 0;
    if (s) sk_stream_counts(s, &nrec, &nbase, NULL);
    if (!rc && !nrec) rc = sk_error(SK_EFORMAT, "%s: no records", data);
    if (!rc && !c.ntarget) rc = sk_error(SK_EINVAL, "%s: no targets (records of 1 base)", data);
    if (!rc) rc = sk_eval_check_loss(model, c.sum / (double)c.ntarget);
    if (!rc && opened) rc = sk_out_close(&per);
    else if (opened) sk_out_abort(&per);
    sk_progress_end(pg); /* its summary line before the results */
    if (!rc) {
        printf("model\t%s\n", model);
        printf("data\t%s\n", data);
        printf("records\t%lld\n", (long long)nrec);
        printf("bases\t%lld\n", (long long)nbase);
        print_stream(&c, chunk, s, "base");
    }
    sk_seqin_close(in);
    sk_stream_free(s);
    ev_close(&c);
    return rc;
}

/* ---- per-base tracks (--per-base): log2 p of each base given the bases before it in its record ----
 * Forward strand on bedGraph: the records are read once, in pieces (any input, pipes too). The
 * reverse strand (--rc, --strand both) and bigWig output read an indexed FASTA: the reverse strand
 * is the record's reverse complement streamed from its end, its values kept in a temporary file of
 * 4 bytes per base and written back in forward order; bigWig needs the record list first. */
typedef struct tk_out {
    int bigwig;
    sk_out bg;
#ifdef SSMKIT_HAVE_BIGWIG
    sk_afile af;
    bigWigFile_t *bw;
    float buf[4096];
    int64_t nbuf, run_beg, run_next; /* the values buffered start at run_beg; the file's run ends at run_next */
    char *chrom, *run_chrom;
#endif
    int64_t values;
    double sum;
} tk_out;

typedef struct tk_ctx {
    tk_out *o;
    tk_region *rg;
    int nrg;
    int strand;
    const char *name; /* the record being written */
    int64_t len;      /* its length (indexed path) */
    FILE *tmp;        /* reverse-strand values, float per forward position */
    float *fbuf;      /* (chunk) */
} tk_ctx;

/* The span [lo, hi) of record `name` the regions need (the whole record without regions);
 * 0 when no region names it. Marks them seen. */
static int tk_span(tk_ctx *c, const char *name, int64_t *lo, int64_t *hi) {
    if (!c->nrg) return *lo = 0, *hi = INT64_MAX, 1;
    int any = 0;
    *lo = INT64_MAX, *hi = 0;
    for (int i = 0; i < c->nrg; i++)
        if (!strcmp(c->rg[i].name, name)) {
            any = c->rg[i].seen = 1;
            if (c->rg[i].beg < *lo) *lo = c->rg[i].beg;
            if (c->rg[i].end > *hi) *hi = c->rg[i].end;
        }
    return any;
}

/* Every region of record `name` inside its length. */
static int tk_check_len(const tk_ctx *c, const char *data, const char *name, int64_t len) {
    for (int i = 0; i < c->nrg; i++)
        if (!strcmp(c->rg[i].name, name) && (c->rg[i].beg >= len || (c->rg[i].end != INT64_MAX && c->rg[i].end > len)))
            return sk_error(SK_EINVAL, "%s: --region %s runs past the end of record '%s' (%lld bases)", data, c->rg[i].arg,
                            name, (long long)len);
    return SK_OK;
}

static int tk_check_seen(const tk_ctx *c, const char *data) {
    for (int i = 0; i < c->nrg; i++)
        if (!c->rg[i].seen) return sk_error(SK_EINVAL, "%s: --region %s: no record '%s'", data, c->rg[i].arg, c->rg[i].name);
    return SK_OK;
}

static int tk_wanted(const tk_ctx *c, const char *name, int64_t pos) {
    if (!c->nrg) return 1;
    for (int i = 0; i < c->nrg; i++)
        if (pos >= c->rg[i].beg && pos < c->rg[i].end && !strcmp(c->rg[i].name, name)) return 1;
    return 0;
}

#ifdef SSMKIT_HAVE_BIGWIG
/* The buffered values as one span-1 step-1 block (continuing the file's run when contiguous). */
static int tk_bw_flush(tk_out *o, const char *path) {
    if (!o->nbuf) return SK_OK;
    int bad;
    if (o->run_chrom && !strcmp(o->run_chrom, o->chrom) && o->run_next == o->run_beg)
        bad = bwAppendIntervalSpanSteps(o->bw, o->buf, (uint32_t)o->nbuf);
    else {
        free(o->run_chrom);
        if (!(o->run_chrom = strdup(o->chrom))) return sk_error(SK_ENOMEM, "%s: out of memory", path);
        bad = bwAddIntervalSpanSteps(o->bw, o->run_chrom, (uint32_t)o->run_beg, 1, 1, o->buf, (uint32_t)o->nbuf);
    }
    if (bad) return sk_error(SK_EIO, "%s: libBigWig could not add values at %s:%lld", path, o->chrom, (long long)o->run_beg + 1);
    o->run_next = o->run_beg + o->nbuf, o->run_beg = o->run_next, o->nbuf = 0;
    return SK_OK;
}
#endif

/* One value at record position pos (0-based); positions come in increasing order per record. */
static int tk_put(tk_out *o, const char *name, int64_t pos, double v) {
    o->values++, o->sum += v;
    if (!o->bigwig) return sk_out_printf(&o->bg, "%s\t%lld\t%lld\t%.7g\n", name, (long long)pos, (long long)pos + 1, v);
#ifdef SSMKIT_HAVE_BIGWIG
    const char *path = o->af.path;
    if (o->nbuf && (strcmp(o->chrom, name) || pos != o->run_beg + o->nbuf || o->nbuf == (int64_t)(sizeof o->buf / sizeof *o->buf))) {
        int rc = tk_bw_flush(o, path);
        if (rc) return rc;
    }
    if (!o->nbuf) {
        if (!o->chrom || strcmp(o->chrom, name)) {
            free(o->chrom);
            if (!(o->chrom = strdup(name))) return sk_error(SK_ENOMEM, "%s: out of memory", path);
        }
        o->run_beg = pos;
    }
    o->buf[o->nbuf++] = (float)v;
#endif
    return SK_OK;
}

static int tk_fwd_fn(void *vctx, const char *name, int64_t rec, int64_t pos, const double *val, int64_t n) {
    tk_ctx *c = vctx;
    (void)rec;
    int rc = SK_OK;
    const int64_t nr = c->strand == TK_BOTH ? (pos + n < c->len - 1 ? n : c->len - 1 - pos) : 0;
    if (nr > 0 && (fseeko(c->tmp, (off_t)pos * 4, SEEK_SET) || fread(c->fbuf, 4, (size_t)nr, c->tmp) != (size_t)nr))
        return sk_error(SK_EIO, "eval: temporary file: %s", strerror(errno));
    for (int64_t i = 0; i < n && !rc; i++) {
        if (!tk_wanted(c, name, pos + i)) continue;
        double v = val[i];
        if (c->strand == TK_BOTH) { /* the mean with the reverse strand; the last base has no value there */
            if (pos + i >= c->len - 1) continue;
            v = 0.5 * (v + c->fbuf[i]);
        }
        rc = tk_put(c->o, name, pos + i, v);
    }
    return rc;
}

/* Reverse-strand values: reverse-complement position k is forward position len - 1 - k. */
static int tk_rev_fn(void *vctx, const char *name, int64_t rec, int64_t pos, const double *val, int64_t n) {
    tk_ctx *c = vctx;
    (void)name, (void)rec;
    for (int64_t i = 0; i < n; i++) c->fbuf[n - 1 - i] = (float)val[i];
    if (fseeko(c->tmp, (off_t)(c->len - pos - n) * 4, SEEK_SET) || fwrite(c->fbuf, 4, (size_t)n, c->tmp) != (size_t)n)
        return sk_error(SK_EIO, "eval: temporary file: %s", strerror(errno));
    return SK_OK;
}

/* Forward pass over the records of any input, read in pieces. */
static int tk_stream_input(tk_ctx *c, sk_stream *s, const char *data, int tok_flags) {
    sk_seqin *in = NULL;
    int32_t *tok = malloc(SK_DNA_PIECE * sizeof(int32_t));
    int rc = tok ? sk_seqin_open(&in, data, NULL, 0) : sk_error(SK_ENOMEM, "eval: out of memory");
    sk_seqrec r;
    while (!rc && !(rc = sk_seqin_head(in, &r))) {
        int64_t lo, hi, len = 0, m;
        const char *seq;
        int want = tk_span(c, r.name, &lo, &hi);
        if (want) rc = sk_stream_begin(s, r.name);
        while (!rc && !(rc = sk_seqin_bases(in, &seq, &m))) {
            for (int64_t b = 0; want && b < m && len + b < hi && !rc; b += SK_DNA_PIECE) {
                int64_t nb = m - b < SK_DNA_PIECE ? m - b : SK_DNA_PIECE;
                if (len + b + nb > hi) nb = hi - len - b; /* the regions end here */
                for (int64_t i = 0; i < nb; i++) tok[i] = sk_dna_token((unsigned char)seq[b + i], tok_flags);
                rc = sk_stream_put(s, tok, nb);
            }
            len += m;
        }
        if (rc == SK_EOF) rc = want ? sk_stream_end(s) : SK_OK;
        if (!rc && want) rc = tk_check_len(c, data, r.name, len);
    }
    if (rc == SK_EOF) rc = SK_OK;
    if (!rc) rc = sk_stream_finish(s);
    sk_seqin_close(in);
    free(tok);
    return rc;
}

/* Every record (or every one a region names) of an indexed FASTA, on the strands asked for. */
static int tk_indexed(tk_ctx *c, sk_eval_track *t, sk_stream *s, sk_dna_fasta *fa, const char *data, int tok_flags) {
    int rc = SK_OK;
    for (int i = 0; i < sk_dna_fasta_nseq(fa) && !rc; i++) {
        const char *name = sk_dna_fasta_name(fa, i);
        int64_t lo, hi, n = sk_dna_fasta_len(fa, i);
        if (!tk_span(c, name, &lo, &hi)) continue;
        if ((rc = tk_check_len(c, data, name, n))) break;
        if (hi > n) hi = n;
        c->name = name, c->len = n;
        if (c->strand != TK_FWD) { /* the reverse strand, from the record's end down to the regions' start */
            if (!c->tmp && !(c->tmp = tmpfile())) rc = sk_error(SK_EIO, "eval: cannot make a temporary file: %s", strerror(errno));
            t->fn = tk_rev_fn;
            if (!rc) rc = sk_stream_begin(s, name);
            if (!rc) rc = sk_dna_fasta_stream(fa, i, lo, n, 1, tok_flags, s);
            if (!rc) rc = sk_stream_end(s);
            if (!rc) rc = sk_stream_finish(s);
        }
        if (!rc && c->strand == TK_REV) /* forward order: positions lo .. min(hi, n - 1) - 1 */
            for (int64_t p = lo; p < (hi < n - 1 ? hi : n - 1) && !rc; p++) {
                float r;
                if (p == lo && fseeko(c->tmp, (off_t)p * 4, SEEK_SET)) rc = sk_error(SK_EIO, "eval: temporary file: %s", strerror(errno));
                if (!rc && fread(&r, 4, 1, c->tmp) != 1) rc = sk_error(SK_EIO, "eval: temporary file: %s", strerror(errno));
                if (!rc && tk_wanted(c, name, p)) rc = tk_put(c->o, name, p, r);
            }
        if (!rc && c->strand != TK_REV) {
            t->fn = tk_fwd_fn;
            rc = sk_stream_begin(s, name);
            if (!rc) rc = sk_dna_fasta_stream(fa, i, 0, hi, 0, tok_flags, s);
            if (!rc) rc = sk_stream_end(s);
            if (!rc) rc = sk_stream_finish(s);
        }
    }
    return rc;
}

static int tk_open(tk_out *o, const char *path, sk_dna_fasta *fa, int strand, int nrg) {
    static const char *const what[] = {"forward strand; the first base of each record has no context and is omitted",
                                       "reverse strand at forward coordinates; the last base of each record (the reverse "
                                       "strand's first) has no context and is omitted",
                                       "mean of both strands; the first and last bases of each record (the first of a "
                                       "strand) are omitted"};
    if (!o->bigwig) {
        int rc = sk_out_open(&o->bg, path);
        if (!rc) rc = sk_out_printf(&o->bg, "track type=bedGraph name=\"log2p\" description=\"log2 p(base | the bases "
                                    "before it in its record), %s\"\n", what[strand]);
        if (rc && path) sk_out_abort(&o->bg);
        (void)fa, (void)nrg;
        return rc;
    }
#ifdef SSMKIT_HAVE_BIGWIG
    int n = sk_dna_fasta_nseq(fa), rc = sk_afile_open(&o->af, path);
    if (rc) return rc;
    const char **names = malloc((size_t)n * sizeof *names);
    uint32_t *lens = malloc((size_t)n * sizeof *lens);
    if (!names || !lens) rc = sk_error(SK_ENOMEM, "%s: out of memory", path);
    for (int i = 0; i < n && !rc; i++) {
        names[i] = sk_dna_fasta_name(fa, i);
        if (sk_dna_fasta_len(fa, i) > (int64_t)UINT32_MAX)
            rc = sk_error(SK_EINVAL, "%s: record '%s' is longer than bigWig's 2^32 - 1 bases", path, names[i]);
        else lens[i] = (uint32_t)sk_dna_fasta_len(fa, i);
    }
    if (!rc && (bwInit(1 << 17) || !(o->bw = bwOpen(o->af.tmp, NULL, "w"))))
        rc = sk_error(SK_EIO, "%s: libBigWig cannot open it for writing", path);
    if (!rc && (bwCreateHdr(o->bw, 10) || !(o->bw->cl = bwCreateChromList(names, lens, n)) || bwWriteHdr(o->bw)))
        rc = sk_error(SK_EIO, "%s: libBigWig cannot write the header", path);
    free(names), free(lens);
    if (rc) {
        if (o->bw) bwClose(o->bw), o->bw = NULL;
        sk_afile_abort(&o->af);
    }
    (void)strand, (void)nrg;
    return rc;
#else
    (void)fa, (void)strand, (void)nrg;
    return sk_error(SK_EINVAL, "%s: bigWig output needs libBigWig (Debian libbigwig-dev): rebuild ssmkit with it, or write "
                               "a .bedGraph", path);
#endif
}

/* Commit (ok) or drop the output. */
static int tk_close(tk_out *o, int ok) {
    if (!o->bigwig) {
        if (ok) return sk_out_close(&o->bg);
        sk_out_abort(&o->bg);
        return SK_OK;
    }
#ifdef SSMKIT_HAVE_BIGWIG
    int rc = ok ? tk_bw_flush(o, o->af.path) : SK_OK;
    if (o->bw) bwClose(o->bw), o->bw = NULL; /* writes the index and zoom levels */
    bwCleanup();
    free(o->chrom), free(o->run_chrom);
    if (ok && !rc) return sk_afile_commit(&o->af);
    sk_afile_abort(&o->af);
    return rc;
#else
    (void)ok;
    return SK_OK;
#endif
}

static int ends_bw(const char *p) {
    size_t n = p ? strlen(p) : 0;
    return (n > 3 && !strcmp(p + n - 3, ".bw")) || (n > 7 && !strcmp(p + n - 7, ".bigWig"));
}

/* eval --whole --per-base. */
static int eval_track(const char *model, const char *data, int64_t chunk, const char *outp, tk_region *rg, int nrg,
                      int strand, const sk_backend *be) {
    tk_out o = {.bigwig = ends_bw(outp)};
    tk_ctx c = {.o = &o, .rg = rg, .nrg = nrg, .strand = strand};
    sk_eval_track t = {.fn = tk_fwd_fn, .ctx = &c};
    sk_stream *s = NULL;
    sk_dna_fasta *fa = NULL;
    int flags = 0, indexed = strand != TK_FWD || o.bigwig, opened = 0;
    int rc = load_dna_lm(model, be, 1, chunk, &t.m, &flags);
    if (!rc) rc = sk_model_state_create(t.m, 1, &t.st);
    if (!rc && (!(t.val = malloc((size_t)chunk * sizeof(double))) || !(c.fbuf = malloc((size_t)chunk * sizeof(float)))))
        rc = sk_error(SK_ENOMEM, "eval: out of memory");
    if (!rc) rc = sk_stream_create(&s, chunk, sk_eval_track_chunk, &t);
    if (!rc && indexed && sk_dna_is_stream(data))
        rc = sk_error(SK_EINVAL, "%s: the reverse strand (--rc, --strand both) and bigWig output read an indexed FASTA; "
                                 "a pipe cannot be indexed: write it to a file (plain or bgzip)", data);
    if (!rc && indexed) rc = sk_dna_fasta_open(&fa, data);
    if (!rc) rc = tk_open(&o, outp, fa, strand, nrg);
    opened = !rc;
    if (!rc) rc = indexed ? tk_indexed(&c, &t, s, fa, data, flags) : tk_stream_input(&c, s, data, flags);
    if (!rc) rc = tk_check_seen(&c, data);
    if (!rc && !o.values) rc = sk_error(SK_EINVAL, "%s: no values (records of 1 base, or regions of first bases only)", data);
    if (!rc) rc = sk_eval_check_loss(model, t.n ? t.nll / (double)t.n : 0);
    if (opened) {
        int rc2 = tk_close(&o, !rc);
        if (!rc) rc = rc2;
    }
    if (!rc) {
        int64_t nrec = 0;
        sk_stream_counts(s, &nrec, NULL, NULL);
        printf("model\t%s\n", model);
        printf("data\t%s\n", data);
        printf("strand\t%s\n", strand == TK_FWD ? "+" : strand == TK_REV ? "-" : "both");
        printf("chunk\t%lld\n", (long long)chunk);
        printf("values\t%lld\n", (long long)o.values);
        printf("sum_log2p\t%.9g\n", o.sum);
        if (outp) printf("output\t%s\n", outp);
    }
    if (c.tmp) fclose(c.tmp);
    sk_dna_fasta_close(fa);
    sk_stream_free(s);
    sk_model_state_free(t.st);
    sk_model_free(t.m);
    free(t.val), free(c.fbuf);
    return rc;
}

/* Next-token loss of a DNA LM on FASTA/FASTQ records through the checkpoint's tokenizer: every
 * record is cut into windows [kL, (k+1)L) (the last one shorter; its missing positions are [PAD]
 * inputs with no target); position t of a window predicts t+1, so a window of n bases has n-1
 * targets. Loss = sum of -log p over all targets / their count. */
static int eval_fasta(const char *model, const char *data, int64_t L, int64_t B, const sk_backend *be, sk_progress *pg) {
    sk_model *m = NULL;
    int flags = 0, rc = load_dna_lm(model, be, B, L, &m, &flags);
    pg->unit = "windows";
    int32_t *tok = malloc((size_t)(B * L) * sizeof(int32_t)), *tgt = malloc((size_t)(B * L) * sizeof(int32_t));
    if (!rc && (!tok || !tgt)) rc = sk_error(SK_ENOMEM, "eval: out of memory");
    sk_seqin *in = NULL;
    if (!rc) rc = sk_seqin_open(&in, data, NULL, 0);
    double sum = 0;
    int64_t ntarget = 0, nwin = 0, nrec = 0, rows = 0, count = 0;
    sk_seqrec r;
    int done = 0;
    while (!rc && !done) {
        int nr = sk_seqin_next(in, &r);
        if (nr == SK_EOF) done = 1, r.len = 0;
        else if (nr) {
            rc = nr;
            break;
        } else nrec++;
        for (int64_t beg = 0; beg < r.len || (done && rows); beg += L) {
            if (!done) { /* window [beg, min(beg + L, len)) -> row `rows` */
                int64_t n = r.len - beg < L ? r.len - beg : L;
                int32_t *x = tok + rows * L, *y = tgt + rows * L;
                for (int64_t i = 0; i < L; i++) x[i] = i < n ? sk_dna_token((unsigned char)r.seq[beg + i], flags) : SK_DNA_PAD;
                for (int64_t i = 0; i < L; i++) y[i] = i + 1 < n ? x[i + 1] : -1; /* t predicts t+1 */
                count += n - 1, rows++, nwin++;
            }
            if (rows == B || (done && rows)) {
                double loss;
                if ((rc = sk_model_forward(m, tok, tgt, rows, L, &loss))) break;
                sum += loss * (double)count, ntarget += count; /* the forward's loss is the batch mean */
                sk_progress_add(pg, rows);
                rows = 0, count = 0;
            }
            if (done) break;
        }
    }
    if (!rc && !nrec) rc = sk_error(SK_EFORMAT, "%s: no records", data);
    if (!rc && !ntarget) rc = sk_error(SK_EINVAL, "%s: no targets (records of 1 base)", data);
    if (!rc) rc = sk_eval_check_loss(model, sum / (double)ntarget);
    sk_progress_end(pg); /* its summary line before the results */
    if (!rc) {
        double loss = sum / (double)ntarget;
        printf("model\t%s\n", model);
        printf("data\t%s\n", data);
        printf("records\t%lld\n", (long long)nrec);
        printf("windows\t%lld\n", (long long)nwin);
        printf("length\t%lld\n", (long long)L);
        printf("targets\t%lld\n", (long long)ntarget);
        sk_eval_print_loss(stdout, loss, "base");
    }
    sk_seqin_close(in);
    sk_model_free(m);
    free(tok), free(tgt);
    return rc;
}
#endif

/* --split: train, valid, test or all (int: SK_SPLIT_*, SK_DATA_ALL) */
static int split_opt(const char *cmd, const sk_opt *o, const char *arg) {
    static const char *const names[] = {"train", "valid", "test", "all"};
    static const int values[] = {SK_SPLIT_TRAIN, SK_SPLIT_VALID, SK_SPLIT_TEST, SK_DATA_ALL};
    for (int i = 0; i < 4; i++)
        if (!strcmp(arg, names[i])) return *(int *)o->dst = values[i], 0;
    return sk_cli_usage(cmd, "--split must be train, valid, test or all (got '%s')", arg), -1;
}

/* What the first bytes of a data file say it is: "shard" (an ssmkit token shard), the name of a
 * binary format that is not tokens (a checkpoint, audio, an archive, a program, ...), or NULL
 * (raw tokens). An unreadable file or one that is not regular (a pipe) is NULL too: the reader
 * that opens it says why, or reads it as it streams. */
static const char *data_kind(const char *path) {
    unsigned char h[16] = {0};
    struct stat sb;
    if (stat(path, &sb) || !S_ISREG(sb.st_mode)) return NULL; /* a pipe is read once, by the reader */
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t n = fread(h, 1, sizeof h, f);
    const int64_t size = (int64_t)sb.st_size;
    fclose(f);
    static const struct { const char *magic; size_t len, at; const char *name; } kinds[] = {
        {"SKSHARD", 8, 0, "shard"},         {"RIFF", 4, 0, "a RIFF (WAV) audio file"},
        {"fLaC", 4, 0, "a FLAC audio file"}, {"OggS", 4, 0, "an Ogg audio file"},
        {"ID3", 3, 0, "an MP3 audio file"},  {"FORM", 4, 0, "an AIFF audio file"},
        {"\x1f\x8b", 2, 0, "a gzip-compressed file (FASTA/FASTQ is told by its extension)"},
        {"BZh", 3, 0, "a bzip2-compressed file"}, {"\xfd" "7zXZ", 5, 0, "an xz-compressed file"},
        {"\x28\xb5\x2f\xfd", 4, 0, "a zstd-compressed file"}, {"PK\x03\x04", 4, 0, "a zip archive"},
        {"CRAM", 4, 0, "a CRAM file"},       {"BAM\x01", 4, 0, "a BAM file"},
        {"\x7f" "ELF", 4, 0, "an executable"}, {"\x93NUMPY", 6, 0, "a NumPy array file"},
        {"%PDF", 4, 0, "a PDF document"},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (n >= kinds[i].at + kinds[i].len && !memcmp(h + kinds[i].at, kinds[i].magic, kinds[i].len)) return kinds[i].name;
    /* safetensors: an 8-byte little-endian header length, then the JSON header */
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--) hl = hl << 8 | h[i];
    if (n >= 10 && h[8] == '{' && h[9] == '"' && size > 8 && hl <= (uint64_t)size - 8) return "a safetensors file (a checkpoint?)";
    return NULL;
}

/* --token-width: 1, 2 or 4 (int64_t) */
static int token_width_opt(const char *cmd, const sk_opt *o, const char *arg) {
    if (sk_cli_int(cmd, "--token-width", arg, 1, 4, o->dst)) return -1;
    if (*(int64_t *)o->dst == 3) return sk_cli_usage(cmd, "--token-width must be 1, 2 or 4"), -1;
    return 0;
}

int cmd_eval(int argc, char **argv) {
    int quiet = 0; /* -q: no progress line */
    const char *model = NULL, *data = NULL, *out_logits = NULL, *out_grads = NULL, *device, *per = NULL;
    int64_t width, len = 0, threads = 0, batch, chunk = 0;
    int whole = 0, per_base = 0, rc_strand = 0, strand = -1, split = SK_DATA_ALL - 1; /* split unset: test on a shard, refused with other data */
    const char *outp = NULL;
    const sk_opt opts[] = {
        SK_O_STR("model", 'm', &model, NULL, "M", "ssmkit checkpoint (.safetensors), mamba_ssm folder, or Hugging Face\n"
                                                  "folder (config.json + model.safetensors or model.safetensors.index.json)"),
        SK_O_STR("data", 'd', &data, NULL, "F", "a token shard (ssmkit audio prep / dna windows: one --split of it, in\n"
                 "windows of --length tokens [the checkpoint's training length] as\n"
                 "training validates; width, pad rule and bos from the shard);\n"
                 "raw tokens: little-endian unsigned integers of --token-width bytes;\n"
                 "or DNA (FASTA/FASTQ by extension: .fa .fasta .fna .fq .fastq, .gz/.bgz)\n"
                 "tokenized with the tokenizer stored in the checkpoint, each record cut\n"
                 "into windows of --length bases [1024] (the last one shorter), batched\n"
                 "--batch at a time; prints bits_per_base as well"),
        SK_O_BATCH_WINDOWS(&batch, "DNA and token shards: windows per forward"),
        SK_O_FN("split", 0, &split, split_opt, NULL, "S", "token shards: the split to score (train, valid, test or all)\n"
                "[test]"),
        SK_O_FN("token-width", 'w', &width, token_width_opt, "1", "W", "1, 2 or 4 bytes per token"),
        SK_O_INT("length", 'L', &len, 2, INT32_MAX, NULL, "L", "cut the file into consecutive windows of L tokens (the batch; a tail\n"
                 "shorter than L is left out); without it the whole file is one sequence,\n"
                 "streamed in chunks of --chunk tokens with the recurrent state carried"),
        SK_O_CHUNK_STREAM(&chunk, "streaming: positions per model call; memory is O(C) whatever\n"
                          "the length, and the loss equals one pass over the whole sequence"),
        SK_O_WHOLE(&whole, "DNA: every record is one sequence (no windows), streamed in chunks of\n"
                   "--chunk with the state carried; records are packed into the chunks end\n"
                   "to end with the state reset at each record's start, so a record's loss\n"
                   "is the one it gets alone (any length: a whole chromosome)"),
        SK_O_OUT("per-record", 0, &per, "FILE", "with --whole: TSV of record, length, targets, nll (nats), bits_per_base"),
        SK_O_FLAG("per-base", 0, &per_base, "with --whole: a track of log2 p(base | the bases before it in its\n"
                  "record) for every base but each record's first (which has no context),\n"
                  "to -o: bedGraph, or bigWig when -o ends in .bw (needs libBigWig)"),
        SK_O_OUTPUT(&outp, "TRACK", "--per-base: the track file (written atomically)"),
        SK_O_FN("region", 0, NULL, region_opt, NULL, "CHR:FROM-TO", "--per-base: only these bases (1-based, inclusive; CHR alone: the\n"
                "record); repeatable. The model still reads each record from its start"),
        SK_O_FLAG("rc", 0, &rc_strand, "--per-base: the reverse strand (the reverse complement read from the\n"
                  "record's end) mapped back to forward coordinates; same as --strand -"),
        SK_O_CHOICE("strand", 0, &strand, "+|-|both", ((const int[]){TK_FWD, TK_REV, TK_BOTH}), NULL,
                    "--per-base: + (default), - (as --rc) or both (the mean of the two; the\n"
                    "record's first and last bases omitted). - and both read an indexed FASTA"),
        SK_O_OUT("dump-logits", 0, &out_logits, "OUT", "write \"logits\" (batch, L, padded vocab) F32 as safetensors (one pass,\n"
                 "no streaming: the whole file is held)"),
        SK_O_OUT("dump-grads", 0, &out_grads, "OUT", "write the gradients of the mean loss under the parameter names (tied\n"
                 "models: the embedding gradient holds both uses) as safetensors"),
        SK_O_DEVICE(&device),
        SK_O_INT("threads", '@', &threads, 1, 4096, NULL, "T", "threads (default: all cores)"),
        SK_O_QUIET(&quiet, "no progress line on stderr"),
        SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){"eval", usage, opts, epilog}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (optind < argc) return sk_cli_usage("eval", "unexpected argument '%s'", argv[optind]);
    if (!model || !data) return sk_cli_usage("eval", "--model and --data are required");
    sk_progress pg; /* each path below sets its unit and size */
    sk_progress_open(&pg, "eval", NULL, 0, quiet);
    if ((per_base || outp || nregions || rc_strand || strand >= 0) && !(per_base && whole && outp))
        return sk_cli_usage("eval", "--per-base needs --whole and -o; -o, --region, --rc and --strand go with --per-base");
    if (rc_strand && strand >= 0 && strand != TK_REV) return sk_cli_usage("eval", "--rc is --strand -: not with --strand %s", strand ? "both" : "+");
    if (per_base && (len || per || out_logits || out_grads))
        return sk_cli_usage("eval", "--per-base: not with --length, --per-record, --dump-logits or --dump-grads");
#ifdef SSMKIT_HAVE_OPENMP
    if (threads) omp_set_num_threads((int)threads);
#endif
    const sk_backend *be;
    if (sk_backend_get(device, &be)) return sk_cli_fail(NULL);
    const char *kind = data_kind(data);
    if (kind && !strcmp(kind, "shard")) { /* scored as training scores its validation split */
        if (out_logits || out_grads || whole || per || chunk)
            return sk_cli_usage("eval", "--dump-logits/--dump-grads/--whole/--per-record/--chunk take token files or FASTA, "
                                        "not token shards");
        if (width != 1) return sk_cli_usage("eval", "a token shard's token width is in its header: drop --token-width");
        if (split < SK_DATA_ALL) split = SK_SPLIT_TEST;
        return sk_eval_shard(model, be, data, split, len, batch, stdout, &pg) ? sk_cli_fail(NULL) : SK_EXIT_OK;
    }
    if (split >= SK_DATA_ALL) return sk_cli_usage("eval", "--split takes a token shard, and %s is not one", data);
#ifdef SSMKIT_HAVE_GENOMICS
    if (per_base)
        return eval_track(model, data, chunk ? chunk : 16384, outp, regions, nregions, rc_strand ? TK_REV : strand < 0 ? TK_FWD : strand, be)
                   ? sk_cli_fail(NULL) : SK_EXIT_OK;
    if (sk_seqin_kind(data) == 1 || (whole && sk_dna_is_stream(data))) { /* --whole: a pipe holds FASTA/FASTQ */
        if (out_logits || out_grads) return sk_cli_usage("eval", "--dump-logits/--dump-grads take token files, not FASTA");
        if (whole && len) return sk_cli_usage("eval", "--whole runs whole records: drop --length");
        if (!whole && (chunk || per)) return sk_cli_usage("eval", "--chunk/--per-record on FASTA need --whole");
        int rc = whole ? eval_fasta_whole(model, data, chunk ? chunk : 16384, per, be, &pg)
                       : eval_fasta(model, data, len ? len : 1024, batch, be, &pg);
        sk_progress_end(&pg);
        return rc ? sk_cli_fail(NULL) : SK_EXIT_OK;
    }
#endif
    if (kind) {
        sk_error(SK_EFORMAT, "%s: %s, not data for eval: give a token shard (ssmkit audio prep, ssmkit dna windows), "
                             "FASTA/FASTQ, or raw tokens (ssmkit audio encode makes them from audio)", data, kind);
        return sk_cli_fail(NULL);
    }
#ifndef SSMKIT_HAVE_GENOMICS
    if (per_base) return sk_cli_fail("--per-base reads DNA: this ssmkit was built without the genomics front-end (install libhts-dev)");
#endif
    { /* models trained on bos-shifted sequences (audio U-Nets): streamed in chunks with the state carried */
        sk_model_config *mc = NULL;
        if (sk_model_config_read(model, 0, &mc)) sk_error_clear(); /* not readable here: the paths below say why */
        const int32_t bos = mc ? sk_model_config_bos(mc) : -1;
        const int64_t P = mc ? sk_model_config_length_multiple(mc) : 1;
        sk_model_config_free(mc);
        if (bos >= 0 && (out_logits || out_grads)) return sk_cli_usage("eval", "--dump-logits/--dump-grads take Mamba LMs, not U-Nets");
        if (bos >= 0 && chunk && len) return sk_cli_usage("eval", "U-Net: give the chunk as --chunk or --length, not both");
        if (bos >= 0) {
            pg.unit = "samples";
            int rc = sk_eval_shifted(model, be, bos, P, data, chunk ? chunk : len, width, stdout, &pg);
            sk_progress_end(&pg);
            return rc ? sk_cli_fail(NULL) : SK_EXIT_OK;
        }
    }
    if (whole || per) return sk_cli_usage("eval", "--whole/--per-record take FASTA/FASTQ data");
    if (chunk && (len || out_logits || out_grads))
        return sk_cli_usage("eval", "--chunk streams the whole file: not with --length, --dump-logits or --dump-grads");
    if (!len && !out_logits && !out_grads) {
        int rc = eval_tokens_stream(model, data, width, chunk ? chunk : 16384, be, &pg);
        sk_progress_end(&pg);
        return rc ? sk_cli_fail(NULL) : SK_EXIT_OK;
    }
    int rc = sk_eval_windows(model, be, data, width, len, out_logits, out_grads, stdout); /* one forward: no progress */
    return rc ? sk_cli_fail(NULL) : SK_EXIT_OK;
}
