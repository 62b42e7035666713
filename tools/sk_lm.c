/* sk_lm.c — see sk_lm.h. */
#include "tools/sk_lm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef SSMKIT_HAVE_OPENMP
#include <omp.h>
#endif
#ifdef SSMKIT_HAVE_BLAS
void openblas_set_num_threads(int n); /* OpenBLAS (cblas.h is not on the tools' include path) */
#endif

int sk_lm_config(const char *preset, const char *config_path, const char *fallback, sk_mamba_config *c,
                 cJSON **train, char *what, size_t what_len) {
    cJSON *j = NULL;
    int rc = sk_model_config_load_json(preset, config_path, fallback, &j, train, what, what_len);
    if (!rc) rc = sk_mamba_config_from_json(j, what, c);
    cJSON_Delete(j);
    if (rc) {
        cJSON_Delete(*train);
        *train = NULL;
    }
    return rc;
}

/* The parsed config in the old two-field form (models/sk_model.h chose the kind). */
static int to_any(sk_model_config *mc, sk_any_config *c) {
    memset(c, 0, sizeof *c);
    const sk_unet_config *u = sk_model_config_unet(mc);
    if (u) c->unet = 1, c->u = *u;
    else c->lm = *sk_model_config_lm(mc);
    sk_model_config_free(mc);
    return SK_OK;
}

int sk_any_config_parse(const cJSON *o, const char *what, sk_any_config *c) {
    sk_model_config *mc = NULL;
    int rc = sk_model_config_parse(o, what, &mc);
    return rc ? rc : to_any(mc, c);
}

int sk_any_config_load(const char *preset, const char *config_path, const char *fallback, sk_any_config *c, cJSON **train,
                       char *what, size_t what_len) {
    sk_model_config *mc = NULL;
    int rc = sk_model_config_load(preset, config_path, fallback, &mc, train, what, what_len);
    return rc ? rc : to_any(mc, c);
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
