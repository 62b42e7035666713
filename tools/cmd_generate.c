/* cmd_generate.c — `ssmkit generate`: sample tokens from a Mamba LM (through models/sk_model.h).
 *
 * The prompt is run through the parallel forward with a recurrent state (chunks of --chunk
 * tokens), then each new token is one recurrent step: constant time and memory per token. Tokens
 * are read and written as bytes when the vocabulary fits in a byte (vocab_size <= 256), else as
 * little-endian int32.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "models/sk_model.h"
#include "src/sk_io.h"
#include "src/sk_progress.h"
#include "src/sk_rng.h"
#include "src/sk_sample.h"
#include "tools/sk_cli.h"
#include "kernels/sk_runtime.h"

static const char *usage =
    "Usage: ssmkit generate --model M --tokens N -o OUT [options]\n"
    "\n"
    "Sample N tokens from a Mamba LM after an optional prompt. The prompt is prefilled with the\n"
    "parallel forward (carrying the recurrent state), then every token is one recurrent step, so\n"
    "time and memory per token stay constant. Token files are raw bytes when the model's vocab_size\n"
    "is <= 256 (a byte LM: the output is the text), else little-endian int32.\n"
    "\n"
    "Options:\n";

/* tokens from a file: bytes (wide = 0) or int32 LE (wide = 1) */
static int read_tokens(const char *path, int wide, int64_t vocab, int32_t **out, int64_t *n) {
    char *data = NULL;
    int64_t len = 0;
    *out = NULL, *n = 0;
    int rc = sk_read_file(path, &data, &len);
    if (rc) return rc;
    int64_t w = wide ? 4 : 1;
    if (len % w) {
        free(data);
        return sk_error(SK_EFORMAT, "%s: %lld bytes is not a whole number of int32 tokens", path, (long long)len);
    }
    *n = len / w;
    *out = malloc((size_t)(*n ? *n : 1) * sizeof(int32_t));
    if (!*out) rc = sk_error(SK_ENOMEM, "%s: out of memory", path);
    for (int64_t i = 0; i < *n && !rc; i++) {
        int32_t t;
        if (wide) memcpy(&t, data + 4 * i, 4);
        else t = (uint8_t)data[i];
        if (t < 0 || t >= vocab)
            rc = sk_error(SK_EINVAL, "%s: token %lld is %d, outside the model's vocabulary [0, %lld)", path, (long long)i, t,
                          (long long)vocab);
        (*out)[i] = t;
    }
    free(data);
    if (rc) free(*out), *out = NULL;
    return rc;
}

typedef struct sink { /* buffered token output, atomic for files */
    sk_afile af;
    FILE *fp;
    int wide, open;
    unsigned char buf[1 << 14];
    size_t used;
} sink;

static int sink_flush(sink *s) {
    if (!s->used) return SK_OK;
    int rc = s->fp == stdout ? (fwrite(s->buf, 1, s->used, stdout) == s->used ? SK_OK : sk_error(SK_EIO, "stdout: write failed"))
                             : sk_afile_write(&s->af, s->buf, s->used);
    s->used = 0;
    return rc;
}
static int sink_put(sink *s, int32_t t) {
    if (s->used + 4 > sizeof s->buf) {
        int rc = sink_flush(s);
        if (rc) return rc;
    }
    if (s->wide) memcpy(s->buf + s->used, &t, 4), s->used += 4;
    else s->buf[s->used++] = (unsigned char)t;
    return SK_OK;
}

