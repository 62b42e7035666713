/* fuzz_shard.c — libFuzzer harness for the token-shard reader (src/sk_shard.c). The input is a
 * whole shard file: sk_shard_open checks the header, the index and the metadata, then every
 * example is read back as the data pipeline does (whole, and a piece that runs past its end). */
#include <stdint.h>
#include <stdlib.h>
#include "src/sk_shard.h"
#include "fuzz_common.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_file(0, data, size);
    sk_shard *s = NULL;
    int rc = sk_shard_open(path, &s);
    fuzz_check_error(rc, path);
    if (rc) return 0;
    int64_t V = sk_shard_vocab_size(s), n = sk_shard_count(s);
    int32_t pad = sk_shard_pad_token(s);
    if (V < 1 || pad < 0 || pad >= V || !sk_shard_meta(s)) abort();
    int32_t *buf = NULL;
    for (int64_t i = 0; i < n; i++) {
        sk_shard_example e = sk_shard_get(s, i);
        if (e.offset < 0 || e.length < 0 || e.offset + e.length > sk_shard_total_tokens(s) || e.label < -1 ||
            e.split < 0 || e.split > SK_SPLIT_TEST)
            abort();
        int32_t *nb = realloc(buf, (size_t)(e.length + 1) * sizeof *buf);
        if (!nb) abort();
        buf = nb;
        fuzz_check_error(sk_shard_read(s, i, 0, e.length, buf), path);
        fuzz_check_error(sk_shard_read(s, i, 1, e.length, buf) == SK_OK ? -1 : SK_EINVAL, path);
    }
    sk_shard_example none = sk_shard_get(s, n);
    if (none.length != 0) abort();
    free(buf);
    sk_shard_close(s);
    return 0;
}
