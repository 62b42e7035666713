/* cmd_embed.c — `ssmkit embed`: hidden-state embeddings of DNA windows or records from a DNA
 * Mamba (an LM from `ssmkit train` on DNA shards, or a classifier's backbone). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tools/sk_cli.h"

#ifdef SSMKIT_HAVE_GENOMICS

static const char *usage =
    "Usage: ssmkit embed -m MODEL [options] INPUT... [-o OUT]\n"
    "\n"
    "Embed DNA sequences (FASTA/FASTQ/SAM/BAM/CRAM) with the backbone of a DNA Mamba: each record is\n"
    "cut into windows as in `ssmkit classify`; a window's embedding is its final-norm hidden state at\n"
    "the last position (--pool last) or the mean over its real (non-[PAD]) positions (--pool mean);\n"
    "a record's is the mean of its windows' (--rc-average also averages each window with its\n"
    "reverse complement).\n"
    "\n"
    "Whole records (--whole): each record is embedded as one sequence, whatever its length (a\n"
    "chromosome), streamed in chunks of --chunk bases with the recurrent state carried (records\n"
    "packed end to end, the state reset at each record's start): --pool last = the hidden state at\n"
    "its last base, --pool mean = the mean over all its bases. Memory is O(chunk).\n"
    "\n"
    "Output: TSV (default; stdout or -o): a header, then per record or window\n"
    "  record  start  end  e0 ... e{d-1}\n"
    "or --format safetensors (-o required): tensor \"embeddings\" (rows, d) F32 and __metadata__\n"
    "\"rows\" = JSON [[record, start, end], ...], \"pool\", \"model\".\n"
    "\n"
    "Options:\n";

#include <cjson/cJSON.h>
#include "genomics/sk_dna_run.h"
#include "models/sk_mamba.h"
#include "models/sk_model.h"
#include "src/sk_out.h"
#include "src/sk_safetensors.h"
#include "src/sk_stream.h"
#include "kernels/sk_runtime.h"

typedef struct emb_ctx {
    sk_mamba_lm *lm;
    int64_t d;
    int pool_last, per_window, st;
    int64_t L;
    float *hid;        /* (B, L, d) host */
    sk_out out;
    /* safetensors: rows collected */
    float *rows;
    int64_t nrows, caprows;
    cJSON *meta_rows;
} emb_ctx;

static int compute(void *vctx, const int32_t *tok, int64_t b, int64_t L, double *out) {
    emb_ctx *c = vctx;
    const int64_t d = c->d;
    int rc = sk_mamba_lm_forward_hidden(c->lm, tok, b, L, NULL);
    if (!rc) rc = sk_mamba_lm_backend(c->lm)->download(c->hid, sk_mamba_lm_hidden(c->lm), (size_t)(b * L * d) * sizeof(float));
    for (int64_t i = 0; i < b && !rc; i++) sk_dna_pool_window(c->hid + i * L * d, tok + i * L, L, d, c->pool_last, out + i * d);
    return rc;
}

static int put(emb_ctx *c, const char *name, int64_t beg, int64_t end, const double *v);

/* --whole: one chunk of the packed record stream through the backbone with the state carried;
 * each record's hidden states are summed (mean) or its last one kept (last). */
typedef struct whole_ctx {
    emb_ctx *c;
    sk_mamba_lm_state *st;
    sk_rpool pool; /* the current record */
    double *v;     /* (d) its embedding */
} whole_ctx;

static int whole_chunk(void *vctx, const int32_t *tok, const int32_t *tgt, const uint8_t *reset, int64_t n,
                       const sk_stream_piece *pc, int64_t np) {
    whole_ctx *w = vctx;
    emb_ctx *c = w->c;
    const int64_t d = c->d;
    (void)tgt;
    int rc = sk_mamba_lm_forward_hidden_state(c->lm, tok, 1, n, reset, w->st);
    if (!rc) rc = sk_mamba_lm_backend(c->lm)->download(c->hid, sk_mamba_lm_hidden(c->lm), (size_t)(n * d) * sizeof(float));
    for (int64_t i = 0; i < np && !rc; i++) {
        sk_rpool_add(&w->pool, c->hid + pc[i].off * d, pc[i].n); /* rows (pc.n, d) */
        if (!pc[i].last) continue;
        int64_t len = sk_rpool_take(&w->pool, w->v);
        rc = put(c, pc[i].name, 0, len, w->v);
    }
    return rc;
}

