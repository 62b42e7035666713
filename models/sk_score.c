/* sk_score.c — see sk_score.h. */
#include "models/sk_score.h"

#include <stdlib.h>

int sk_score_windows(sk_model *m, const int32_t *tok, int64_t b, int64_t L, double *logp) {
    int32_t *tgt = malloc((size_t)(b * L) * sizeof(int32_t));
    if (!tgt) return sk_error(SK_ENOMEM, "score: out of memory for %lld targets", (long long)(b * L));
    for (int64_t i = 0; i < b * L; i++) tgt[i] = (i % L) + 1 < L ? tok[i + 1] : -1; /* t predicts t+1 */
    double mean;
    int rc = sk_model_forward(m, tok, tgt, b, L, &mean);
    const float *pl = rc ? NULL : sk_model_position_losses(m);
    if (!rc && !pl) rc = sk_error(SK_EUNSUP, "score: the model keeps no per-position losses (chunked forward)");
    for (int64_t r = 0; !rc && r < b; r++) {
        double s = 0; /* summed in double: L - 1 terms */
        for (int64_t t = 0; t + 1 < L; t++) s += pl[r * L + t];
        logp[r] = -s;
    }
    free(tgt);
    return rc;
}
