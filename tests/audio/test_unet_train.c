/* test_unet_train.c — training the U-Net on an audio shard.
 *   bos: sk_data on a shard with "bos_token" 128 gives exactly sk_audio_ar_pair's pairs (one
 *     window per example when L >= its length; chained windows when L is shorter, whose
 *     target positions concatenate to the pair's), and counts every sample as a target.
 *   train: a tiny U-Net (pools [2, 2]) trains 3 updates on the train split; the validation
 *     bits/sample the trainer reports equal a float64 cross-entropy computed here from the saved
 *     checkpoint's logits on sk_audio_ar_pair inputs, one example at a time (1e-5 relative).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "audio/sk_audio.h"
#include "models/sk_model.h"
#include "models/sk_trainer.h"
#include "models/sk_unet.h"
#include "src/sk_data.h"
#include "src/sk_rng.h"
#include "src/sk_shard.h"
#include "tests/sk_test.h"

static char dir[] = "/tmp/sk_test_unet_train_XXXXXX";
static char shard_path[200];
/* examples: lengths and splits (0 train, 1 valid) */
static const int64_t ex_len[] = {64, 40, 64, 23, 64, 50, 64, 31, 1};
static const int ex_split[] = {0, 0, 0, 0, 1, 1, 1, 1, 1};
enum { NEX = (int)(sizeof ex_len / sizeof *ex_len), L = 64 };

static int write_shard(void) {
    const char *meta = "{\"vocab\":{\"size\":256},\"pad_token\":128,\"pad_rule\":\"ignore\",\"bos_token\":128,\"domain\":\"audio\"}";
    sk_shard_writer *w;
    if (sk_shard_writer_open(&w, shard_path, 1, meta)) return -1;
    sk_rng r;
    sk_rng_seed(&r, 5, 0);
    for (int e = 0; e < NEX; e++) {
        uint8_t t[64];
        /* a noisy periodic signal around 128 so that a few steps can learn something */
        for (int64_t i = 0; i < ex_len[e]; i++)
            t[i] = (uint8_t)(128 + 40 * sin(0.3 * (double)i + e) + (double)sk_rng_below(&r, 9) - 4);
        if (sk_shard_writer_add(w, t, ex_len[e], 0, ex_split[e])) {
            sk_shard_writer_abort(w);
            return -1;
        }
    }
    return sk_shard_writer_commit(w);
}

/* sk_data (valid split, sequential, window Lw) against sk_audio_ar_pair of every valid example */
static void test_bos(int64_t Lw) {
    sk_data_opts o = {.length = Lw, .batch = 1, .split = SK_SPLIT_VALID, .mode = SK_DATA_SEQUENTIAL};
    sk_data *d = NULL;
    sk_shard *s = NULL;
    SK_CHECK(sk_data_open(&d, shard_path, SK_DATA_AUTO, &o) == 0, "open: %s", sk_errmsg());
    SK_CHECK(sk_shard_open(shard_path, &s) == 0, "shard: %s", sk_errmsg());
    if (!d || !s) goto out;
    SK_CHECK(sk_data_bos(d) == 128, "bos %d", (int)sk_data_bos(d));
    int64_t want = 0;
    for (int e = 0; e < NEX; e++) want += ex_split[e] == 1 ? ex_len[e] : 0;
    SK_CHECK(sk_data_targets(d) == want, "targets %lld, valid samples %lld", (long long)sk_data_targets(d), (long long)want);
    int32_t *in = malloc(sizeof(int32_t) * (size_t)Lw), *tg = malloc(sizeof(int32_t) * (size_t)Lw);
    int32_t x[L], y[L];
    for (int e = 0; e < NEX; e++) {
        if (ex_split[e] != 1) continue;
        int64_t len = sk_audio_ar_pair(s, e, L, x, y), pos = 0;
        SK_CHECK(len == ex_len[e], "ar_pair %d: %lld", e, (long long)len);
        while (pos < len) {   /* the windows of this example */
            int rows = 0;
            int rc = sk_data_next(d, in, tg, &rows);
            SK_CHECK(rc == 0 && rows == 1, "L %lld example %d: next rc %d", (long long)Lw, e, rc);
            if (rc) goto done;
            for (int64_t t = 0; t < Lw; t++) {
                if (pos + t < len) {
                    SK_CHECK(in[t] == x[pos + t] && tg[t] == y[pos + t], "L %lld example %d t %lld: (%d, %d) != ar_pair (%d, %d)",
                             (long long)Lw, e, (long long)(pos + t), in[t], tg[t], x[pos + t], y[pos + t]);
                } else {
                    /* padding: no target (the input there may be the example's last sample, which
                     * a causal model reads only for positions past the end) */
                    SK_CHECK(tg[t] == SK_DATA_IGNORE, "L %lld example %d: padding", (long long)Lw, e);
                }
            }
            pos += Lw;
        }
    }
    int rows;
    SK_CHECK(sk_data_next(d, in, tg, &rows) == SK_EOF, "L %lld: no window left", (long long)Lw);
done:
    free(in);
    free(tg);
out:
    sk_shard_close(s);
    sk_data_close(d);
}