static int put(emb_ctx *c, const char *name, int64_t beg, int64_t end, const double *v) {
    if (c->st) {
        if (c->nrows == c->caprows) {
            int64_t cap = c->caprows ? 2 * c->caprows : 256;
            float *r = realloc(c->rows, (size_t)(cap * c->d) * sizeof(float));
            if (!r) return sk_error(SK_ENOMEM, "embed: out of memory");
            c->rows = r, c->caprows = cap;
        }
        for (int64_t j = 0; j < c->d; j++) c->rows[c->nrows * c->d + j] = (float)v[j];
        c->nrows++;
        cJSON *r = cJSON_CreateArray();
        cJSON_AddItemToArray(r, cJSON_CreateString(name));
        cJSON_AddItemToArray(r, cJSON_CreateNumber((double)beg));
        cJSON_AddItemToArray(r, cJSON_CreateNumber((double)end));
        cJSON_AddItemToArray(c->meta_rows, r);
        return SK_OK;
    }
    int rc = sk_out_printf(&c->out, "%s\t%lld\t%lld", name, (long long)beg, (long long)end);
    for (int64_t j = 0; j < c->d && !rc; j++) rc = sk_out_printf(&c->out, "\t%.7g", v[j]);
    return rc ? rc : sk_out_printf(&c->out, "\n");
}

static int emit(void *vctx, const sk_winrun_rec *r) {
    emb_ctx *c = vctx;
    int rc = SK_OK;
    if (!r->nwin) return SK_OK;
    if (!c->per_window) return put(c, r->name, 0, r->len, r->mean);
    for (int64_t i = 0; i < r->nwin && !rc; i++) {
        int64_t end = r->beg[i] + c->L < r->len ? r->beg[i] + c->L : r->len;
        rc = put(c, r->name, r->beg[i], end, r->win + i * c->d);
    }
    return rc;
}

/* --format safetensors: all rows at once, with their coordinates in the metadata. */
static int write_safetensors(const emb_ctx *c, const char *model, const char *path) {
    sk_stw *sw = NULL;
    int64_t shape[2] = {c->nrows, c->d};
    char *rows = cJSON_PrintUnformatted(c->meta_rows);
    int rc = rows ? sk_stw_create(&sw) : sk_error(SK_ENOMEM, "embed: out of memory");
    if (!rc) rc = sk_stw_add(sw, "embeddings", SK_F32, 2, shape, c->rows ? (const void *)c->rows : (const void *)"");
    if (!rc) rc = sk_stw_meta(sw, "rows", rows);
    if (!rc) rc = sk_stw_meta(sw, "pool", c->pool_last ? "last" : "mean");
    if (!rc) rc = sk_stw_meta(sw, "model", model);
    if (!rc) rc = sk_stw_write(sw, path);
    sk_stw_free(sw);
    free(rows);
    return rc;
}

