/* sk_mamba_config.c — the Mamba LM configuration (a block config plus the LM fields): ssmkit
 * JSON, mamba_ssm config.json and Hugging Face MambaConfig field names (models/README.md
 * §Configs). See sk_mamba_config.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "models/sk_mamba_config.h"
#include "src/sk_json.h"

void sk_mamba_config_defaults(sk_mamba_config *c) {
    memset(c, 0, sizeof *c);
    sk_block_config_defaults(&c->blk);
    c->pad_vocab_size_multiple = 8;
    c->tie_embeddings = 1;
}

/* dt_rank: "auto" or a positive integer */
static int get_dt_rank(const cJSON *o, const char *key, const char *what, sk_block_config *c) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v) return SK_OK;
    if (cJSON_IsString(v)) {
        if (strcmp(v->valuestring, "auto"))
            return sk_error(SK_EINVAL, "%s: %s: expected \"auto\" or an integer, got \"%s\"", what, key, v->valuestring);
        c->dt_rank_auto = 1;
        return SK_OK;
    }
    int64_t r = 0;
    int rc = sk_json_int(o, key, what, &r);
    if (rc) return rc;
    c->dt_rank = r, c->dt_rank_auto = 0;
    return SK_OK;
}

/* Reject keys outside `known` (NULL-terminated) so typos do not silently fall back to defaults. */
static int check_keys(const cJSON *o, const char *what, const char *const *known) {
    for (const cJSON *it = o ? o->child : NULL; it; it = it->next) {
        int ok = 0;
        for (const char *const *k = known; *k && !ok; k++) ok = !strcmp(*k, it->string);
        if (!ok) return sk_error(SK_EINVAL, "%s: unknown config field \"%s\"", what, it->string);
    }
    return SK_OK;
}

static int get_enum(const cJSON *o, const char *key, const char *what, const char *const *names, int *out) {
    const char *v = NULL;
    int rc = sk_json_str(o, key, what, &v);
    if (rc || !v) return rc;
    for (int i = 0; names[i]; i++)
        if (!strcmp(names[i], v)) return *out = i, SK_OK;
    char list[256] = "";
    for (int i = 0; names[i]; i++) snprintf(list + strlen(list), sizeof list - strlen(list), "%s\"%s\"", i ? ", " : "", names[i]);
    return sk_error(SK_EINVAL, "%s: %s \"%s\" is unknown (use one of %s)", what, key, v, list);
}

int sk_mamba_config_from_json(const cJSON *o, const char *what, sk_mamba_config *c) {
    /* "train": the training options of a preset (tools/cmd_train.c reads them; not the model's) */
    static const char *const known[] = {"description", "arch", "train", "d_model", "n_layer", "vocab_size",
                                        "pad_vocab_size_multiple", "d_state", "d_conv", "expand", "dt_rank",
                                        "dt_min", "dt_max", "dt_init_floor", "dt_scale", "norm_epsilon",
                                        "tie_embeddings", "ssm", "block", NULL};
    sk_mamba_config_defaults(c);
    if (!cJSON_IsObject(o)) return sk_error(SK_EINVAL, "%s: config is not a JSON object", what);
    int rc = check_keys(o, what, known);
    const char *arch = NULL;
    if (!rc) rc = sk_json_str(o, "arch", what, &arch);
    if (!rc && arch && strcmp(arch, "mamba-lm"))
        return sk_error(SK_EUNSUP, "%s: arch \"%s\" is not a Mamba LM (expected \"mamba-lm\")", what, arch);
    if (!rc) rc = sk_json_int(o, "d_model", what, &c->blk.d_model);
    if (!rc) rc = sk_json_int(o, "n_layer", what, &c->n_layer);
    if (!rc) rc = sk_json_int(o, "vocab_size", what, &c->vocab_size);
    if (!rc) rc = sk_json_int(o, "pad_vocab_size_multiple", what, &c->pad_vocab_size_multiple);
    if (!rc) rc = sk_json_int(o, "d_state", what, &c->blk.d_state);
    if (!rc) rc = sk_json_int(o, "d_conv", what, &c->blk.d_conv);
    if (!rc) rc = sk_json_num(o, "expand", what, &c->blk.expand);
    if (!rc) rc = get_dt_rank(o, "dt_rank", what, &c->blk);
    if (!rc) rc = sk_json_num(o, "dt_min", what, &c->blk.dt_min);
    if (!rc) rc = sk_json_num(o, "dt_max", what, &c->blk.dt_max);
    if (!rc) rc = sk_json_num(o, "dt_init_floor", what, &c->blk.dt_init_floor);
    if (!rc) rc = sk_json_num(o, "dt_scale", what, &c->blk.dt_scale);
    if (!rc) rc = sk_json_num(o, "norm_epsilon", what, &c->blk.norm_epsilon);
    if (!rc) rc = sk_json_bool(o, "tie_embeddings", what, &c->tie_embeddings);
    if (!rc) rc = get_enum(o, "ssm", what, sk_ssm_names, &c->blk.ssm);
    if (!rc) rc = get_enum(o, "block", what, sk_block_names, &c->blk.block);
    if (!rc) rc = sk_mamba_config_finish(c, what);
    return rc;
}