static const char *tiny_cfg =
    "{\"arch\":\"unet\",\"d_model\":8,\"n_layer\":1,\"pool\":[2,2],\"pool_expand\":2,\"vocab_size\":256,"
    "\"outer\":{\"block\":\"mamba\",\"ssm\":\"s6\",\"d_state\":4,\"d_conv\":4,\"expand\":2},"
    "\"center\":{\"block\":\"mamba\",\"ssm\":\"s4d-lin\",\"d_state\":4,\"d_conv\":4,\"expand\":2}}";

/* float64 bits/sample of checkpoint `ckpt` over the valid examples, from sk_audio_ar_pair */
static double reference_bits(const char *ckpt, int64_t *count) {
    sk_unet *m = NULL;
    sk_shard *s = NULL;
    double nats = 0;
    *count = 0;
    SK_CHECK(sk_unet_load(&m, ckpt, sk_backend_cpu(), 1, L, 0) == 0, "load %s: %s", ckpt, sk_errmsg());
    SK_CHECK(sk_shard_open(shard_path, &s) == 0, "shard: %s", sk_errmsg());
    if (!m || !s) goto out;
    float *lg = malloc(sizeof(float) * L * 256);
    for (int e = 0; e < NEX; e++) {
        if (ex_split[e] != 1) continue;
        int32_t x[L], y[L];
        int64_t len = sk_audio_ar_pair(s, e, L, x, y);
        double loss;
        SK_CHECK(sk_unet_forward(m, x, y, 1, L, &loss) == 0 && sk_unet_logits(m, lg) == 0, "forward: %s", sk_errmsg());
        for (int64_t t = 0; t < len; t++) {   /* -log softmax(logits_t)[y_t] */
            const float *z = lg + t * 256;
            double mx = z[0], se = 0;
            for (int v = 1; v < 256; v++) mx = z[v] > mx ? z[v] : mx;
            for (int v = 0; v < 256; v++) se += exp((double)z[v] - mx);
            nats += mx + log(se) - z[y[t]];
            (*count)++;
        }
    }
    free(lg);
out:
    sk_shard_close(s);
    sk_unet_free(m);
    return nats / (double)*count / log(2.0);
}

static void test_train(void) {
    cJSON *j = cJSON_Parse(tiny_cfg);
    sk_unet_config c;
    SK_CHECK(sk_unet_config_from_json(j, "tiny", &c) == 0, "config: %s", sk_errmsg());
    cJSON_Delete(j);
    const int64_t b = 2;
    sk_unet *m = NULL;
    SK_CHECK(sk_unet_create(&m, &c, sk_backend_cpu(), b, L, SK_MODEL_GRADS) == 0 && sk_unet_init(m, 7) == 0, "create: %s",
             sk_errmsg());
    sk_data_opts to = {.length = L, .batch = (int)b, .split = SK_SPLIT_TRAIN, .mode = SK_DATA_RANDOM, .seed = 3};
    sk_data_opts vo = to;
    vo.split = SK_SPLIT_VALID, vo.mode = SK_DATA_SEQUENTIAL;
    sk_data *td = NULL, *vd = NULL;
    SK_CHECK(sk_data_open(&td, shard_path, SK_DATA_AUTO, &to) == 0 && sk_data_open(&vd, shard_path, SK_DATA_AUTO, &vo) == 0,
             "data: %s", sk_errmsg());
    char out[240];
    snprintf(out, sizeof out, "%s/u.safetensors", dir);
    sk_train_opts o = {.steps = 3, .accum = 1, .log_every = 1, .out = out, .quiet = 1};
    o.sched = (sk_sched){SK_SCHED_COSINE, 2e-3, 0, 1, 3};
    o.optim = (sk_optim_hparams){0.9, 0.95, 1e-8, 0.1, 0.1};
    sk_model *tm = NULL; /* m behind the model interface; the test keeps owning m */
    sk_trainer *t = NULL;
    if (m && td && vd) {
        int rc = sk_model_wrap_unet(&tm, m);
        if (rc) m = NULL; /* freed by the failed wrap */
        if (!rc) rc = sk_trainer_create(&t, tm, td, vd, b, L, &o, "{\"test\":1}");
        if (!rc) rc = sk_trainer_run(t);
        SK_CHECK(rc == 0, "trainer: %s", sk_errmsg());
    }
    if (t) {
        double got = sk_trainer_best_valid(t);
        int64_t n = 0;
        double ref = reference_bits(out, &n);
        SK_CHECK(n == 64 + 50 + 64 + 31 + 1, "valid targets %lld", (long long)n);
        SK_CHECK(fabs(got - ref) <= 1e-5 * ref, "valid bits/sample: trainer %.8f, reference from the checkpoint %.8f", got, ref);
        printf("valid bits/sample after 3 updates: trainer %.8f, reference %.8f (%lld samples)\n", got, ref, (long long)n);
    }
    sk_trainer_free(t);
    sk_model_disown(tm);
    sk_data_close(td);
    sk_data_close(vd);
    sk_unet_free(m);
}

int main(void) {
    if (!mkdtemp(dir)) return 1;
    snprintf(shard_path, sizeof shard_path, "%s/a.shard", dir);
    SK_CHECK(write_shard() == 0, "write shard: %s", sk_errmsg());
    test_bos(L);
    test_bos(16);
    test_bos(24);
    test_train();
    char cmd[260];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) fprintf(stderr, "could not remove %s\n", dir);
    return sk_test_finish("test_unet_train");
}
