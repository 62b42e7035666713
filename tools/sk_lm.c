/* sk_lm.c — see sk_lm.h. */
#include "tools/sk_lm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "models/sk_presets.h"
#include "src/sk_json.h"
#ifdef SSMKIT_HAVE_OPENMP
#include <omp.h>
#endif
#ifdef SSMKIT_HAVE_BLAS
void openblas_set_num_threads(int n); /* OpenBLAS (cblas.h is not on the tools' include path) */
#endif

/* The JSON of a preset or file, its "train" section detached into *train. */
static int load_json(const char *preset, const char *config_path, const char *fallback, cJSON **out, cJSON **train,
                     char *what, size_t what_len) {
    *train = NULL;
    *out = NULL;
    cJSON *j = NULL;
    if (preset && config_path) return sk_error(SK_EINVAL, "give --preset or --config, not both");
    if (!preset && !config_path) preset = fallback;
    if (config_path) {
        snprintf(what, what_len, "%s", config_path);
        int rc = sk_json_load(config_path, &j);
        if (rc) return rc;
    } else {
        snprintf(what, what_len, "preset %s", preset);
        const sk_preset *p = sk_preset_find(preset);
        if (!p) return sk_error(SK_EINVAL, "no preset named '%s' (run 'ssmkit presets' for the list)", preset);
        int rc = sk_json_parse(p->json, (int64_t)strlen(p->json), what, &j);
        if (rc) return rc;
    }
    cJSON *t = cJSON_DetachItemFromObjectCaseSensitive(j, "train");
    if (t && !cJSON_IsObject(t)) {
        cJSON_Delete(t);
        cJSON_Delete(j);
        return sk_error(SK_EINVAL, "%s: \"train\" must be an object of training options", what);
    }
    *out = j;
    *train = t;
    return SK_OK;
}

int sk_lm_config(const char *preset, const char *config_path, const char *fallback, sk_mamba_config *c,
                 cJSON **train, char *what, size_t what_len) {
    cJSON *j = NULL;
    int rc = load_json(preset, config_path, fallback, &j, train, what, what_len);
    if (!rc) rc = sk_mamba_config_from_json(j, what, c);
    cJSON_Delete(j);
    if (rc) {
        cJSON_Delete(*train);
        *train = NULL;
    }
    return rc;
}

int sk_any_config_parse(const cJSON *o, const char *what, sk_any_config *c) {
    memset(c, 0, sizeof *c);
    c->unet = sk_unet_config_is_unet(o);
    return c->unet ? sk_unet_config_from_json(o, what, &c->u) : sk_mamba_config_from_json(o, what, &c->lm);
}

int sk_any_config_load(const char *preset, const char *config_path, const char *fallback, sk_any_config *c, cJSON **train,
                       char *what, size_t what_len) {
    cJSON *j = NULL;
    int rc = load_json(preset, config_path, fallback, &j, train, what, what_len);
    if (!rc) rc = sk_any_config_parse(j, what, c);
    cJSON_Delete(j);
    if (rc) {
        cJSON_Delete(*train);
        *train = NULL;
    }
    return rc;
}

int sk_lm_threads(int n) {
#ifdef SSMKIT_HAVE_OPENMP
    if (n > 0) omp_set_num_threads(n);
    int got = omp_get_max_threads();
#else
    int got = 1;
#endif
#ifdef SSMKIT_HAVE_BLAS
    if (n > 0) openblas_set_num_threads(n);
#endif
    return got;
}

int sk_lm_backend(const char *device, const sk_backend **be) { return sk_backend_get(device ? device : "cpu", be); }

static double status_kib(const char *key) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return 0;
    char line[256];
    double v = 0;
    size_t n = strlen(key);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, key, n)) {
            v = strtod(line + n, NULL);
            break;
        }
    fclose(f);
    return v;
}
double sk_lm_peak_rss_mib(void) { return status_kib("VmHWM:") / 1024.0; }
double sk_lm_rss_mib(void) { return status_kib("VmRSS:") / 1024.0; }
