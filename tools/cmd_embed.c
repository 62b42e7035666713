/* cmd_embed.c — `ssmkit embed`: hidden-state embeddings of DNA windows or records from a DNA
 * Mamba (an LM from `ssmkit train` on DNA shards, or a classifier's backbone). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tools/sk_cli.h"

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
    "Options:\n"
    "  -m, --model M          classifier (ssmkit finetune) or DNA LM checkpoint (ssmkit train)\n"
    "  -L, --length L         window length [1024, or the classifier's training length]\n"
    "  -S, --stride S         bases between window starts [L]\n"
    "      --pool mean|last   [mean]\n"
    "      --per record|window  one embedding per record (default) or per window\n"
    "      --rc-average       average each window with its reverse complement\n"
    "      --short pad|skip   records shorter than L: one left-padded window (pad) or none (skip)\n"
    "  -f, --format tsv|safetensors  [tsv]\n"
    "  -b, --batch B          windows per model call [16]\n"
    "      --whole            whole records, streamed (above); not with --per window/--rc-average\n"
    "  -C, --chunk C          --whole: bases per model call [16384]\n"
    "  -o, --output FILE      output file (atomic); TSV defaults to stdout\n"
    "  -T, --reference FA     reference FASTA for CRAM input\n"
    "  -@, --threads T        threads, 0 = all cores [0]\n"
    "      --device D         cpu | cuda [cpu]\n"
    "  -h, --help             show this help\n";

#ifndef SSMKIT_HAVE_GENOMICS
int cmd_embed(int argc, char **argv) {
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) fputs(usage, stdout);
    sk_error(SK_EUNSUP, "embed: the genomics front-end is not built into this binary (install libhts-dev and "
             "zlib1g-dev, then reconfigure and rebuild)");
    return sk_cli_fail(NULL);
}
#else

#include <cjson/cJSON.h>
#include "models/sk_mamba.h"
#include "models/sk_model.h"
#include "src/sk_safetensors.h"
#include "tools/sk_dnaout.h"
#include "tools/sk_dnarun.h"
#include "tools/sk_lm.h"
#include "tools/sk_stream.h"

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
    for (int64_t i = 0; i < b && !rc; i++) {
        double *o = out + i * d;
        const float *h = c->hid + i * L * d;
        if (c->pool_last) { /* hf[i, L-1, :] */
            for (int64_t j = 0; j < d; j++) o[j] = h[(L - 1) * d + j];
            continue;
        }
        int64_t n = 0; /* mean over the positions that are not [PAD] */
        for (int64_t j = 0; j < d; j++) o[j] = 0;
        for (int64_t t = 0; t < L; t++) {
            if (tok[i * L + t] == SK_DNA_PAD) continue;
            n++;
            for (int64_t j = 0; j < d; j++) o[j] += h[t * d + j];
        }
        for (int64_t j = 0; j < d; j++) o[j] /= (double)(n ? n : 1);
    }
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

