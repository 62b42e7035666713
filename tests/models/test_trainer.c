/* test_trainer.c — the trainer's update against an independent float64 computation, and the
 * checkpoints it writes.
 *
 * 1. One update with accumulation K = 2, warm-up, clipping, weight decay and a large eps (so the
 *    AdamW step depends on the gradient's size and clipping shows): the reference runs the same
 *    two micro-batches through a second copy of the model, averages the gradients, clips them
 *    in double and applies the first AdamW step (m_hat = g, v_hat = g^2 at t = 1) with its own
 *    weight-decay rule (decay exactly the matrices: embedding, in_proj, conv1d.weight, x_proj,
 *    dt_proj.weight, out_proj). The update p1 - p0 must agree to 1e-4 relative per tensor.
 * 2. Accumulation: K = 2 micro-batches of 1 sequence give the same update as K = 1 of 2
 *    sequences (the sampler draws the same windows; the mean over equal counts is the same).
 * 3. The model checkpoint loads (sk_mamba_lm_load) to the trainer's parameters bit for bit,
 *    and the state records step 1; export to a Hugging Face folder then load gives identical
 *    logits; a complex-S6, S4D or S4+MLP model is refused by the export and nothing is written.
 * 5. On a shard with a valid split: its bits/token against a per-window reference, and the
 *    trainer's validation (an inference copy of the model) against the training model's forward.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "models/sk_mamba.h"
#include "models/sk_mamba_hf.h"
#include "models/sk_model.h"
#include "models/sk_presets.h"
#include "models/sk_unet.h"
#include "models/sk_trainer.h"
#include "src/sk_io.h"
#include "src/sk_rng.h"
#include "src/sk_safetensors.h"
#include "src/sk_shard.h"
#include "tests/sk_test.h"
#include "tests/models/trainer_data.h"

static char dir[] = "/tmp/sk_test_trainer_XXXXXX";
static char data_path[128];

static sk_mamba_config tiny(void) {
    sk_mamba_config c;
    sk_mamba_config_defaults(&c);
    c.blk.d_model = 16, c.n_layer = 2, c.vocab_size = 40, c.blk.d_state = 4, c.pad_vocab_size_multiple = 8;
    if (sk_mamba_config_finish(&c, "test")) abort();
    return c;
}

static sk_data *open_data(int batch) {
    sk_data_opts o = {.length = 24, .batch = batch, .split = SK_DATA_ALL, .mode = SK_DATA_RANDOM, .seed = 5};
    sk_data *d = NULL;
    if (sk_data_open(&d, data_path, SK_DATA_BYTES, &o)) {
        fprintf(stderr, "%s\n", sk_errmsg());
        abort();
    }
    return d;
}

/* the test's own rule: weight decay on the weight matrices only */
static int decays(const char *name) {
    static const char *const sfx[] = {"embedding.weight", "in_proj.weight", "conv1d.weight", "x_proj.weight",
                                      "dt_proj.weight", "out_proj.weight", "lm_head.weight"};
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof sfx / sizeof *sfx; i++) {
        size_t k = strlen(sfx[i]);
        if (n >= k && !strcmp(name + n - k, sfx[i])) return 1;
    }
    return 0;
}

static sk_train_opts opts(const char *out, int accum) {
    sk_train_opts o = {.steps = 1, .accum = accum, .log_every = 1, .out = out, .quiet = 1};
    o.sched = (sk_sched){SK_SCHED_COSINE, 0.02, 0.002, 4, 10}; /* lr(0) = 0.02 * 1/4 */
    o.optim = (sk_optim_hparams){0.9, 0.95, 0.5, 0.1, 0.05};
    return o;
}

/* Run one update of a fresh model (init seed 3); returns the model. */
static sk_mamba_lm *train_one(const char *out, int b, int accum) {
    const sk_mamba_config c = tiny();
    sk_mamba_lm *m = NULL;
    if (sk_mamba_lm_create(&m, &c, sk_backend_cpu(), b, 24, SK_MODEL_GRADS) || sk_mamba_lm_init(m, 3)) abort();
    sk_model *tm = NULL; /* m behind the model interface; the test keeps owning m */
    if (sk_model_wrap_lm(&tm, m)) abort();
    sk_data *d = open_data(b);
    sk_train_opts o = opts(out, accum);
    sk_trainer *t = NULL;
    int rc = sk_trainer_create(&t, tm, d, NULL, b, 24, &o, "{\"test\":1}");
    if (!rc) rc = sk_trainer_run(t);
    SK_CHECK(rc == 0, "trainer: %s", sk_errmsg());
    SK_CHECK(t && sk_trainer_step(t) == 1, "one step done");
    sk_trainer_free(t);
    sk_model_disown(tm);
    sk_data_close(d);
    return m;
}