static int require_bool(const cJSON *o, const char *key, const char *what, int want, const char *why) {
    int v = want;
    int rc = sk_json_bool(o, key, what, &v);
    if (rc) return rc;
    if (v != want) return sk_error(SK_EUNSUP, "%s: %s = %s is not supported (%s)", what, key, v ? "true" : "false", why);
    return SK_OK;
}

int sk_mamba_config_from_mamba_ssm(const cJSON *o, const char *what, sk_mamba_config *c) {
    sk_mamba_config_defaults(c);
    if (!cJSON_IsObject(o)) return sk_error(SK_EINVAL, "%s: config is not a JSON object", what);
    int64_t d_inter = 0;
    int rc = sk_json_int(o, "d_model", what, &c->blk.d_model);
    if (!rc) rc = sk_json_int(o, "n_layer", what, &c->n_layer);
    if (!rc) rc = sk_json_int(o, "vocab_size", what, &c->vocab_size);
    if (!rc) rc = sk_json_int(o, "pad_vocab_size_multiple", what, &c->pad_vocab_size_multiple);
    if (!rc) rc = sk_json_bool(o, "tie_embeddings", what, &c->tie_embeddings);
    if (!rc) rc = sk_json_int(o, "d_intermediate", what, &d_inter);
    if (!rc && d_inter != 0) return sk_error(SK_EUNSUP, "%s: d_intermediate = %lld (MLP blocks) is not supported", what, (long long)d_inter);
    if (!rc) rc = require_bool(o, "rms_norm", what, 1, "only RMSNorm models");
    const cJSON *attn = cJSON_GetObjectItemCaseSensitive(o, "attn_layer_idx");
    if (!rc && cJSON_GetArraySize(attn) > 0) return sk_error(SK_EUNSUP, "%s: attention layers (attn_layer_idx) are not supported", what);
    const cJSON *ssm = cJSON_GetObjectItemCaseSensitive(o, "ssm_cfg");
    if (!rc && ssm) {
        char w2[512];
        snprintf(w2, sizeof w2, "%s: ssm_cfg", what);
        const char *layer = NULL;
        rc = sk_json_str(ssm, "layer", w2, &layer);
        if (!rc && layer && strcmp(layer, "Mamba1"))
            return sk_error(SK_EUNSUP, "%s: layer \"%s\" is not supported (only Mamba1)", w2, layer);
        if (!rc) rc = sk_json_int(ssm, "d_state", w2, &c->blk.d_state);
        if (!rc) rc = sk_json_int(ssm, "d_conv", w2, &c->blk.d_conv);
        if (!rc) rc = sk_json_num(ssm, "expand", w2, &c->blk.expand);
        if (!rc) rc = get_dt_rank(ssm, "dt_rank", w2, &c->blk);
        if (!rc) rc = sk_json_num(ssm, "dt_min", w2, &c->blk.dt_min);
        if (!rc) rc = sk_json_num(ssm, "dt_max", w2, &c->blk.dt_max);
        if (!rc) rc = sk_json_num(ssm, "dt_init_floor", w2, &c->blk.dt_init_floor);
        if (!rc) rc = sk_json_num(ssm, "dt_scale", w2, &c->blk.dt_scale);
        if (!rc) rc = require_bool(ssm, "conv_bias", w2, 1, "the conv1d bias is always on");
        if (!rc) rc = require_bool(ssm, "bias", w2, 0, "in_proj/out_proj biases are not implemented");
    }
    if (!rc) rc = sk_mamba_config_finish(c, what);
    return rc;
}