static int generate(const char *model, const char *prompt_path, int64_t ntok, const char *out, int32_t bos, int incl,
                    int64_t chunk, const sk_sample_params *sp, uint64_t seed, const char *device) {
    const sk_backend *be;
    int rc = sk_lm_backend(device, &be);
    if (rc) return rc;
    sk_model_config *cfg = NULL;
    if ((rc = sk_model_config_read(model, SK_MODEL_LM_ONLY, &cfg))) return rc;
    const int64_t vocab = sk_model_config_vocab(cfg);
    sk_model_config_free(cfg);
    const int wide = vocab > 256;
    int32_t *prompt = NULL;
    int64_t np = 0;
    if (prompt_path && (rc = read_tokens(prompt_path, wide, vocab, &prompt, &np))) return rc;
    if (!prompt_path || np == 0) {
        if (bos < 0 || bos >= vocab) {
            free(prompt);
            return sk_error(SK_EINVAL, "--bos %d is outside the vocabulary [0, %lld)", bos, (long long)vocab);
        }
        free(prompt);
        prompt = malloc(sizeof *prompt);
        if (!prompt) return sk_error(SK_ENOMEM, "out of memory");
        prompt[0] = bos, np = 1, incl = 0;
    }
    int64_t maxL = np < chunk ? np : chunk;
    sk_model *m = NULL;
    sk_model_state *st = NULL;
    rc = sk_model_load(&m, model, be, 1, maxL, SK_MODEL_LM_ONLY);
    const int64_t V = m ? sk_model_logits_width(m) : 1;
    float *logits = malloc((size_t)(maxL * V) * sizeof(float));
    void *scratch = malloc(sk_sample_scratch_size(V));
    sink *s = calloc(1, sizeof *s);
    if (!rc && (!logits || !scratch || !s)) rc = sk_error(SK_ENOMEM, "out of memory");
    if (!rc) rc = sk_model_state_create(m, 1, &st);
    if (!rc) {
        s->wide = wide;
        if (!strcmp(out, "-")) s->fp = stdout;
        else if (!(rc = sk_afile_open(&s->af, out))) s->open = 1;
    }
    /* prefill: the prompt in chunks through the parallel forward, carrying the state */
    int64_t last = 0;
    for (int64_t p = 0; p < np && !rc; p += last) {
        last = np - p < maxL ? np - p : maxL;
        rc = sk_model_forward_state(m, st, prompt + p, NULL, NULL, last, NULL);
        if (!rc) rc = sk_model_logits(m, logits);
    }
    for (int64_t i = 0; incl && i < np && !rc; i++) rc = sink_put(s, prompt[i]);
    /* logits of the last prompt position */
    const float *lg = logits + (last - 1) * V;
    sk_rng rng;
    sk_rng_seed(&rng, seed, 0);
    double t0 = sk_now();
    for (int64_t i = 0; i < ntok && !rc; i++) {
        int32_t tok = 0;
        /* tokens past vocab_size (padding rows) are never drawn: the sampler sees vocab_size logits */
        rc = sk_sample(lg, vocab, sp, &rng, scratch, &tok);
        if (!rc) rc = sink_put(s, tok);
        if (!rc && i + 1 < ntok) rc = sk_model_step(m, st, &tok, logits), lg = logits;
    }
    if (!rc) rc = sink_flush(s);
    if (!rc && s->open) rc = sk_afile_commit(&s->af), s->open = 0;
    if (!rc && s->fp == stdout) fflush(stdout);
    if (!rc) {
        double dt = sk_now() - t0;
        sk_log_info("generated %lld tokens in %.2f s (%.0f tokens/s) after a %lld-token prompt", (long long)ntok, dt,
                    dt > 0 ? (double)ntok / dt : 0.0, (long long)np);
    }
    if (s && s->open) sk_afile_abort(&s->af);
    sk_model_state_free(st);
    sk_model_free(m);
    free(logits);
    free(scratch);
    free(prompt);
    free(s);
    return rc;
}

int cmd_generate(int argc, char **argv) {
    const char *model = NULL, *out = NULL, *prompt = NULL, *device;
    int64_t ntok = -1, bos, topk, chunk, seed, threads;
    double temp, topp;
    int incl = 0;
    const sk_opt opts[] = {
        SK_O_STR("model", 'm', &model, NULL, "M", "ssmkit checkpoint, mamba_ssm or Hugging Face folder"),
        SK_O_INT("tokens", 'n', &ntok, 0, INT64_MAX, NULL, "N", "tokens to generate (required)"),
        SK_O_OUTPUT(&out, "OUT", "output file of the generated tokens (- = stdout)"),
        SK_O_STR("prompt-file", 'P', &prompt, NULL, "F", "prompt tokens (default: one token --bos)"),
        SK_O_INT("bos", 0, &bos, 0, INT32_MAX, "0", "ID", "first input token without a prompt"),
        SK_O_NUM("temperature", 't', &temp, 0, 1e6, "1.0", "T", "softmax temperature, 0 = greedy"),
        SK_O_INT("top-k", 'k', &topk, 0, INT32_MAX, "0", "K", "keep the K most likely tokens, 0 = all"),
        SK_O_NUM("top-p", 'p', &topp, 0, 1, "1.0", "P", "nucleus: smallest set with probability >= P, 1 = off"),
        SK_O_FLAG("include-prompt", 0, &incl, "write the prompt before the generated tokens"),
        SK_O_INT("chunk", 0, &chunk, 1, 1 << 24, "1024", "C", "prefill chunk length"),
        SK_O_SEED('s', &seed, "sampling seed"),
        SK_O_THREADS(&threads, "kernel threads, 0 = all cores"),
        SK_O_DEVICE(&device),
        SK_O_HELP, SK_O_END};
    int ex = sk_cli_parse(&(const sk_cli){"generate", usage, opts, NULL}, argc, argv);
    if (ex != SK_CLI_GO) return ex;
    if (optind < argc) return sk_cli_usage("generate", "unexpected argument '%s'", argv[optind]);
    if (!model) return sk_cli_usage("generate", "missing --model M");
    if (ntok < 0) return sk_cli_usage("generate", "missing --tokens N");
    if (!out) return sk_cli_usage("generate", "missing -o OUT");
    sk_lm_threads((int)threads);
    sk_sample_params sp = {(float)temp, (int)topk, (float)topp};
    int rc = generate(model, prompt, ntok, out, (int32_t)bos, incl, chunk, &sp, (uint64_t)seed, device);
    return rc ? sk_cli_fail(NULL) : SK_EXIT_OK;
}