int cmd_embed(int argc, char **argv) {
    const char *model = NULL, *outp = NULL, *ref = NULL, *device;
    int64_t L = 0, S = 0, B, threads, chunk = 0;
    int whole = 0, quiet = 0;
    sk_winrun_opts wo = {0};
    emb_ctx c = {0};
    const sk_opt opts[] = {
        SK_O_STR("model", 'm', &model, NULL, "M", "classifier (ssmkit finetune) or DNA LM checkpoint (ssmkit train)"),
        SK_O_DNA_WINDOWS(&L, "window length [1024, or the classifier's training length]", &S, &wo.rc_average,
                         "average each window with its reverse complement", &wo.short_policy),
        SK_O_CHOICE("pool", 0, &c.pool_last, "mean|last", NULL, "mean", "a window's embedding: the mean over its positions or the last one"),
        SK_O_CHOICE("per", 0, &c.per_window, "record|window", NULL, "record", "one embedding per record or per window"),
        SK_O_CHOICE("format", 'f', &c.st, "tsv|safetensors", NULL, "tsv", "output format (safetensors: -o required)"),
        SK_O_BATCH_WINDOWS(&B, "windows per model call"),
        SK_O_WHOLE(&whole, "whole records, streamed (above); not with --per window/--rc-average"),
        SK_O_CHUNK_STREAM(&chunk, "--whole: bases per model call"),
        SK_O_OUTPUT(&outp, "FILE", "output file (atomic); TSV defaults to stdout"),
        SK_O_REFERENCE(&ref),
        SK_O_THREADS(&threads, "threads, 0 = all cores"),
        SK_O_DEVICE(&device),
        SK_O_QUIET(&quiet, "no progress line on stderr"),
        SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){"embed", usage, opts, NULL}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (!model) return sk_cli_usage("embed", "--model is required");
    if (optind >= argc) return sk_cli_usage("embed", "no input files");
    if (c.st && !outp) return sk_cli_usage("embed", "--format safetensors needs -o FILE");
    if (whole && (c.per_window || wo.rc_average || L || S))
        return sk_cli_usage("embed", "--whole embeds whole records: not with --per window, --rc-average, --length or --stride");
    if (!whole && chunk) return sk_cli_usage("embed", "--chunk needs --whole");
    if (whole) L = chunk ? chunk : 16384, B = 1; /* the model runs b = 1 x chunk */
    sk_runtime_threads((int)threads);
    const sk_backend *be;
    if (sk_runtime_backend(device, &be)) return sk_cli_fail(NULL);
    /* the model: a classifier's backbone, or an LM; the tokenizer from the metadata */
    sk_st *st = NULL;
    if (sk_st_open(model, &st)) return sk_cli_fail(NULL);
    const char *tj = sk_st_meta(st, "tokenizer"), *prov = sk_st_meta(st, "provenance");
    if (!L) L = sk_dna_provenance_length(prov);
    if (!L) L = 1024;
    int64_t vocab = 12;
    int rc = tj ? sk_dna_tokenizer_meta(tj, model, &wo.tok_flags, &vocab) : SK_OK;
    sk_st_close(st);
    sk_model *mm = NULL; /* an LM, or a classifier: its backbone */
    if (!rc) rc = sk_model_load(&mm, model, be, B, L, SK_MODEL_NEED_BACKBONE | SK_MODEL_INFER);
    if (!rc) c.lm = sk_model_backbone(mm);
    if (!rc && sk_mamba_lm_config(c.lm)->vocab_size != vocab)
        rc = sk_error(SK_EINVAL, "%s: the model's vocabulary has %lld tokens, not the %lld of the DNA tokenizer (was it "
                                 "trained on DNA?)", model, (long long)sk_mamba_lm_config(c.lm)->vocab_size, (long long)vocab);
    c.d = c.lm ? sk_mamba_lm_config(c.lm)->blk.d_model : 0;
    c.L = L;
    c.hid = c.lm ? malloc((size_t)(B * L * c.d) * sizeof(float)) : NULL;
    c.meta_rows = cJSON_CreateArray();
    if (!rc && (!c.hid || !c.meta_rows)) rc = sk_error(SK_ENOMEM, "embed: out of memory");
    wo.length = L, wo.stride = S ? S : L, wo.batch = B, wo.keep_windows = c.per_window;
    int opened = 0;
    if (!rc && !c.st) {
        rc = sk_out_open(&c.out, outp);
        opened = !rc;
        if (!rc) rc = sk_out_printf(&c.out, "record\tstart\tend");
        for (int64_t j = 0; j < c.d && !rc; j++) rc = sk_out_printf(&c.out, "\te%lld", (long long)j);
        if (!rc) rc = sk_out_printf(&c.out, "\n");
    }
    sk_winrun *w = NULL;
    sk_stream *ws = NULL;
    sk_progress pg;
    sk_progress_open(&pg, "embed", whole ? "bases" : "windows", 0, quiet);
    if (!c.st && !outp) sk_progress_streams_stdout(&pg); /* rows to stdout as they come */
    wo.progress = &pg;
    whole_ctx wc = {.c = &c};
    if (!rc && !whole) rc = sk_winrun_create(&w, &wo, c.d, compute, emit, &c);
    if (!rc && whole) rc = sk_mamba_lm_state_create(c.lm, 1, &wc.st);
    if (!rc && whole) rc = sk_rpool_init(&wc.pool, c.pool_last, c.d);
    if (!rc && whole && !(wc.v = malloc((size_t)c.d * sizeof(double)))) rc = sk_error(SK_ENOMEM, "embed: out of memory");
    if (!rc && whole) rc = sk_stream_create(&ws, L, whole_chunk, &wc);
    if (ws) sk_stream_set_progress(ws, &pg);
    if (!rc) rc = sk_dna_run_files(argv + optind, argc - optind, ref, (int)threads, w, ws, wo.tok_flags, 0, NULL);
    sk_progress_end(&pg);
    if (!rc && c.st) rc = write_safetensors(&c, model, outp);
    else if (opened) {
        if (!rc) rc = sk_out_close(&c.out);
        else sk_out_abort(&c.out);
    }
    sk_winrun_free(w);
    sk_stream_free(ws);
    sk_mamba_lm_state_free(wc.st);
    sk_rpool_free(&wc.pool), free(wc.v);
    sk_model_free(mm);
    free(c.hid), free(c.rows);
    cJSON_Delete(c.meta_rows);
    return rc ? sk_cli_fail(NULL) : SK_EXIT_OK;
}
#endif
