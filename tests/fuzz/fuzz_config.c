/* fuzz_config.c — libFuzzer harness for the config loaders (src/sk_json.c and the config parsers of
 * models/). The input is a JSON text, read every way the program reads a config:
 *   - as a --config file: sk_model_config_load (the "train" section detached, then the LM or U-Net
 *     config by its "arch");
 *   - as a checkpoint's __metadata__["config"]: the input becomes the config string of a
 *     safetensors file, read by sk_model_config_read (LM, U-Net, a classifier's backbone), the
 *     kind checks of sk_model_expect and, for a classifier whose backbone is small,
 *     sk_classifier_load (its classes, pool and pad_token; the file has no tensors, so it must
 *     fail once the config is read);
 *   - as the config.json of a mamba_ssm or Hugging Face folder (sk_json_load, then the two
 *     field-name parsers).
 * Accepted configs are written back to JSON and must parse again to the same JSON. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "kernels/sk_backend.h"
#include "models/model_impl.h"   /* the kind's own config inside sk_model_config */
#include "models/sk_classifier.h"
#include "models/sk_mamba_config.h"
#include "models/sk_model.h"
#include "models/sk_unet.h"
#include "src/sk_json.h"
#include "fuzz_common.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    sk_log_set_level(SK_LOG_ERROR);
    return 0;
}

/* An accepted config, written back as JSON, must read back to the same JSON. */
static void round_trip(const sk_model_config *c) {
    char *a = NULL, *b = NULL;
    sk_model_config *again = NULL;
    if (sk_model_config_lm(c)) a = sk_mamba_config_to_json(sk_model_config_lm(c));
    else if (sk_model_config_unet(c)) a = sk_unet_config_to_json(sk_model_config_unet(c));
    if (!a) return;
    cJSON *j = NULL;
    if (sk_json_parse(a, (int64_t)strlen(a), "round trip", &j) || sk_model_config_parse(j, "round trip", &again)) {
        fprintf(stderr, "fuzz: an accepted config does not read back: %s\n%s\n", sk_errmsg(), a);
        abort();
    }
    if (sk_model_config_lm(again)) b = sk_mamba_config_to_json(sk_model_config_lm(again));
    else if (sk_model_config_unet(again)) b = sk_unet_config_to_json(sk_model_config_unet(again));
    if (!b || strcmp(a, b)) {
        fprintf(stderr, "fuzz: config changes on a round trip:\n%s\n%s\n", a, b ? b : "(none)");
        abort();
    }
    free(a), free(b);
    cJSON_Delete(j);
    sk_model_config_free(again);
}

/* A safetensors file with no tensors and __metadata__ {"config": text}. */
static const char *checkpoint_with(const char *text) {
    cJSON *h = cJSON_CreateObject(), *m = cJSON_AddObjectToObject(h, "__metadata__");
    if (!m || !cJSON_AddStringToObject(m, "config", text)) abort();
    char *s = cJSON_PrintUnformatted(h);
    if (!s) abort();
    size_t n = strlen(s);
    uint8_t *buf = malloc(8 + n);
    if (!buf) abort();
    for (int i = 0; i < 8; i++) buf[i] = (uint8_t)((uint64_t)n >> (8 * i));
    memcpy(buf + 8, s, n);
    const char *path = fuzz_file(1, buf, 8 + n);
    free(buf), free(s);
    cJSON_Delete(h);
    return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* --config FILE */
    const char *path = fuzz_file(0, data, size);
    char what[256];
    sk_model_config *c = NULL;
    cJSON *train = NULL;
    int rc = sk_model_config_load(NULL, path, NULL, &c, &train, what, sizeof what);
    fuzz_check_error(rc, path);
    if (!rc) {
        (void)sk_model_config_vocab(c), (void)sk_model_config_length_multiple(c);
        round_trip(c);
        sk_model_config_free(c);
        cJSON_Delete(train);
    }

    /* config.json of a mamba_ssm / Hugging Face folder */
    cJSON *j = NULL;
    rc = sk_json_load(path, &j);
    fuzz_check_error(rc, path);
    if (!rc) {
        sk_mamba_config lm;
        fuzz_check_error(sk_mamba_config_from_hf(j, path, &lm), path);
        fuzz_check_error(sk_mamba_config_from_mamba_ssm(j, path, &lm), path);
        cJSON_Delete(j);
    }

    /* __metadata__["config"] of a checkpoint (a C string: the text up to a NUL) */
    char *text = malloc(size + 1);
    if (!text) abort();
    memcpy(text, data, size);
    text[size] = 0;
    const char *ck = checkpoint_with(text);
    free(text);
    rc = sk_model_config_read(ck, 0, &c);
    fuzz_check_error(rc, ck);
    if (!rc) {
        const sk_mamba_config *b = sk_model_config_kind(c) == SK_MODEL_CLASSIFIER ? &c->lm : NULL;
        if (b && b->blk.d_model <= 64 && b->n_layer <= 4 && b->blk.d_state <= 64 && b->blk.d_conv <= 16 &&
            b->blk.d_inner <= 256 && b->blk.dt_rank <= 64 && b->vocab_padded <= 4096) {
            sk_classifier *clf = NULL;
            rc = sk_classifier_load(&clf, ck, sk_backend_cpu(), 1, 1, 0);
            if (!rc) abort();   /* a checkpoint without tensors cannot load */
            fuzz_check_error(rc, ck);
        }
        sk_model_config_free(c);
    }
    static const int kinds[] = {SK_MODEL_LM_ONLY, SK_MODEL_NEED_BACKBONE, SK_MODEL_CLF_ONLY, SK_MODEL_UNET_ONLY};
    for (int k = 0; k < 4; k++) fuzz_check_error(sk_model_expect(ck, kinds[k]), ck);
    return 0;
}
