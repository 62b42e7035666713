/* sk_mamba_io.c — Mamba LM checkpoints: ssmkit safetensors files (config in
 * __metadata__["config"]), mamba_ssm folders and Hugging Face transformers folders
 * (models/README.md §Checkpoint names). See sk_mamba.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "models/mamba_lm_impl.h"
#include "src/sk_json.h"
#include "src/sk_safetensors.h"

/* ---- saving ---- */

/* Host copies of all parameters (or gradients) in table order, written as one safetensors file. */
static int save_tensors(const sk_mamba_lm *m, const char *path, int grads) {
    if (grads && !(m->flags & SK_MODEL_GRADS)) return sk_error(SK_EINVAL, "%s: the model has no gradients", path);
    char *cfg = sk_mamba_config_to_json(&m->cfg);
    int rc = sk_params_save(m->be, m->params, m->np, sk_mamba_lm_numel(m), cfg, path, grads);
    free(cfg);
    return rc;
}

int sk_mamba_lm_save(const sk_mamba_lm *m, const char *path) { return save_tensors(m, path, 0); }
int sk_mamba_lm_save_grads(const sk_mamba_lm *m, const char *path) { return save_tensors(m, path, 1); }

/* ---- locating a model ---- */

typedef struct msrc {
    char what[1024];  /* for messages: the file or the folder */
    sk_mamba_config cfg;
    sk_st *files[64]; /* one file, or the shards of model.safetensors.index.json */
    int nfiles;
} msrc;

static void msrc_close(msrc *s) {
    for (int i = 0; i < s->nfiles; i++) sk_st_close(s->files[i]);
    s->nfiles = 0;
}

static int is_dir(const char *p) {
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}
static int exists(const char *p) {
    struct stat sb;
    return stat(p, &sb) == 0;
}

static int open_file(msrc *s, const char *path) {
    if (s->nfiles >= (int)(sizeof s->files / sizeof *s->files))
        return sk_error(SK_EUNSUP, "%s: more than %d shards", s->what, (int)(sizeof s->files / sizeof *s->files));
    TRY(sk_st_open(path, &s->files[s->nfiles]));
    s->nfiles++;
    return SK_OK;
}

/* The shard files named by model.safetensors.index.json ("weight_map": {tensor: file}). */
static int open_index(msrc *s, const char *dir, const char *index) {
    cJSON *j;
    TRY(sk_json_load(index, &j));
    const cJSON *map = cJSON_GetObjectItemCaseSensitive(j, "weight_map");
    int rc = cJSON_IsObject(map) ? SK_OK : sk_error(SK_EFORMAT, "%s: no \"weight_map\" object", index);
    char seen[64][256];
    int nseen = 0;
    for (const cJSON *it = map ? map->child : NULL; it && !rc; it = it->next) {
        if (!cJSON_IsString(it) || strchr(it->valuestring, '/') || strlen(it->valuestring) >= 256) {
            rc = sk_error(SK_EFORMAT, "%s: weight_map[\"%s\"] is not a file name in the folder", index, it->string);
            break;
        }
        int dup = 0;
        for (int k = 0; k < nseen && !dup; k++) dup = !strcmp(seen[k], it->valuestring);
        if (dup) continue;
        if (nseen == 64) {
            rc = sk_error(SK_EUNSUP, "%s: more than 64 shard files", index);
            break;
        }
        snprintf(seen[nseen++], 256, "%s", it->valuestring);
        char p[2048];
        snprintf(p, sizeof p, "%s/%s", dir, it->valuestring);
        rc = open_file(s, p);
    }
    cJSON_Delete(j);
    return rc;
}

