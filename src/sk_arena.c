/* sk_arena.c — size-table allocator. See sk_arena.h. */
#include "src/sk_arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sk_arena_init(sk_arena *a, const char *name, size_t elem_size) {
    memset(a, 0, sizeof *a);
    a->name = name;
    a->elem_size = elem_size;
}

int sk_arena_add(sk_arena *a, const char *name, int64_t count, void **ptr) {
    if (count < 0) return sk_error(SK_EINVAL, "arena %s: negative size for %s", a->name, name);
    if (a->nslots == a->cap) {
        int64_t nc = a->cap ? 2 * a->cap : 64;
        sk_arena_slot *ns = realloc(a->slots, (size_t)nc * sizeof *ns);
        if (!ns) return sk_error(SK_ENOMEM, "arena %s: out of memory", a->name);
        a->slots = ns;
        a->cap = nc;
    }
    /* pad every slot to 64 bytes so each starts aligned; the total (in bytes) must fit int64_t */
    int64_t per = 64 / (int64_t)a->elem_size;
    if (per < 1) per = 1;
    const int64_t room = INT64_MAX / (int64_t)a->elem_size - a->total - per;
    if (count > room)
        return sk_error(SK_ENOMEM, "arena %s: %s (%lld elements) takes the size past 64 bits", a->name, name,
                        (long long)count);
    a->slots[a->nslots++] = (sk_arena_slot){name, count, ptr, a->total};
    a->total += (count + per - 1) / per * per;
    return SK_OK;
}

int64_t sk_arena_bytes(const sk_arena *a) { return a->total * (int64_t)a->elem_size; }

int sk_arena_alloc(sk_arena *a) {
    size_t bytes = (size_t)sk_arena_bytes(a);
    free(a->base);
    a->base = NULL;
    if (bytes) {
        a->base = aligned_alloc(64, (bytes + 63) / 64 * 64);
        if (!a->base)
            return sk_error(SK_ENOMEM, "arena %s: cannot allocate %.1f MiB", a->name, bytes / 1048576.0);
        memset(a->base, 0, bytes);
    }
    for (int64_t i = 0; i < a->nslots; i++) {
        sk_arena_slot *s = &a->slots[i];
        if (s->ptr) *s->ptr = s->count ? (char *)a->base + s->offset * (int64_t)a->elem_size : NULL;
    }
    return SK_OK;
}

void sk_arena_print(const sk_arena *a, int verbose) {
    fprintf(stderr, "ssmkit: %-12s %10.2f MiB in %lld tensors\n", a->name, sk_arena_bytes(a) / 1048576.0,
            (long long)a->nslots);
    if (!verbose) return;
    for (int64_t i = 0; i < a->nslots; i++)
        fprintf(stderr, "ssmkit:   %-48s %12lld\n", a->slots[i].name, (long long)a->slots[i].count);
}

void sk_arena_free(sk_arena *a) {
    free(a->base);
    free(a->slots);
    memset(a, 0, sizeof *a);
}
