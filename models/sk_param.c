/* sk_param.c — parameter tables, the backend arena helper and the checkpoint writer (sk_param.h). */
#include "models/sk_param.h"

#include <stdio.h>
#include <stdlib.h>
#include "src/sk_safetensors.h"

/* Point every slot of a size table into one backend allocation. */
int sk_arena_alloc_on(sk_arena *a, const sk_backend *be, void **base) {
    int64_t bytes = sk_arena_bytes(a);
    int rc = be->alloc(base, (size_t)bytes);
    if (rc) { /* name the arena and its largest slot */
        int64_t big = 0;
        for (int64_t i = 1; i < a->nslots; i++) big = a->slots[i].count > a->slots[big].count ? i : big;
        return a->nslots ? sk_error_wrap(rc, "%s (%lld tensors, the largest %s of %lld elements): ", a->name,
                                         (long long)a->nslots, a->slots[big].name, (long long)a->slots[big].count)
                         : rc;
    }
    for (int64_t i = 0; i < a->nslots; i++) {
        sk_arena_slot *s = &a->slots[i];
        if (s->ptr) *s->ptr = s->count ? (char *)*base + s->offset * (int64_t)a->elem_size : NULL;
    }
    return SK_OK;
}

/* Append a parameter; *vw / *vg (when given) become views of its value / gradient once the
 * arenas are allocated. */
sk_param *sk_ptable_add(sk_ptable *t, const char *name, int ndim, int64_t s0, int64_t s1, int64_t s2, int nowd,
                        float **vw, float **vg) {
    t->bind_w[*t->np] = vw, t->bind_g[*t->np] = vg;
    sk_param *p = &t->params[(*t->np)++];
    snprintf(p->name, sizeof p->name, "%s", name);
    p->ndim = ndim, p->shape[0] = s0, p->shape[1] = s1, p->shape[2] = s2;
    p->numel = s0 * (ndim > 1 ? s1 : 1) * (ndim > 2 ? s2 : 1);
    p->no_weight_decay = nowd;
    return p;
}

int sk_params_save(const sk_backend *be, const sk_param *params, int np, int64_t total, const char *config_json,
                   const char *path, int grads) {
    float *host = malloc((size_t)(total ? total : 1) * sizeof(float));
    sk_stw *w = NULL;
    int rc = !host || !config_json ? sk_error(SK_ENOMEM, "%s: out of memory", path) : sk_stw_create(&w);
    int64_t off = 0;
    for (int i = 0; i < np && !rc; i++) {
        const sk_param *p = &params[i];
        rc = be->download(host + off, grads ? p->g : p->w, (size_t)p->numel * sizeof(float));
        if (!rc) rc = sk_stw_add(w, p->name, SK_F32, p->ndim, p->shape, host + off);
        off += p->numel;
    }
    if (!rc) rc = sk_stw_meta(w, "config", config_json);
    if (!rc) rc = sk_stw_meta(w, "format", grads ? "ssmkit-gradients" : "ssmkit");
    if (!rc) rc = sk_stw_write(w, path);
    sk_stw_free(w);
    free(host);
    return rc;
}