static int open_source(msrc *s, const char *path) {
    memset(s, 0, sizeof *s);
    snprintf(s->what, sizeof s->what, "%s", path);
    if (!is_dir(path)) {
        /* an ssmkit checkpoint: the config is in the file */
        TRY(open_file(s, path));
        const char *cfg = sk_st_meta(s->files[0], "config");
        if (!cfg) {
            msrc_close(s);
            return sk_error(SK_EFORMAT, "%s: no __metadata__[\"config\"], so not an ssmkit checkpoint (for mamba_ssm or "
                                        "Hugging Face weights pass the folder that holds config.json)", path);
        }
        cJSON *j = NULL;
        char what[1100];
        snprintf(what, sizeof what, "%s: __metadata__.config", path);
        int rc = sk_json_parse(cfg, (int64_t)strlen(cfg), what, &j);
        if (!rc) rc = sk_mamba_config_from_json(j, what, &s->cfg);
        cJSON_Delete(j);
        if (rc) msrc_close(s);
        return rc;
    }
    char cfgp[2048], st[2048], idx[2048], bin[2048];
    snprintf(cfgp, sizeof cfgp, "%s/config.json", path);
    snprintf(st, sizeof st, "%s/model.safetensors", path);
    snprintf(idx, sizeof idx, "%s/model.safetensors.index.json", path);
    snprintf(bin, sizeof bin, "%s/pytorch_model.bin", path);
    if (!exists(cfgp)) return sk_error(SK_EINVAL, "%s: a folder without config.json is not a model", path);
    cJSON *j;
    TRY(sk_json_load(cfgp, &j));
    /* Hugging Face transformers names (hidden_size, num_hidden_layers, ...) or mamba_ssm's */
    int hf = cJSON_GetObjectItemCaseSensitive(j, "hidden_size") || cJSON_GetObjectItemCaseSensitive(j, "num_hidden_layers");
    int rc = hf ? sk_mamba_config_from_hf(j, cfgp, &s->cfg) : sk_mamba_config_from_mamba_ssm(j, cfgp, &s->cfg);
    cJSON_Delete(j);
    if (rc) return rc;
    if (exists(st)) rc = open_file(s, st);
    else if (exists(idx)) rc = open_index(s, path, idx);
    else if (exists(bin))
        rc = sk_error(SK_EUNSUP, "%s: pytorch_model.bin is a PyTorch pickle, which ssmkit does not read; convert it to "
                                 "safetensors (e.g. python3 -c \"import torch; from safetensors.torch import save_file; "
                                 "sd = torch.load('pytorch_model.bin', map_location='cpu'); save_file({k: v.contiguous() "
                                 "for k, v in sd.items() if k != 'lm_head.weight'}, 'model.safetensors')\" in that folder)",
                      bin);
    else rc = sk_error(SK_EINVAL, "%s: no model.safetensors or model.safetensors.index.json", path);
    if (rc) msrc_close(s);
    return rc;
}

/* Find `name` (or its alias) in the source's files. */
static int find_tensor(const msrc *s, const char *name, const sk_st **file, const sk_st_tensor **t) {
    const char *alias = !strcmp(name, "backbone.embedding.weight") ? "backbone.embeddings.weight" : NULL;
    for (int pass = 0; pass < 2; pass++) {
        const char *nm = pass ? alias : name;
        if (!nm) break;
        for (int i = 0; i < s->nfiles; i++)
            if ((*t = sk_st_find(s->files[i], nm))) {
                *file = s->files[i];
                return SK_OK;
            }
    }
    return sk_error(SK_EFORMAT, "%s: tensor %s is missing%s", s->what, name,
                    alias ? " (also looked for backbone.embeddings.weight)" : "");
}

static void shape_str(int ndim, const int64_t *shape, char *buf, size_t n) {
    size_t k = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < ndim && k < n; i++) k += (size_t)snprintf(buf + k, n - k, "%s%lld", i ? ", " : "", (long long)shape[i]);
    if (k < n) snprintf(buf + k, n - k, "]");
}

/* Every parameter of m's table is in the source with the table's shape (m may be a plan: nothing
 * is read). */