static void test_update(void) {
    char out[160];
    snprintf(out, sizeof out, "%s/m.safetensors", dir);
    sk_mamba_lm *m = train_one(out, 1, 2);
    /* reference: same init, the same two windows, float64 arithmetic */
    const sk_mamba_config c = tiny();
    sk_mamba_lm *r = NULL;
    if (sk_mamba_lm_create(&r, &c, sk_backend_cpu(), 1, 24, SK_MODEL_GRADS) || sk_mamba_lm_init(r, 3)) abort();
    sk_data *d = open_data(1);
    int32_t in[24], tg[24];
    int rows;
    SK_CHECK(sk_mamba_lm_zero_grad(r) == 0, "zero");
    for (int k = 0; k < 2; k++) {
        double loss;
        SK_CHECK(sk_data_next(d, in, tg, &rows) == 0, "batch");
        SK_CHECK(sk_mamba_lm_forward(r, in, tg, 1, 24, NULL, NULL, &loss) == 0, "fwd");
        SK_CHECK(sk_mamba_lm_backward(r) == 0, "bwd");
    }
    sk_data_close(d);
    const int np = sk_mamba_lm_nparams(r);
    double ss = 0;
    for (int i = 0; i < np; i++) {
        const sk_param *p = sk_mamba_lm_param(r, i);
        for (int64_t k = 0; k < p->numel; k++) ss += ((double)p->g[k] / 2) * ((double)p->g[k] / 2);
    }
    const double norm = sqrt(ss), clip = 0.05, lr = 0.02 / 4, eps = 0.5, wd = 0.1;
    const double cc = clip / (norm + 1e-6) < 1 ? clip / (norm + 1e-6) : 1;
    SK_CHECK(cc < 1, "the test must exercise clipping (norm %g)", norm);
    int ndecay = 0;
    for (int i = 0; i < np; i++) {
        const sk_param *p = sk_mamba_lm_param(r, i), *q = sk_mamba_lm_param(m, i);
        int dec = decays(p->name);
        ndecay += dec;
        /* error of p1 beyond 2 ulp of fp32 storage, relative to the largest update of the tensor */
        double err = 0, dmax = 0;
        for (int64_t k = 0; k < p->numel; k++) {
            /* t = 1: m_hat = g, v_hat = g^2: p1 = p0 - lr wd p0 - lr g / (|g| + eps) */
            double g = (double)p->g[k] / 2 * cc, p0 = p->w[k];
            double delta = -lr * (dec ? wd : 0) * p0 - lr * g / (fabs(g) + eps);
            double e = fabs((double)q->w[k] - (p0 + delta)) - 2 * ldexp(1.0, ilogb(p0 ? p0 : 1e-30) - 23);
            if (!(e <= err)) err = e;
            if (fabs(delta) > dmax) dmax = fabs(delta);
        }
        SK_CHECK(dmax > 0 && err / dmax <= 1e-4, "%s: update error %.3g of the largest update %.3g", p->name, err, dmax);
    }
    SK_CHECK(ndecay == 1 + 5 * 2, "decayed tensors: %d", ndecay);

    /* 3. the checkpoint holds the trainer's parameters; the state says step 1 */
    sk_mamba_lm *l = NULL;
    SK_CHECK(sk_mamba_lm_load(&l, out, sk_backend_cpu(), 1, 24, 0) == 0, "load %s: %s", out, sk_errmsg());
    for (int i = 0; l && i < np; i++) {
        const sk_param *p = sk_mamba_lm_param(l, i), *q = sk_mamba_lm_param(m, i);
        SK_CHECK(!memcmp(p->w, q->w, (size_t)p->numel * sizeof(float)), "%s round trip", p->name);
    }
    char st_path[160];
    snprintf(st_path, sizeof st_path, "%s/m.train.safetensors", dir);
    sk_st *st = NULL;
    int64_t step = 0;
    SK_CHECK(sk_st_open(st_path, &st) == 0 && sk_st_read_raw(st, "train.step", &step, 8) == 0 && step == 1, "state step %lld",
             (long long)step);
    SK_CHECK(st && sk_st_meta(st, "train") && !strcmp(sk_st_meta(st, "train"), "{\"test\":1}"), "options stored");
    sk_st_close(st);
    sk_mamba_lm_free(l);

    /* 2. K = 2 x 1 sequence == K = 1 x 2 sequences */
    char out2[160];
    snprintf(out2, sizeof out2, "%s/m2.safetensors", dir);
    sk_mamba_lm *m2 = train_one(out2, 2, 1);
    for (int i = 0; i < np; i++) {
        const sk_param *p = sk_mamba_lm_param(m2, i), *q = sk_mamba_lm_param(m, i), *p0 = sk_mamba_lm_param(r, i);
        double *want = malloc((size_t)p->numel * sizeof(double));
        float *got = malloc((size_t)p->numel * sizeof(float));
        for (int64_t k = 0; k < p->numel; k++) want[k] = (double)q->w[k] - p0->w[k], got[k] = p->w[k] - p0->w[k];
        SK_CHECK_REL(p->name, got, want, p->numel, 1e-4);
        free(want);
        free(got);
    }
    sk_mamba_lm_free(m2);
    sk_mamba_lm_free(r);
    sk_mamba_lm_free(m);
}

