/* sk_eval.c — see sk_eval.h. */
#include "models/sk_eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "models/sk_model.h"
#include "models/sk_trainer.h"
#include "src/sk_data.h"
#include "src/sk_io.h"
#include "src/sk_safetensors.h"

int sk_eval_check_loss(const char *model, double loss) {
    if (isfinite(loss)) return SK_OK;
    const char *bad = NULL;
    sk_st *st = NULL;
    if (sk_st_open(model, &st)) sk_error_clear(); /* a folder: no tensor named */
    float *h = NULL;
    for (int64_t i = 0; st && !bad && i < sk_st_count(st); i++) {
        const sk_st_tensor *t = sk_st_at(st, i);
        float *nh = realloc(h, (size_t)(t->numel ? t->numel : 1) * sizeof(float));
        if (!nh || sk_st_read_f32(st, t->name, h = nh, t->numel)) break;
        for (int64_t k = 0; k < t->numel && !bad; k++)
            if (!isfinite(h[k])) bad = t->name;
    }
    sk_error_clear();
    int rc = bad ? sk_error(SK_EFORMAT, "%s: the loss is %f: tensor %s holds NaN or infinite values", model, loss, bad)
                 : sk_error(SK_EFORMAT, "%s: the loss is %f (the model's outputs are not finite)", model, loss);
    free(h);
    sk_st_close(st);
    return rc;
}

void sk_eval_print_loss(FILE *out, double loss, const char *unit) {
    fprintf(out, "loss\t%.6f\n", loss);
    fprintf(out, "bits_per_%s\t%.6f\n", unit, loss / log(2.0));
    fprintf(out, "perplexity\t%.6g\n", exp(loss));
}

int sk_eval_decode_tokens(const unsigned char *raw, int64_t n, int64_t width, int64_t vocab, const char *data, int64_t pos0,
                          int32_t *tok) {
    for (int64_t i = 0; i < n; i++) {
        uint32_t v = 0;
        for (int k = 0; k < width; k++) v |= (uint32_t)raw[i * width + k] << (8 * k); /* little-endian */
        if (v >= (uint64_t)vocab)
            return sk_error(SK_EINVAL, "%s: token %u at position %lld is outside the model's vocabulary (vocab_size %lld)",
                            data, v, (long long)(pos0 + i), (long long)vocab);
        tok[i] = (int32_t)v;
    }
    return SK_OK;
}

static int dump_logits(const sk_model *m, const char *path, int64_t b, int64_t L, const char *model) {
    int64_t V = sk_model_logits_width(m);
    float *lg = malloc((size_t)(b * L * V) * sizeof(float));
    if (!lg) return sk_error(SK_ENOMEM, "%s: out of memory for %lld logits", path, (long long)(b * L * V));
    sk_stw *w = NULL;
    int64_t shape[3] = {b, L, V};
    int rc = sk_model_logits(m, lg);
    if (!rc) rc = sk_stw_create(&w);
    if (!rc) rc = sk_stw_add(w, "logits", SK_F32, 3, shape, lg);
    if (!rc) rc = sk_stw_meta(w, "model", model);
    if (!rc) rc = sk_stw_write(w, path);
    sk_stw_free(w);
    free(lg);
    return rc;
}

int sk_eval_windows(const char *model, const sk_backend *be, const char *data, int64_t width, int64_t len,
                    const char *dump_logits_path, const char *dump_grads, FILE *out) {
    sk_model_config *mc = NULL;
    int rc = sk_model_config_read(model, SK_MODEL_LM_ONLY, &mc);
    if (rc) return rc;
    const int64_t vocab = sk_model_config_vocab(mc);
    sk_model_config_free(mc);

    /* tokens */
    sk_map map;
    if ((rc = sk_map_open(&map, data))) return rc;
    int64_t n = map.size / width, b = 1, L = n;
    if (map.size % width)
        rc = sk_error(SK_EFORMAT, "%s: %lld bytes is not a whole number of %lld-byte tokens (check --token-width)", data,
                      (long long)map.size, (long long)width);
    else if (len && n < len)
        rc = sk_error(SK_EINVAL, "%s: %lld tokens, fewer than --length %lld", data, (long long)n, (long long)len);
    else if (!len && n < 2)
        rc = sk_error(SK_EINVAL, "%s: %lld tokens; need at least 2 (one target)", data, (long long)n);
    if (rc) {
        sk_map_close(&map);
        return rc;
    }
    if (len) b = n / len, L = len;
    if (len && n % len) sk_log_warn("%s: the last %lld tokens do not fill a window of %lld and are left out", data, (long long)(n % len), (long long)len);
    int32_t *tok = malloc((size_t)(b * L) * sizeof(int32_t)), *tgt = malloc((size_t)(b * L) * sizeof(int32_t));
    if (!tok || !tgt) rc = sk_error(SK_ENOMEM, "eval: out of memory for %lld tokens", (long long)(b * L));
    if (!rc) rc = sk_eval_decode_tokens(map.data, b * L, width, vocab, data, 0, tok);
    sk_map_close(&map);
    for (int64_t i = 0; i < b * L && !rc; i++) tgt[i] = (i % L) + 1 < L ? tok[i + 1] : -1; /* t predicts t+1 */

    sk_model *m = NULL;
    double loss = 0;
    if (!rc) rc = sk_model_load(&m, model, be, b, L, SK_MODEL_LM_ONLY | (dump_grads ? SK_MODEL_GRADS : SK_MODEL_INFER));
    if (!rc && dump_grads) rc = sk_model_zero_grad(m);
    if (!rc) rc = sk_model_forward(m, tok, tgt, b, L, &loss);
    if (!rc && dump_logits_path) rc = dump_logits(m, dump_logits_path, b, L, model);
    if (!rc && dump_grads) rc = sk_model_backward(m);
    if (!rc && dump_grads) rc = sk_model_save_grads(m, dump_grads);
    if (!rc) rc = sk_eval_check_loss(model, loss);
    if (!rc) {
        fprintf(out, "model\t%s\n", model);
        fprintf(out, "parameters\t%lld\n", (long long)sk_model_numel(m));
        fprintf(out, "sequences\t%lld\n", (long long)b);
        fprintf(out, "length\t%lld\n", (long long)L);
        fprintf(out, "targets\t%lld\n", (long long)(b * (L - 1)));
        sk_eval_print_loss(out, loss, "token");
    }
    sk_model_free(m);
    free(tok), free(tgt);
    return rc;
}