static int check_params(const sk_mamba_lm *m, const msrc *s) {
    const sk_mamba_config *c = &m->cfg;
    for (int i = 0; i < m->np; i++) {
        const sk_param *p = &m->params[i];
        const sk_st *f;
        const sk_st_tensor *t;
        TRY(find_tensor(s, p->name, &f, &t));
        int same = t->ndim == p->ndim;
        for (int k = 0; same && k < p->ndim; k++) same = t->shape[k] == p->shape[k];
        if (!same) {
            char got[128], want[128];
            shape_str(t->ndim, t->shape, got, sizeof got);
            shape_str(p->ndim, p->shape, want, sizeof want);
            return sk_error(SK_EFORMAT, "%s: tensor %s has shape %s but the config (d_model %lld, n_layer %lld, vocab %lld, "
                                        "d_state %lld, d_conv %lld, d_inner %lld, dt_rank %lld) expects %s",
                            sk_st_path(f), t->name, got, (long long)c->blk.d_model, (long long)c->n_layer,
                            (long long)c->vocab_padded, (long long)c->blk.d_state, (long long)c->blk.d_conv,
                            (long long)c->blk.d_inner, (long long)c->blk.dt_rank, want);
        }
    }
    return SK_OK;
}

/* Read every parameter (shapes checked by check_params) into the model. */
static int load_params(sk_mamba_lm *m, const msrc *s) {
    int64_t maxn = 1;
    int big = 0;
    for (int i = 0; i < m->np; i++)
        if (m->params[i].numel > maxn) maxn = m->params[i].numel, big = i;
    float *host = malloc((size_t)maxn * sizeof(float));
    if (!host)
        return sk_error(SK_ENOMEM, "%s: out of memory for a host copy of tensor %s (%.1f MiB)", s->what,
                        m->params[big].name, (double)maxn * 4 / 1048576.0);
    int rc = 0;
    for (int i = 0; i < m->np && !rc; i++) {
        const sk_param *p = &m->params[i];
        const sk_st *f;
        const sk_st_tensor *t;
        rc = find_tensor(s, p->name, &f, &t);
        if (!rc) rc = sk_st_read_f32(f, t->name, host, p->numel);
        if (!rc) rc = m->be->upload(p->w, host, (size_t)p->numel * sizeof(float));
    }
    free(host);
    if (rc) return rc;
    /* tensors the model does not use (a tied lm_head.weight is expected and skipped) */
    int64_t unused = 0;
    const char *first = NULL;
    for (int i = 0; i < s->nfiles; i++)
        for (int64_t k = 0; k < sk_st_count(s->files[i]); k++) {
            const char *nm = sk_st_at(s->files[i], k)->name;
            int used = !strcmp(nm, "lm_head.weight") || !strcmp(nm, "backbone.embeddings.weight");
            for (int j = 0; j < m->np && !used; j++) used = !strcmp(nm, m->params[j].name);
            if (!used) unused++, first = first ? first : nm;
        }
    if (unused) sk_log_warn("%s: ignoring %lld tensors the model does not use (first: %s)", s->what, (long long)unused, first);
    return SK_OK;
}

int sk_mamba_load_config(const char *path, sk_mamba_config *c) {
    msrc s;
    TRY(open_source(&s, path));
    *c = s.cfg;
    msrc_close(&s);
    return SK_OK;
}

int sk_mamba_lm_load(sk_mamba_lm **out, const char *path, const sk_backend *be, int64_t max_batch, int64_t max_len,
                     int flags) {
    *out = NULL;
    msrc s;
    TRY(open_source(&s, path));
    /* the tensors' shapes against the config before anything is allocated: a plan of the model
     * (its parameter table, no memory) first */
    sk_mamba_lm *m = NULL;
    int rc = sk_mamba_lm_create(&m, &s.cfg, be, max_batch, max_len, flags | SK_MODEL_PLAN);
    if (rc) sk_error_wrap(rc, "%s: ", path);
    if (!rc) rc = check_params(m, &s);
    if (!rc && !(flags & SK_MODEL_PLAN)) {
        sk_mamba_lm_free(m), m = NULL;
        rc = sk_mamba_lm_create(&m, &s.cfg, be, max_batch, max_len, flags);
        if (rc) sk_error_wrap(rc, "%s: ", path);
        if (!rc) rc = load_params(m, &s);
    }
    if (rc) sk_mamba_lm_free(m);
    else *out = m;
    msrc_close(&s);
    return rc;
}
