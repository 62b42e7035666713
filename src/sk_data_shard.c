/* sk_data_shard.c — token shards as an sk_data source, and sk_data_open (format sniffing).
 * Kept apart from sk_data.c so that byte-file users do not link the shard reader. */
#include "src/sk_data_impl.h"
#include "src/sk_shard.h"

#include <cjson/cJSON.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* With a bos token the segment is [bos] + example: position 0 is bos, position k >= 1 is
 * example token k - 1. */
static int shard_read(const sk_data *d, int64_t seg, int64_t start, int64_t n, int32_t *dst) {
    if (d->bos < 0) return sk_shard_read(d->src, d->seg_id[seg], start, n, dst);
    if (n <= 0) return SK_OK;
    if (start == 0) {
        dst[0] = d->bos;
        return sk_shard_read(d->src, d->seg_id[seg], 0, n - 1, dst + 1);
    }
    return sk_shard_read(d->src, d->seg_id[seg], start - 1, n, dst);
}

/* The shard's "bos_token" (-1 when absent); it must be a token of the vocabulary. */
static int shard_bos(const sk_shard *s, int32_t *bos) {
    *bos = -1;
    cJSON *m = cJSON_Parse(sk_shard_meta(s));
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(m, "bos_token");
    int rc = SK_OK;
    if (b && !cJSON_IsNull(b)) {
        if (!cJSON_IsNumber(b) || b->valuedouble != floor(b->valuedouble) || b->valuedouble < 0 ||
            b->valuedouble >= (double)sk_shard_vocab_size(s))
            rc = sk_error(SK_EFORMAT, "%s: metadata \"bos_token\" must be a token id in [0, %lld)", sk_shard_path(s),
                          (long long)sk_shard_vocab_size(s));
        else *bos = (int32_t)b->valuedouble;
    }
    cJSON_Delete(m);
    return rc;
}

static void shard_close(sk_data *d) { sk_shard_close(d->src); }

/* rc_aug: the complement of every token, from the token strings of the metadata "vocab":
 * A<->T, C<->G in either case; other tokens are their own complement. */
static int shard_comp(sk_data *d, const sk_shard *s) {
    cJSON *m = cJSON_Parse(sk_shard_meta(s));
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, "vocab");
    int rc = SK_OK, bases = 0;
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != d->vocab)
        rc = sk_error(SK_EINVAL, "%s: reverse-complement augmentation needs a DNA token shard (metadata \"vocab\" of "
                                 "%lld token strings, as `ssmkit dna windows` writes)", d->path, (long long)d->vocab);
    if (!rc && !(d->comp = malloc((size_t)d->vocab * sizeof *d->comp))) rc = sk_error(SK_ENOMEM, "%s: out of memory", d->path);
    static const char pair[] = "ATTACGGCattacggc"; /* base, complement, ... */
    for (int64_t i = 0; !rc && i < d->vocab; i++) {
        const char *a = cJSON_GetStringValue(cJSON_GetArrayItem(v, (int)i));
        d->comp[i] = (int32_t)i;
        for (int k = 0; a && a[0] && !a[1] && pair[k]; k += 2)
            if (a[0] == pair[k])
                for (int64_t j = 0; j < d->vocab; j++) {
                    const char *b = cJSON_GetStringValue(cJSON_GetArrayItem(v, (int)j));
                    if (b && b[0] == pair[k + 1] && !b[1]) d->comp[i] = (int32_t)j, bases++;
                }
    }
    if (!rc && bases < 4)
        rc = sk_error(SK_EINVAL, "%s: reverse-complement augmentation needs a DNA token shard: its metadata \"vocab\" "
                                 "does not name the bases A, C, G and T", d->path);
    cJSON_Delete(m);
    return rc;
}

static int open_shard(sk_data **out, const char *path, const sk_data_opts *o) {
    *out = NULL;
    sk_shard *s = NULL;
    int rc = sk_shard_open(path, &s);
    if (rc) return rc;
    int32_t bos;
    if ((rc = shard_bos(s, &bos))) {
        sk_shard_close(s);
        return rc;
    }
    const int64_t extra = bos >= 0;   /* the bos token lengthens every segment by one */
    int64_t n = sk_shard_count(s), nseg = 0;
    for (int64_t i = 0; i < n; i++) {
        sk_shard_example e = sk_shard_get(s, i);
        nseg += e.length + extra >= 2 && (o->split == SK_DATA_ALL || e.split == o->split);
    }
    sk_data *d = NULL;
    rc = sk_data_alloc_(&d, path, SK_DATA_SHARD, o, nseg);
    if (!d) {
        sk_shard_close(s);
        return rc;
    }
    d->src = s;
    d->close_src = shard_close;
    d->read = shard_read;
    if (rc == SK_OK) {
        d->vocab = sk_shard_vocab_size(s);
        d->pad_token = sk_shard_pad_token(s);
        d->pad_ignore = sk_shard_pad_ignore(s);
        d->bos = bos;
        int64_t k = 0;
        for (int64_t i = 0; i < n; i++) {
            sk_shard_example e = sk_shard_get(s, i);
            if (e.length + extra >= 2 && (o->split == SK_DATA_ALL || e.split == o->split)) {
                d->seg_id[k] = i;
                d->seg_len[k] = e.length + extra;
                k++;
            }
        }
        rc = o->rc_aug ? shard_comp(d, s) : SK_OK;
        if (!rc) rc = sk_data_finish_(d);
    }
    if (rc) {
        sk_data_close(d);
        return rc;
    }
    *out = d;
    return SK_OK;
}

int sk_data_open(sk_data **out, const char *path, int format, const sk_data_opts *o) {
    *out = NULL;
    if (format == SK_DATA_AUTO) {   /* a shard starts with "SKSHARD\0" */
        char magic[8] = {0};
        FILE *f = fopen(path, "rb");
        if (!f) return sk_error(SK_EIO, "%s: cannot open: %s", path, strerror(errno));
        size_t got = fread(magic, 1, sizeof magic, f);
        fclose(f);
        format = got == sizeof magic && !memcmp(magic, SK_SHARD_MAGIC, sizeof magic) ? SK_DATA_SHARD : SK_DATA_BYTES;
    }
    if (format == SK_DATA_BYTES) return sk_data_open_bytes(out, path, o);
    if (format == SK_DATA_SHARD) return open_shard(out, path, o);
    return sk_error(SK_EINVAL, "%s: unknown data format %d", path, format);
}