int sk_mamba_config_from_hf(const cJSON *o, const char *what, sk_mamba_config *c) {
    sk_mamba_config_defaults(c);
    if (!cJSON_IsObject(o)) return sk_error(SK_EINVAL, "%s: config is not a JSON object", what);
    c->pad_vocab_size_multiple = 1; /* transformers uses vocab_size as given */
    int rc = sk_json_int(o, "hidden_size", what, &c->blk.d_model);
    if (!rc) rc = sk_json_int(o, "num_hidden_layers", what, &c->n_layer);
    if (!rc) rc = sk_json_int(o, "vocab_size", what, &c->vocab_size);
    if (!rc) rc = sk_json_int(o, "state_size", what, &c->blk.d_state);
    if (!rc) rc = sk_json_int(o, "conv_kernel", what, &c->blk.d_conv);
    if (!rc) rc = sk_json_num(o, "expand", what, &c->blk.expand);
    if (!rc) rc = get_dt_rank(o, "time_step_rank", what, &c->blk);
    if (!rc) rc = sk_json_num(o, "time_step_min", what, &c->blk.dt_min);
    if (!rc) rc = sk_json_num(o, "time_step_max", what, &c->blk.dt_max);
    if (!rc) rc = sk_json_num(o, "time_step_floor", what, &c->blk.dt_init_floor);
    if (!rc) rc = sk_json_num(o, "time_step_scale", what, &c->blk.dt_scale);
    if (!rc) rc = sk_json_num(o, "layer_norm_epsilon", what, &c->blk.norm_epsilon);
    if (!rc) rc = sk_json_bool(o, "tie_word_embeddings", what, &c->tie_embeddings);
    if (!rc) rc = require_bool(o, "use_bias", what, 0, "in_proj/out_proj biases are not implemented");
    if (!rc) rc = require_bool(o, "use_conv_bias", what, 1, "the conv1d bias is always on");
    const char *act = NULL;
    if (!rc) rc = sk_json_str(o, "hidden_act", what, &act);
    if (!rc && act && strcmp(act, "silu")) return sk_error(SK_EUNSUP, "%s: hidden_act \"%s\" is not supported (only silu)", what, act);
    char w2[1200]; /* range errors name ssmkit's fields: say which transformers names they are */
    snprintf(w2, sizeof w2, "%s (read as: d_model = hidden_size, n_layer = num_hidden_layers, d_state = state_size, "
                            "d_conv = conv_kernel, dt_rank = time_step_rank)", what);
    if (!rc) rc = sk_mamba_config_finish(c, w2);
    return rc;
}

int sk_mamba_config_finish(sk_mamba_config *c, const char *what) {
    TRY(sk_config_int_range(what, "d_model", c->blk.d_model, 1, SK_CONFIG_MAX_WIDTH));
    TRY(sk_config_int_range(what, "n_layer", c->n_layer, 1, SK_CONFIG_MAX_LAYERS));
    TRY(sk_config_int_range(what, "vocab_size", c->vocab_size, 1, INT32_MAX));
    TRY(sk_config_int_range(what, "pad_vocab_size_multiple", c->pad_vocab_size_multiple, 1, SK_CONFIG_MAX_WIDTH));
    TRY(sk_block_config_finish(&c->blk, what));
    int64_t m = c->pad_vocab_size_multiple;
    c->vocab_padded = (c->vocab_size + m - 1) / m * m; /* as mamba_ssm's MambaLMHeadModel pads it */
    if (c->vocab_padded > INT32_MAX)
        return sk_error(SK_EINVAL, "%s: vocab_size %lld padded to a multiple of %lld is %lld, above 2^31 - 1", what,
                        (long long)c->vocab_size, (long long)m, (long long)c->vocab_padded);
    return SK_OK;
}

char *sk_mamba_config_to_json(const sk_mamba_config *c) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "arch", "mamba-lm");
    cJSON_AddNumberToObject(o, "d_model", (double)c->blk.d_model);
    cJSON_AddNumberToObject(o, "n_layer", (double)c->n_layer);
    cJSON_AddNumberToObject(o, "vocab_size", (double)c->vocab_size);
    cJSON_AddNumberToObject(o, "pad_vocab_size_multiple", (double)c->pad_vocab_size_multiple);
    cJSON_AddNumberToObject(o, "d_state", (double)c->blk.d_state);
    cJSON_AddNumberToObject(o, "d_conv", (double)c->blk.d_conv);
    cJSON_AddNumberToObject(o, "expand", c->blk.expand);
    if (c->blk.dt_rank_auto) cJSON_AddStringToObject(o, "dt_rank", "auto");
    else cJSON_AddNumberToObject(o, "dt_rank", (double)c->blk.dt_rank);
    cJSON_AddNumberToObject(o, "dt_min", c->blk.dt_min);
    cJSON_AddNumberToObject(o, "dt_max", c->blk.dt_max);
    cJSON_AddNumberToObject(o, "dt_init_floor", c->blk.dt_init_floor);
    cJSON_AddNumberToObject(o, "dt_scale", c->blk.dt_scale);
    cJSON_AddNumberToObject(o, "norm_epsilon", c->blk.norm_epsilon);
    cJSON_AddBoolToObject(o, "tie_embeddings", c->tie_embeddings);
    if (c->blk.ssm != SK_SSM_S6) cJSON_AddStringToObject(o, "ssm", sk_ssm_names[c->blk.ssm]);
    if (c->blk.block != SK_BLOCK_MAMBA) cJSON_AddStringToObject(o, "block", sk_block_names[c->blk.block]);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}
