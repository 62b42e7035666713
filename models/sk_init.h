/* sk_init.h — the initialization rules of the block parameters, by name (sk_init.c). The rules
 * are listed in models/README.md §Initialization.
 */
#ifndef SK_INIT_H
#define SK_INIT_H

#include <stdint.h>
#include "models/sk_block_config.h"
#include "src/sk_rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The initialization rule of one parameter by its name's suffix: fills h (n) drawing from r;
 * n_layer (the number of residual blocks of the whole model) scales out_proj. SK_EINVAL for an
 * unknown name. */
int sk_block_param_init(const sk_block_config *c, int64_t n_layer, const char *name, float *h, int64_t n,
                        sk_rng *r) SK_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
