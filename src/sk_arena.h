/* sk_arena.h — one allocation per class of data, carved from a size table (llm.c style).
 *
 * A model fills a table of named sizes (element counts, 64-bit), then sk_arena_alloc makes one
 * aligned allocation and points every slot into it. Size-0 slots get NULL. Training steps then
 * allocate nothing. sk_arena_print lists MiB per slot group for `--verbose` and `--dry-run`.
 *
 *   sk_arena a; sk_arena_init(&a, "params", sizeof(float));
 *   sk_arena_add(&a, "in_proj.weight", 2*Di*d, (void **)&w->in_proj);
 *   ...
 *   if (sk_arena_alloc(&a)) return ...;     // zero-filled
 */
#ifndef SK_ARENA_H
#define SK_ARENA_H

#include <stddef.h>
#include <stdint.h>
#include "src/sk_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sk_arena_slot {
    const char *name;   /* not owned; a string literal or a name that outlives the arena */
    int64_t count;      /* elements */
    void **ptr;         /* where to store the slot's address */
    int64_t offset;     /* in elements, filled by sk_arena_alloc */
} sk_arena_slot;

typedef struct sk_arena {
    const char *name;
    size_t elem_size;
    sk_arena_slot *slots;
    int64_t nslots, cap;
    int64_t total;      /* elements, after padding each slot to 64 bytes */
    void *base;
} sk_arena;

void sk_arena_init(sk_arena *a, const char *name, size_t elem_size);
/* Register a slot; returns SK_ENOMEM if the table cannot grow. */
int sk_arena_add(sk_arena *a, const char *name, int64_t count, void **ptr) SK_RESULT_USED;
/* Allocate (zero-filled, 64-byte aligned) and point all slots. */
int sk_arena_alloc(sk_arena *a) SK_RESULT_USED;
/* Bytes the arena needs (valid before alloc). */
int64_t sk_arena_bytes(const sk_arena *a);
/* Print the arena's size and, when verbose, each slot to stderr. */
void sk_arena_print(const sk_arena *a, int verbose);
void sk_arena_free(sk_arena *a);

#ifdef __cplusplus
}
#endif
#endif