static void test_export(void) {
    const sk_mamba_config c = tiny();
    sk_mamba_lm *m = NULL, *h = NULL;
    if (sk_mamba_lm_create(&m, &c, sk_backend_cpu(), 2, 20, 0) || sk_mamba_lm_init(m, 11)) abort();
    char hf[160];
    snprintf(hf, sizeof hf, "%s/hf", dir);
    SK_CHECK(sk_mamba_lm_export_hf(m, NULL, hf, NULL) == 0, "export: %s", sk_errmsg());
    SK_CHECK(sk_mamba_lm_load(&h, hf, sk_backend_cpu(), 2, 20, 0) == 0, "load %s: %s", hf, sk_errmsg());
    if (!h) return;
    SK_CHECK(sk_mamba_lm_config(h)->vocab_padded == c.vocab_padded, "padded vocabulary kept");
    int32_t tok[40];
    sk_rng r;
    sk_rng_seed(&r, 1, 0);
    for (int i = 0; i < 40; i++) tok[i] = (int32_t)sk_rng_below(&r, 40);
    size_t n = (size_t)(40 * c.vocab_padded);
    float *a = malloc(n * sizeof(float)), *b = malloc(n * sizeof(float));
    SK_CHECK(sk_mamba_lm_forward(m, tok, NULL, 2, 20, NULL, NULL, NULL) == 0 && sk_mamba_lm_logits(m, a) == 0, "fwd");
    SK_CHECK(sk_mamba_lm_forward(h, tok, NULL, 2, 20, NULL, NULL, NULL) == 0 && sk_mamba_lm_logits(h, b) == 0, "fwd hf");
    SK_CHECK(!memcmp(a, b, n * sizeof(float)), "export then load gives identical logits");
    /* the transformers names: embeddings, no lm_head for a tied model */
    char st_path[200];
    snprintf(st_path, sizeof st_path, "%s/model.safetensors", hf);
    sk_st *st = NULL;
    SK_CHECK(sk_st_open(st_path, &st) == 0, "open");
    SK_CHECK(st && sk_st_find(st, "backbone.embeddings.weight") && !sk_st_find(st, "backbone.embedding.weight") &&
                 !sk_st_find(st, "lm_head.weight"),
             "HF tensor names");
    sk_st_close(st);
    free(a);
    free(b);
    sk_mamba_lm_free(h);
    sk_mamba_lm_free(m);
    /* the kinds MambaForCausalLM cannot hold: refused, nothing written */
    static const int KIND[][2] = {{SK_BLOCK_MAMBA, SK_SSM_S6_COMPLEX}, {SK_BLOCK_MAMBA, SK_SSM_S4D_REAL},
                                  {SK_BLOCK_MAMBA, SK_SSM_S4D_LIN}, {SK_BLOCK_S4_MLP, SK_SSM_S4D_REAL}};
    for (int k = 0; k < 4; k++) {
        sk_mamba_config ck = tiny();
        ck.blk.block = KIND[k][0], ck.blk.ssm = KIND[k][1];
        if (sk_mamba_config_finish(&ck, "test")) abort();
        if (sk_mamba_lm_create(&m, &ck, sk_backend_cpu(), 1, 4, 0) || sk_mamba_lm_init(m, 1)) abort();
        char hk[200];
        snprintf(hk, sizeof hk, "%s/hf_kind%d", dir, k);
        int rc = sk_mamba_lm_export_hf(m, "m.safetensors", hk, NULL);
        SK_CHECK(rc == SK_EUNSUP && strstr(sk_errmsg(), sk_ssm_names[KIND[k][1]]) && strstr(sk_errmsg(), "m.safetensors"),
                 "kind %d refused naming the file and the SSM: %s", k, sk_errmsg());
        SK_CHECK(access(hk, F_OK) != 0, "kind %d: nothing written", k);
        sk_mamba_lm_free(m);
    }
}

