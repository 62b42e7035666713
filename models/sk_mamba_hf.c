/* sk_mamba_hf.c — a Mamba LM as a Hugging Face transformers folder (sk_mamba_hf.h). */
#include "models/sk_mamba_hf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "src/sk_io.h"
#include "src/sk_safetensors.h"

/* transformers MambaConfig fields (configuration_mamba.py) for an ssmkit config */
static char *hf_config_json(const sk_mamba_config *c) {
    cJSON *o = cJSON_CreateObject();
    cJSON *arch = cJSON_AddArrayToObject(o, "architectures");
    cJSON_AddItemToArray(arch, cJSON_CreateString("MambaForCausalLM"));
    cJSON_AddStringToObject(o, "model_type", "mamba");
    cJSON_AddNumberToObject(o, "vocab_size", (double)c->vocab_padded);
    cJSON_AddNumberToObject(o, "hidden_size", (double)c->blk.d_model);
    cJSON_AddNumberToObject(o, "num_hidden_layers", (double)c->n_layer);
    cJSON_AddNumberToObject(o, "state_size", (double)c->blk.d_state);
    cJSON_AddNumberToObject(o, "conv_kernel", (double)c->blk.d_conv);
    cJSON_AddNumberToObject(o, "expand", c->blk.expand);
    cJSON_AddNumberToObject(o, "intermediate_size", (double)c->blk.d_inner);
    cJSON_AddNumberToObject(o, "time_step_rank", (double)c->blk.dt_rank);
    cJSON_AddNumberToObject(o, "time_step_scale", c->blk.dt_scale);
    cJSON_AddNumberToObject(o, "time_step_min", c->blk.dt_min);
    cJSON_AddNumberToObject(o, "time_step_max", c->blk.dt_max);
    cJSON_AddNumberToObject(o, "time_step_floor", c->blk.dt_init_floor);
    cJSON_AddStringToObject(o, "time_step_init_scheme", "random");
    cJSON_AddNumberToObject(o, "layer_norm_epsilon", c->blk.norm_epsilon);
    cJSON_AddBoolToObject(o, "use_bias", 0);
    cJSON_AddBoolToObject(o, "use_conv_bias", 1);
    cJSON_AddStringToObject(o, "hidden_act", "silu");
    cJSON_AddBoolToObject(o, "residual_in_fp32", 1);
    cJSON_AddBoolToObject(o, "tie_word_embeddings", c->tie_embeddings);
    cJSON_AddStringToObject(o, "torch_dtype", "float32");
    char *s = cJSON_Print(o);
    cJSON_Delete(o);
    return s;
}

int sk_mamba_lm_export_hf(const sk_mamba_lm *m, const char *dir) {
    const sk_mamba_config *c = sk_mamba_lm_config(m);
    const sk_backend *be = sk_mamba_lm_backend(m);
    if (c->blk.expand != floor(c->blk.expand))
        return sk_error(SK_EUNSUP, "%s: expand = %g has no Hugging Face equivalent (transformers needs an integer)", dir,
                        c->blk.expand);
    int mk = sk_mkdir_p(dir);
    if (mk) return mk;
    int np = sk_mamba_lm_nparams(m);
    int64_t n = sk_mamba_lm_numel(m);
    float *host = malloc((size_t)(n ? n : 1) * sizeof(float));
    char *cfg = hf_config_json(c);
    size_t dl = strlen(dir) + 32;
    char *pc = malloc(dl), *pm = malloc(dl);
    sk_stw *w = NULL;
    int rc = !host || !cfg || !pc || !pm ? sk_error(SK_ENOMEM, "%s: out of memory", dir) : sk_stw_create(&w);
    int64_t off = 0;
    for (int i = 0; i < np && !rc; i++) {
        const sk_param *p = sk_mamba_lm_param(m, i);
        rc = be->download(host + off, p->w, (size_t)p->numel * sizeof(float));
        /* the one name transformers spells differently from mamba_ssm */
        const char *name = strcmp(p->name, "backbone.embedding.weight") ? p->name : "backbone.embeddings.weight";
        if (!rc) rc = sk_stw_add(w, name, SK_F32, p->ndim, p->shape, host + off);
        off += p->numel;
    }
    if (!rc) rc = sk_stw_meta(w, "format", "pt");
    if (!rc) {
        snprintf(pm, dl, "%s/model.safetensors", dir);
        snprintf(pc, dl, "%s/config.json", dir);
        rc = sk_stw_write(w, pm);
    }
    if (!rc) rc = sk_write_file_atomic(pc, cfg, strlen(cfg));
    sk_stw_free(w);
    free(host);
    free(cfg);
    free(pc);
    free(pm);
    return rc;
}
