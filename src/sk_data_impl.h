/* sk_data_impl.h — internals shared by the sk_data sources (sk_data.c: core and byte files;
 * sk_data_shard.c: token shards). Not a public header. */
#ifndef SK_DATA_IMPL_H
#define SK_DATA_IMPL_H

#include "src/sk_data.h"
#include "src/sk_io.h"
#include "src/sk_rng.h"

struct sk_data {
    char *path;
    sk_data_opts o;
    int format;                 /* SK_DATA_BYTES or SK_DATA_SHARD */
    int rank, world;            /* data parallelism (sk_data_set_rank): this rank's share */
    int64_t vocab;
    int32_t pad_token;          /* input padding */
    int pad_ignore;             /* 1: padded targets are SK_DATA_IGNORE, 0: pad_token */
    int32_t bos;                /* shards with "bos_token": prepended to every example; -1 = none */
    /* the source */
    sk_map map;                 /* byte files */
    void *src;                  /* shards: the sk_shard handle */
    /* copy tokens [start, start+n) of segment `seg` as int32 */
    int (*read)(const sk_data *d, int64_t seg, int64_t start, int64_t n, int32_t *dst);
    void (*close_src)(sk_data *d);
    /* segments of the split: (nseg) each */
    int64_t nseg;
    int64_t *seg_id;            /* bytes: offset in the file; shards: example index */
    int64_t *seg_len;           /* tokens, >= 2 */
    int64_t *cum;               /* (nseg + 1) cumulative window counts for the mode; packed rows:
                                 * cumulative positions (a segment of n tokens has n - 1) */
    int64_t nwin;               /* windows (rows) in the split for the mode */
    uint8_t *reset;             /* packed rows: (batch, L) reset flags of the last batch */
    int64_t tokens;
    int32_t *tmp;               /* (L + 1) window buffer */
    int32_t *comp;              /* rc_aug: (vocab) the complement of each token (itself if not a base) */
    /* sampler state (saved by sk_data_state_get) */
    sk_rng rng;
    int64_t cursor, batches;
    uint64_t fingerprint;
};

/* Check options, allocate d with room for nseg segments and a copy of path. */
int sk_data_alloc_(sk_data **out, const char *path, int format, const sk_data_opts *o, int64_t nseg);
/* After the segments are filled: window tables, buffers, RNG, fingerprint. */
int sk_data_finish_(sk_data *d);

#endif