/* 5. Token shards: validation over a shard's valid split (short examples padded with ignored
 * targets, a long one cut into windows) equals the count-weighted mean of each window's own
 * loss, computed one unpadded window at a time; and the trainer runs on the train split, its
 * validation (on an inference copy of the model) logging the training forward's bits/token. */
static void test_shard(void) {
    static const int LEN[] = {10, 60, 33, 7, 30, 13, 45}, SPLIT[] = {0, 0, 0, 1, 1, 1, 0};
    char path[160];
    snprintf(path, sizeof path, "%s/s.shard", dir);
    sk_shard_writer *w = NULL;
    sk_rng r;
    sk_rng_seed(&r, 4, 0);
    int rc = sk_shard_writer_open(&w, path, 1, "{\"vocab\": {\"size\": 40}, \"pad_token\": 0, \"pad_rule\": \"ignore\"}");
    uint8_t tok[7][60];
    for (int e = 0; e < 7 && !rc; e++) {
        for (int i = 0; i < LEN[e]; i++) tok[e][i] = (uint8_t)(1 + sk_rng_below(&r, 39));
        rc = sk_shard_writer_add(w, tok[e], LEN[e], -1, SPLIT[e]);
    }
    if (!rc) rc = sk_shard_writer_commit(w);
    SK_CHECK(rc == 0, "shard: %s", sk_errmsg());
    if (rc) return;
    const sk_mamba_config c = tiny();
    sk_mamba_lm *m = NULL;
    if (sk_mamba_lm_create(&m, &c, sk_backend_cpu(), 2, 24, SK_MODEL_GRADS) || sk_mamba_lm_init(m, 5)) abort();
    sk_model *tm = NULL; /* m behind the model interface; the test keeps owning m */
    if (sk_model_wrap_lm(&tm, m)) abort();
    sk_data_opts vo = {.length = 24, .batch = 2, .split = SK_SPLIT_VALID, .mode = SK_DATA_SEQUENTIAL};
    sk_data_opts to = {.length = 24, .batch = 2, .split = SK_SPLIT_TRAIN, .mode = SK_DATA_RANDOM, .seed = 1};
    sk_data *vd = NULL, *td = NULL;
    SK_CHECK(sk_data_open(&vd, path, SK_DATA_AUTO, &vo) == 0 && sk_data_open(&td, path, SK_DATA_AUTO, &to) == 0, "open: %s",
             sk_errmsg());
    int32_t in[48], tg[48];
    double bits = 0;
    int64_t n = 0;
    SK_CHECK(vd && sk_train_evaluate(tm, vd, 2, 24, 0, in, tg, &bits, &n, NULL) == 0, "evaluate: %s", sk_errmsg());
    /* windows (example, start, tokens): targets 6 + 24 + 5 + 12 = 47 */
    static const int WIN[][3] = {{3, 0, 7}, {4, 0, 25}, {4, 24, 6}, {5, 0, 13}};
    double nats = 0;
    int64_t count = 0;
    sk_mamba_lm *r1 = NULL;
    if (sk_mamba_lm_create(&r1, &c, sk_backend_cpu(), 1, 24, 0) || sk_mamba_lm_init(r1, 5)) abort();
    for (int k = 0; k < 4; k++) {
        int e = WIN[k][0], s0 = WIN[k][1], len = WIN[k][2] - 1;
        int32_t a[24], b[24];
        for (int i = 0; i < len; i++) a[i] = tok[e][s0 + i], b[i] = tok[e][s0 + i + 1];
        double loss = 0;
        SK_CHECK(sk_mamba_lm_forward(r1, a, b, 1, len, NULL, NULL, &loss) == 0, "ref fwd");
        nats += loss * len, count += len;
    }
    double want = nats / (double)count / log(2.0);
    SK_CHECK(n == 47 && count == 47, "targets %lld / %lld", (long long)n, (long long)count);
    SK_CHECK(fabs(bits - want) <= 1e-5 * want, "valid bits %.9g, per-window reference %.9g", bits, want);
    char out[160];
    snprintf(out, sizeof out, "%s/shard.safetensors", dir);
    sk_train_opts o = opts(out, 1);
    o.steps = 3, o.optim.eps = 1e-8;
    sk_trainer *t = NULL;
    rc = td ? sk_trainer_create(&t, tm, td, vd, 2, 24, &o, "{}") : -1;
    if (!rc) rc = sk_trainer_run(t);
    SK_CHECK(rc == 0 && sk_trainer_step(t) == 3 && isfinite(sk_trainer_best_valid(t)), "train on a shard: %s", sk_errmsg());
    /* the trainer validated once, after the last update, on its inference copy of the model: the
     * same bits/token as the training model's own forward over the split */
    double tbits = 0;
    SK_CHECK(sk_train_evaluate(tm, vd, 2, 24, 0, in, tg, &tbits, &n, NULL) == 0, "evaluate: %s", sk_errmsg());
    SK_CHECK(fabs(sk_trainer_best_valid(t) - tbits) <= 1e-6 * tbits, "logged valid bits %.12g, training forward %.12g",
             sk_trainer_best_valid(t), tbits);
    sk_trainer_free(t);
    sk_data_close(vd);
    sk_data_close(td);
    sk_mamba_lm_free(r1);
    sk_model_disown(tm);
    sk_mamba_lm_free(m);
}

