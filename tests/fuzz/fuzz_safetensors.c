/* fuzz_safetensors.c — libFuzzer harness for the safetensors reader (src/sk_safetensors.c).
 * The input is a whole file: sk_st_open validates it, then every accessor the loaders use runs
 * on what it accepted (lookup by name, metadata, fp32 and raw copies of each tensor). */
#include <stdint.h>
#include <stdlib.h>
#include "src/sk_safetensors.h"
#include "fuzz_common.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_file(0, data, size);
    sk_st *st = NULL;
    int rc = sk_st_open(path, &st);
    fuzz_check_error(rc, path);
    if (rc) return 0;
    for (int64_t i = 0; i < sk_st_count(st); i++) {
        const sk_st_tensor *t = sk_st_at(st, i);
        /* an accepted tensor lies inside the file and its size matches its shape */
        if (t->begin < 0 || t->end < t->begin || (uint64_t)t->end > size ||
            t->end - t->begin != t->numel * (int64_t)sk_dtype_size(t->dtype) || sk_st_find(st, t->name) != t)
            abort();
        size_t bytes = (size_t)(t->end - t->begin);
        float *f = malloc((size_t)(t->numel ? t->numel : 1) * sizeof(float));
        void *raw = malloc(bytes ? bytes : 1);
        if (!f || !raw) abort();
        fuzz_check_error(sk_st_read_f32(st, t->name, f, t->numel), path);
        fuzz_check_error(sk_st_read_raw(st, t->name, raw, bytes), path);
        fuzz_check_error(sk_st_read_f32(st, t->name, f, t->numel + 1) == SK_OK ? -1 : SK_EINVAL, path);
        free(f);
        free(raw);
    }
    for (int64_t i = 0; i < sk_st_meta_count(st); i++) {
        const char *v = NULL, *k = sk_st_meta_at(st, i, &v);
        if (!k || !v || sk_st_meta(st, k) == NULL) abort();
    }
    (void)sk_st_find(st, "backbone.embedding.weight");
    (void)sk_st_meta(st, "config");
    sk_st_close(st);
    return 0;
}
