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
    int rc = sk_model_load(&c->m, model, be, 1, chunk, SK_MODEL_LM_ONLY);
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
    if (!rc) rc = sk_model_load(m, model, be, B, L, SK_MODEL_LM_ONLY);
    if (!rc && sk_model_vocab(*m) != vocab)
        rc = sk_error(SK_EFORMAT, "%s: the tokenizer has %lld tokens but the model's vocabulary is %lld", model,
                      (long long)vocab, (long long)sk_model_vocab(*m));
    return rc;
}

/* Whole records of a FASTA/FASTQ file streamed through the LM (--whole). Each record's bases are
 * held by the reader (one byte per base); the activations are O(chunk). */
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
    int whole = 0, split = SK_DATA_ALL - 1; /* unset: test on a shard, refused with other data */
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