/* 4. Presets: each parses as a Mamba config once its "train" section is set aside; the DNA
 * ladder has the published parameter counts of the Mamba DNA model ladder (2 x blocks layers at
 * each width). */
static void test_presets(void) {
    static const struct {
        const char *name;
        int64_t n_layer, d_model;
        double params; /* the published count */
    } ladder[] = {{"dna-250k", 8, 64, 250e3},    {"dna-700k", 10, 96, 700e3}, {"dna-1.4m", 12, 128, 1.4e6},
                  {"dna-3.5m", 14, 192, 3.5e6},  {"dna-7m", 16, 256, 7.0e6},  {"dna-19m", 20, 384, 19.3e6},
                  {"dna-40m", 24, 512, 40.7e6}};
    for (int i = 0; i < sk_n_presets; i++) {
        cJSON *j = cJSON_Parse(sk_presets[i].json);
        cJSON *train = cJSON_DetachItemFromObjectCaseSensitive(j, "train");
        sk_mamba_config c;
        SK_CHECK(train && cJSON_IsObject(train), "%s has a train section", sk_presets[i].name);
        SK_CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "description")), "%s has a description", sk_presets[i].name);
        if (sk_unet_config_is_unet(j)) { /* U-Net presets: parsed (and counted) by tests/models/test_unet */
            sk_unet_config u;
            SK_CHECK(sk_unet_config_from_json(j, sk_presets[i].name, &u) == 0, "%s: %s", sk_presets[i].name, sk_errmsg());
        } else {
            SK_CHECK(sk_mamba_config_from_json(j, sk_presets[i].name, &c) == 0, "%s: %s", sk_presets[i].name, sk_errmsg());
        }
        cJSON_Delete(train);
        cJSON_Delete(j);
    }
    for (size_t k = 0; k < sizeof ladder / sizeof *ladder; k++) {
        const sk_preset *p = sk_preset_find(ladder[k].name);
        SK_CHECK(p != NULL, "preset %s exists", ladder[k].name);
        if (!p) continue;
        cJSON *j = cJSON_Parse(p->json);
        cJSON_Delete(cJSON_DetachItemFromObjectCaseSensitive(j, "train"));
        sk_mamba_config c;
        sk_mamba_lm *m = NULL;
        if (sk_mamba_config_from_json(j, p->name, &c) == 0 && sk_mamba_lm_create(&m, &c, sk_backend_cpu(), 1, 1, 0) == 0) {
            double n = (double)sk_mamba_lm_numel(m);
            SK_CHECK(c.n_layer == ladder[k].n_layer && c.blk.d_model == ladder[k].d_model && c.vocab_size == 12,
                     "%s: n_layer %lld d_model %lld vocab %lld", p->name, (long long)c.n_layer, (long long)c.blk.d_model,
                     (long long)c.vocab_size);
            SK_CHECK(fabs(n / ladder[k].params - 1) < 0.06, "%s: %.0f parameters, published %.0f", p->name, n, ladder[k].params);
        } else SK_CHECK(0, "%s: %s", p->name, sk_errmsg());
        sk_mamba_lm_free(m);
        cJSON_Delete(j);
    }
    const sk_preset *b = sk_preset_find("byte-lm-small");
    SK_CHECK(b != NULL, "byte-lm-small exists");
}

int main(void) {
    if (trainer_data_make(dir, data_path, sizeof data_path)) return 1;
    test_update();
    test_export();
    test_presets();
    test_shard();
    trainer_data_remove(dir);
    return sk_test_finish("test_trainer");
}
