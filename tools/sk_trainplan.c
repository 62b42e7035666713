/* sk_trainplan.c — sk_trainplan.h over models/sk_model.h. */
#include "tools/sk_trainplan.h"

#include <stdlib.h>

/* The sk_model_config of an sk_any_config (malloc'd through the models' parser of the JSON). */
static int model_config(const sk_any_config *a, sk_model_config **out) {
    char *js = a->unet ? sk_unet_config_to_json(&a->u) : sk_mamba_config_to_json(&a->lm);
    cJSON *o = js ? cJSON_Parse(js) : NULL;
    int rc = o ? sk_model_config_parse(o, "config", out) : sk_error(SK_ENOMEM, "out of memory");
    cJSON_Delete(o);
    free(js);
    return rc;
}

int sk_plan_chunk(const sk_any_config *cfg, const sk_backend *be, int64_t b, int64_t L, const char *spec,
                  int64_t *chunk, char *why, size_t why_len) {
    sk_model_config *mc = NULL;
    int rc = model_config(cfg, &mc);
    if (!rc) rc = sk_model_plan_chunk(mc, be, b, L, spec, chunk, why, why_len);
    sk_model_config_free(mc);
    return rc;
}

int sk_plan_create(const sk_any_config *cfg, const sk_backend *be, int64_t b, int64_t L, int64_t chunk,
                   sk_mamba_lm **lm, sk_unet **unet) {
    sk_model_config *mc = NULL;
    sk_model *m = NULL;
    *lm = NULL, *unet = NULL;
    int rc = model_config(cfg, &mc);
    if (!rc) rc = sk_model_plan_create(mc, be, b, L, chunk, &m);
    sk_model_config_free(mc);
    if (rc) return rc;
    *lm = sk_model_backbone(m); /* the LM itself, or NULL for a U-Net */
    if (!*lm) *unet = sk_model_self(m);
    sk_model_disown(m);
    return SK_OK;
}

int sk_plan_report(FILE *out, const sk_any_config *cfg, const char *what, const sk_backend *be, int64_t b, int64_t L,
                   int64_t chunk, const char *const *data, int nsources, int threads, int64_t *peak) {
    sk_model_config *mc = NULL;
    int rc = model_config(cfg, &mc);
    if (!rc) rc = sk_model_plan_report(out, mc, what, be, b, L, chunk, data, nsources, threads, peak);
    sk_model_config_free(mc);
    return rc;
}