int sk_eval_shifted(const char *model, const sk_backend *be, int32_t bos, int64_t P, const char *data, int64_t C,
                    int64_t width, FILE *out, sk_progress *pg) {
    if (width != 1) return sk_error(SK_EINVAL, "%s: an audio U-Net reads 8-bit mu-law tokens (--token-width 1)", model);
    if (!C) C = 16384 / P * P;
    if (C < P) C = P;
    if (C % P) return sk_error(SK_EINVAL, "chunk %lld is not a multiple of the U-Net's pool product %lld", (long long)C, (long long)P);
    sk_map map;
    int rc = sk_map_open(&map, data);
    if (rc) return rc;
    const int64_t n = map.size;
    sk_model *m = NULL;
    sk_model_state *s = NULL;
    int32_t *tok = malloc((size_t)C * sizeof(int32_t)), *tgt = malloc((size_t)C * sizeof(int32_t));
    if (!n) rc = sk_error(SK_EINVAL, "%s: empty", data);
    if (!rc && (!tok || !tgt)) rc = sk_error(SK_ENOMEM, "eval: out of memory");
    if (!rc) rc = sk_model_load(&m, model, be, 1, C, SK_MODEL_INFER);
    if (!rc) rc = sk_model_state_create(m, 1, &s);
    double sum = 0;
    sk_progress_item(pg, NULL, n);
    for (int64_t c0 = 0; !rc && c0 < n; c0 += C) {
        const int64_t nc = n - c0 < C ? n - c0 : C, Lc = (nc + P - 1) / P * P;
        for (int64_t i = 0; i < Lc; i++) {
            const int64_t t = c0 + i; /* position t: input x_{t-1} (bos at t = 0), target x_t */
            tok[i] = i < nc ? (t ? map.data[t - 1] : bos) : 0;
            tgt[i] = i < nc ? map.data[t] : -1;
        }
        double loss = 0;
        rc = sk_model_forward_state(m, s, tok, tgt, NULL, Lc, &loss);
        sum += loss * (double)nc;
        sk_progress_add(pg, nc);
    }
    if (!rc) rc = sk_eval_check_loss(model, sum / (double)n);
    sk_progress_end(pg); /* its summary line before the results */
    if (!rc) {
        fprintf(out, "model\t%s\n", model);
        fprintf(out, "parameters\t%lld\n", (long long)sk_model_numel(m));
        fprintf(out, "samples\t%lld\n", (long long)n);
        fprintf(out, "chunk\t%lld\n", (long long)C);
        fprintf(out, "targets\t%lld\n", (long long)n);
        sk_eval_print_loss(out, sum / (double)n, "sample");
    }
    sk_model_state_free(s);
    sk_model_free(m);
    sk_map_close(&map);
    free(tok), free(tgt);
    return rc;
}


/* The training options a checkpoint was written with: "length" and "pack" (0 when absent). */
static void trained_with(const char *model, int64_t *len, int *pack) {
    *len = 0, *pack = 0;
    sk_st *st = NULL;
    if (sk_st_open(model, &st)) { /* a folder (mamba_ssm, Hugging Face): no training options */
        sk_error_clear();
        return;
    }
    const char *tj = sk_st_meta(st, "train");
    cJSON *t = tj ? cJSON_Parse(tj) : NULL;
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(t, "length"), *p = cJSON_GetObjectItemCaseSensitive(t, "pack");
    if (cJSON_IsNumber(l) && l->valuedouble >= 1 && l->valuedouble <= INT32_MAX) *len = (int64_t)l->valuedouble;
    if (cJSON_IsNumber(p)) *pack = p->valuedouble == 1;
    cJSON_Delete(t);
    sk_st_close(st);
}

