/* model_util.h — helpers of the tests that drive models through the sk_model interface: a config
 * from JSON text, and random tokens with their next-token targets. */
#ifndef SK_MODEL_UTIL_H
#define SK_MODEL_UTIL_H

#include <string.h>
#include <cjson/cJSON.h>
#include "models/sk_model.h"
#include "src/sk_json.h"
#include "tests/sk_test.h"

/* A model config from JSON text (a failed parse is a test failure). */
static inline sk_model_config *parse(const char *js) {
    cJSON *o = NULL;
    sk_model_config *c = NULL;
    SK_CHECK(sk_json_parse(js, (int64_t)strlen(js), "t", &o) == 0, "json");
    SK_CHECK(sk_model_config_parse(o, "t", &c) == 0, "config: %s", sk_errmsg());
    cJSON_Delete(o);
    return c;
}

/* n random tokens below V (a fixed LCG from seed) and their targets: the next token, -1 at the end. */
static inline void tokens(int32_t *tok, int32_t *tgt, int64_t n, int64_t V, uint32_t seed) {
    for (int64_t i = 0; i < n; i++) tok[i] = (int32_t)((seed = seed * 1664525u + 1013904223u) >> 8) % (int32_t)V;
    for (int64_t i = 0; i < n; i++) tgt[i] = i + 1 < n ? tok[i + 1] : -1;
}

#endif