int cmd_embed(int argc, char **argv) {
    enum { O_POOL = 1000, O_PER, O_RC, O_SHORT, O_DEVICE, O_WHOLE };
    static const struct option lo[] = {
        {"model", required_argument, 0, 'm'},   {"length", required_argument, 0, 'L'},
        {"stride", required_argument, 0, 'S'},  {"pool", required_argument, 0, O_POOL},
        {"per", required_argument, 0, O_PER},   {"rc-average", no_argument, 0, O_RC},
        {"short", required_argument, 0, O_SHORT}, {"format", required_argument, 0, 'f'},
        {"batch", required_argument, 0, 'b'},   {"output", required_argument, 0, 'o'},
        {"reference", required_argument, 0, 'T'}, {"threads", required_argument, 0, '@'},
        {"device", required_argument, 0, O_DEVICE}, {"help", no_argument, 0, 'h'},
        {"whole", no_argument, 0, O_WHOLE},     {"chunk", required_argument, 0, 'C'},
        {0, 0, 0, 0}};
    const char *model = NULL, *outp = NULL, *ref = NULL, *device = "cpu";
    int64_t L = 0, S = 0, B = 16, threads = 0, chunk = 0;
    int whole = 0;
    sk_winrun_opts wo = {.short_policy = SK_DNA_SHORT_PAD};
    emb_ctx c = {0};
    int opt;
    while ((opt = sk_getopt(argc, argv, "m:L:S:f:b:o:T:C:@:h", lo, "embed")) != -1) {
        switch (opt) {
        case 'h': fputs(usage, stdout); return SK_EXIT_OK;
        case 'm': model = optarg; break;
        case 'L': if (sk_cli_int("embed", "--length", optarg, 1, (int64_t)1 << 30, &L)) return SK_EXIT_USAGE; break;
        case 'S': if (sk_cli_int("embed", "--stride", optarg, 1, (int64_t)1 << 40, &S)) return SK_EXIT_USAGE; break;
        case 'b': if (sk_cli_int("embed", "--batch", optarg, 1, 1 << 20, &B)) return SK_EXIT_USAGE; break;
        case '@': if (sk_cli_int("embed", "--threads", optarg, 0, 4096, &threads)) return SK_EXIT_USAGE; break;
        case 'C': if (sk_cli_int("embed", "--chunk", optarg, 1, INT32_MAX, &chunk)) return SK_EXIT_USAGE; break;
        case O_WHOLE: whole = 1; break;
        case O_RC: wo.rc_average = 1; break;
        case 'o': outp = optarg; break;
        case 'T': ref = optarg; break;
        case O_DEVICE: device = optarg; break;
        case O_POOL:
            if (strcmp(optarg, "mean") && strcmp(optarg, "last")) return sk_cli_usage("embed", "--pool: '%s' is not mean or last", optarg);
            c.pool_last = !strcmp(optarg, "last");
            break;
        case O_PER:
            if (strcmp(optarg, "record") && strcmp(optarg, "window")) return sk_cli_usage("embed", "--per: '%s' is not record or window", optarg);
            c.per_window = !strcmp(optarg, "window");
            break;
        case 'f':
            if (strcmp(optarg, "tsv") && strcmp(optarg, "safetensors")) return sk_cli_usage("embed", "--format: '%s' is not tsv or safetensors", optarg);
            c.st = !strcmp(optarg, "safetensors");
            break;
        case O_SHORT:
            if (!strcmp(optarg, "pad")) wo.short_policy = SK_DNA_SHORT_PAD;
            else if (!strcmp(optarg, "skip")) wo.short_policy = SK_DNA_SHORT_SKIP;
            else return sk_cli_usage("embed", "--short: '%s' is not pad or skip", optarg);
            break;
        default: return SK_EXIT_USAGE;
        }
    }
    if (!model) return sk_cli_usage("embed", "--model is required");
    if (optind >= argc) return sk_cli_usage("embed", "no input files");
    if (c.st && !outp) return sk_cli_usage("embed", "--format safetensors needs -o FILE");
    if (whole && (c.per_window || wo.rc_average || L || S))
        return sk_cli_usage("embed", "--whole embeds whole records: not with --per window, --rc-average, --length or --stride");
    if (!whole && chunk) return sk_cli_usage("embed", "--chunk needs --whole");
    if (whole) L = chunk ? chunk : 16384, B = 1; /* the model runs b = 1 x chunk */
    sk_lm_threads((int)threads);
    const sk_backend *be;
    if (sk_lm_backend(device, &be)) return sk_cli_fail(NULL);
    /* the model: a classifier's backbone, or an LM; the tokenizer from the metadata */
    sk_st *st = NULL;
    if (sk_st_open(model, &st)) return sk_cli_fail(NULL);
    const char *tj = sk_st_meta(st, "tokenizer"), *prov = sk_st_meta(st, "provenance");
    if (!L && prov) {
        cJSON *j = cJSON_Parse(prov);
        const cJSON *l = j ? cJSON_GetObjectItemCaseSensitive(j, "length") : NULL;
        if (cJSON_IsNumber(l) && l->valuedouble >= 1) L = (int64_t)l->valuedouble;
        cJSON_Delete(j);
    }
    if (!L) L = 1024;
    char what[1100];
    snprintf(what, sizeof what, "%s: __metadata__.tokenizer", model);
    int64_t vocab = 12;
    int rc = tj ? sk_dna_tokenizer_parse(tj, what, &wo.tok_flags, &vocab) : SK_OK;
    sk_st_close(st);
    sk_model *mm = NULL; /* an LM, or a classifier: its backbone */
    if (!rc) rc = sk_model_load(&mm, model, be, B, L, SK_MODEL_NEED_BACKBONE);
    if (!rc) c.lm = sk_model_backbone(mm);
    if (!rc && sk_mamba_lm_config(c.lm)->vocab_size != vocab)
        rc = sk_error(SK_EINVAL, "%s: the model's vocabulary has %lld tokens, not the %lld of the DNA tokenizer (was it "
                                 "trained on DNA?)", model, (long long)sk_mamba_lm_config(c.lm)->vocab_size, (long long)vocab);
    c.d = c.lm ? sk_mamba_lm_config(c.lm)->d_model : 0;
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
    whole_ctx wc = {.c = &c};
    if (!rc && !whole) rc = sk_winrun_create(&w, &wo, c.d, compute, emit, &c);
    if (!rc && whole) rc = sk_mamba_lm_state_create(c.lm, 1, &wc.st);
    if (!rc && whole) rc = sk_rpool_init(&wc.pool, c.pool_last, c.d);
    if (!rc && whole && !(wc.v = malloc((size_t)c.d * sizeof(double)))) rc = sk_error(SK_ENOMEM, "embed: out of memory");
    if (!rc && whole) rc = sk_stream_create(&ws, L, whole_chunk, &wc);
    for (int i = optind; i < argc && !rc; i++) {
        sk_seqin *in;
        if ((rc = sk_seqin_open(&in, argv[i], ref, (int)threads))) break;
        sk_seqrec r;
        int64_t n = 0;
        if (whole) rc = sk_seqin_stream(in, ws, wo.tok_flags, &n);
        else {
            while (!(rc = sk_seqin_next(in, &r)) && !(rc = sk_winrun_add(w, r.name, r.seq, r.len))) n++;
            if (rc == SK_EOF) rc = SK_OK;
        }
        if (!rc && !n) rc = sk_error(SK_EFORMAT, "%s: no records with a sequence", argv[i]);
        sk_seqin_close(in);
    }
    if (!rc && w) rc = sk_winrun_finish(w);
    if (!rc && ws) rc = sk_stream_finish(ws);
    if (!rc && c.st) { /* all rows at once */
        sk_stw *sw = NULL;
        int64_t shape[2] = {c.nrows, c.d};
        char *rows = cJSON_PrintUnformatted(c.meta_rows);
        rc = rows ? sk_stw_create(&sw) : sk_error(SK_ENOMEM, "embed: out of memory");
        if (!rc) rc = sk_stw_add(sw, "embeddings", SK_F32, 2, shape, c.rows ? (const void *)c.rows : (const void *)"");
        if (!rc) rc = sk_stw_meta(sw, "rows", rows);
        if (!rc) rc = sk_stw_meta(sw, "pool", c.pool_last ? "last" : "mean");
        if (!rc) rc = sk_stw_meta(sw, "model", model);
        if (!rc) rc = sk_stw_write(sw, outp);
        sk_stw_free(sw);
        free(rows);
    } else if (opened) {
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
