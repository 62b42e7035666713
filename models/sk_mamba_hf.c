/* sk_mamba_hf.c — a Mamba LM as a Hugging Face transformers folder (sk_mamba_hf.h). */
#include "models/sk_mamba_hf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "src/sk_io.h"
#include "src/sk_safetensors.h"

int sk_mamba_hf_check(const sk_mamba_config *c, const char *what) {
    const sk_block_config *b = &c->blk;
    if (b->block != SK_BLOCK_MAMBA || b->ssm != SK_SSM_S6)
        return sk_error(SK_EUNSUP,
                        "%s: a Mamba LM of %s blocks with the \"%s\" SSM has no Hugging Face or mamba_ssm equivalent "
                        "(MambaForCausalLM holds Mamba blocks with the real selective S6 only: \"block\": \"mamba\", "
                        "\"ssm\": \"s6\"); only such a model can be exported; keep this one as the ssmkit checkpoint "
                        "(eval, generate, train --init and finetune --init read it)",
                        what, sk_block_names[b->block], sk_ssm_names[b->ssm]);
    if (b->expand != floor(b->expand))
        return sk_error(SK_EUNSUP, "%s: expand = %g has no Hugging Face equivalent (transformers needs an integer)", what,
                        b->expand);
    return SK_OK;
}

/* The token ssmkit pads with: "[PAD]" of the checkpoint's DNA tokenizer ("tokenizer" metadata:
 * {"vocab": [...]}), else 0 (byte files are padded with 0, src/sk_data.h). */
static int pad_token(const char *src) {
    sk_st *st = NULL;
    if (!src || sk_st_open(src, &st)) {
        sk_error_clear(); /* a folder: no ssmkit metadata */
        return 0;
    }
    const char *tj = sk_st_meta(st, "tokenizer");
    cJSON *t = tj ? cJSON_Parse(tj) : NULL;
    const cJSON *v = t ? cJSON_GetObjectItemCaseSensitive(t, "vocab") : NULL;
    int pad = 0, i = 0;
    for (const cJSON *it = cJSON_IsArray(v) ? v->child : NULL; it; it = it->next, i++)
        if (cJSON_IsString(it) && !strcmp(it->valuestring, "[PAD]")) {
            pad = i;
            break;
        }
    cJSON_Delete(t);
    sk_st_close(st);
    return pad;
}

/* config.json: every field of transformers' MambaConfig (models/README.md §Hugging Face export) */
static char *hf_config_json(const sk_mamba_config *c, int pad) {
    const sk_block_config *b = &c->blk;
    cJSON *o = cJSON_CreateObject();
    cJSON *arch = cJSON_AddArrayToObject(o, "architectures");
    cJSON_AddItemToArray(arch, cJSON_CreateString("MambaForCausalLM"));
    cJSON_AddStringToObject(o, "model_type", "mamba");
    cJSON_AddNumberToObject(o, "vocab_size", (double)c->vocab_padded);
    cJSON_AddNumberToObject(o, "hidden_size", (double)b->d_model);
    cJSON_AddNumberToObject(o, "state_size", (double)b->d_state);
    cJSON_AddNumberToObject(o, "num_hidden_layers", (double)c->n_layer);
    cJSON_AddNumberToObject(o, "layer_norm_epsilon", b->norm_epsilon);
    cJSON_AddNumberToObject(o, "pad_token_id", pad);
    cJSON_AddNullToObject(o, "bos_token_id");
    cJSON_AddNullToObject(o, "eos_token_id");
    cJSON_AddNumberToObject(o, "expand", b->expand);
    cJSON_AddNumberToObject(o, "conv_kernel", (double)b->d_conv);
    cJSON_AddBoolToObject(o, "use_bias", 0);
    cJSON_AddBoolToObject(o, "use_conv_bias", 1);
    cJSON_AddStringToObject(o, "hidden_act", "silu");
    cJSON_AddNumberToObject(o, "initializer_range", 0.02);      /* the embedding's N(0, 0.02) */
    cJSON_AddBoolToObject(o, "residual_in_fp32", 1);             /* everything is fp32 */
    cJSON_AddNumberToObject(o, "time_step_rank", (double)b->dt_rank);
    cJSON_AddNumberToObject(o, "time_step_scale", b->dt_scale);
    cJSON_AddNumberToObject(o, "time_step_min", b->dt_min);
    cJSON_AddNumberToObject(o, "time_step_max", b->dt_max);
    cJSON_AddStringToObject(o, "time_step_init_scheme", "random"); /* dt_proj.weight U(+-dt_scale/sqrt(R)) */
    cJSON_AddNumberToObject(o, "time_step_floor", b->dt_init_floor);
    cJSON_AddBoolToObject(o, "rescale_prenorm_residual", 1);     /* out_proj / sqrt(n_layer) */
    cJSON_AddBoolToObject(o, "use_cache", 1);
    cJSON_AddBoolToObject(o, "use_mambapy", 0);
    cJSON_AddNumberToObject(o, "intermediate_size", (double)b->d_inner);
    cJSON_AddBoolToObject(o, "tie_word_embeddings", c->tie_embeddings);
    cJSON_AddStringToObject(o, "torch_dtype", "float32");
    char *s = cJSON_Print(o);
    cJSON_Delete(o);
    return s;
}

int sk_mamba_lm_export_hf(const sk_mamba_lm *m, const char *src, const char *dir, sk_progress *pg) {
    const sk_mamba_config *c = sk_mamba_lm_config(m);
    const sk_backend *be = sk_mamba_lm_backend(m);
    TRY(sk_mamba_hf_check(c, src ? src : dir));
    int mk = sk_mkdir_p(dir);
    if (mk) return mk;
    int np = sk_mamba_lm_nparams(m);
    int64_t n = sk_mamba_lm_numel(m);
    float *host = malloc((size_t)(n ? n : 1) * sizeof(float));
    char *cfg = hf_config_json(c, pad_token(src));
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
        sk_stw_set_progress(w, pg);
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