int sk_eval_shard(const char *model, const sk_backend *be, const char *data, int split, int64_t len, int64_t batch,
                  FILE *out, sk_progress *pg) {
    static const char *const split_names[] = {"all", "train", "valid", "test"};
    sk_model_config *mc = NULL;
    TRY(sk_model_config_read(model, 0, &mc));
    const int kind = sk_model_config_kind(mc);
    const int64_t P = sk_model_config_length_multiple(mc), vocab = sk_model_config_vocab(mc);
    const int32_t bos = sk_model_config_bos(mc);
    sk_model_config_free(mc);
    if (kind == SK_MODEL_CLASSIFIER) return sk_model_expect(model, SK_MODEL_LM_ONLY); /* says who takes it */
    int64_t trained = 0;
    int pack = 0;
    trained_with(model, &trained, &pack);
    const int64_t L = len ? len : trained ? trained : 1024;
    if (L % P)
        return sk_error(SK_EINVAL, "%s: length %lld is not a multiple of the model's pool product %lld (give --length)",
                        model, (long long)L, (long long)P);
    sk_data_opts o = {.length = L, .batch = (int)batch, .split = split, .mode = SK_DATA_SEQUENTIAL, .pack = pack};
    sk_data *d = NULL;
    sk_model *m = NULL;
    int32_t *in = NULL, *tg = NULL;
    int rc = sk_data_open(&d, data, SK_DATA_SHARD, &o);
    if (!rc && sk_data_vocab_size(d) > vocab)
        rc = sk_error(SK_EINVAL, "%s has a vocabulary of %lld tokens but the model's vocab_size is %lld", data,
                      (long long)sk_data_vocab_size(d), (long long)vocab);
    if (!rc && bos >= 0 && sk_data_bos(d) != bos)
        sk_log_warn("%s has no \"bos_token\" %d (not an audio shard from 'ssmkit audio prep'): the model was trained "
                    "on sequences that start from it", data, bos);
    if (!rc) rc = sk_model_load(&m, model, be, batch, L, SK_MODEL_INFER);
    if (!rc && (!(in = malloc((size_t)(batch * L) * sizeof *in)) || !(tg = malloc((size_t)(batch * L) * sizeof *tg))))
        rc = sk_error(SK_ENOMEM, "%s: out of memory for a batch of %lld x %lld tokens", data, (long long)batch, (long long)L);
    double bits = NAN;
    int64_t n = 0;
    if (!rc && pg) pg->unit = "windows", pg->total = sk_data_windows(d);
    if (!rc) rc = sk_train_evaluate(m, d, batch, L, 0, in, tg, &bits, &n, pg);
    sk_progress_end(pg); /* its summary line before the results */
    if (!rc && !n) rc = sk_error(SK_EINVAL, "%s: the %s split has no targets", data, split_names[split + 1]);
    if (!rc) rc = sk_eval_check_loss(model, bits * log(2.0));
    if (!rc) {
        fprintf(out, "model\t%s\n", model);
        fprintf(out, "data\t%s\n", data);
        fprintf(out, "split\t%s\n", split_names[split + 1]);
        fprintf(out, "length\t%lld\n", (long long)L);
        fprintf(out, "windows\t%lld\n", (long long)sk_data_windows(d));
        fprintf(out, "targets\t%lld\n", (long long)n);
        fprintf(out, "nll\t%.9g\n", bits * log(2.0) * (double)n);
        sk_eval_print_loss(out, bits * log(2.0), bos >= 0 ? "sample" : "token");
    }
    free(in), free(tg);
    sk_model_free(m);
    sk_data_close(d);
    return rc;
}

int sk_eval_track_chunk(void *vctx, const int32_t *tok, const int32_t *tgt, const uint8_t *reset, int64_t n,
                        const sk_stream_piece *pc, int64_t np) {
    sk_eval_track *t = vctx;
    int rc = sk_model_forward_state(t->m, t->st, tok, tgt, reset, n, NULL);
    if (rc) return rc;
    const float *pl = sk_model_position_losses(t->m);
    for (int64_t i = 0; i < np && !rc; i++) {
        /* position p predicts the base after it: record position start + (p - off) + 1 */
        const int64_t cnt = pc[i].n - (pc[i].last ? 1 : 0);
        for (int64_t k = 0; k < cnt; k++) {
            const double l = pl[pc[i].off + k];
            t->val[pc[i].off + k] = -l / log(2.0), t->nll += l;
        }
        t->n += cnt;
        if (cnt > 0) rc = t->fn(t->ctx, pc[i].name, pc[i].rec, pc[i].start + 1, t->val + pc[i].off, cnt);
    }
    return rc;
}
