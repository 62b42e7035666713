/* sk_head.c — the token heads' cross-entropy (sk_head.h). */
#include "models/sk_head.h"

int sk_head_xent(const sk_backend *be, double *loss, float *dlogits, const float *logits, const int32_t *targets,
                 int32_t *tgt, float *losses, float *host_loss, int64_t rows, int64_t V, int64_t count) {
    int rc = be->upload(tgt, targets, (size_t)rows * sizeof(int32_t));
    /* mean over the valid targets: dlogits = (softmax - onehot) / count */
    if (!rc) rc = be->xent(losses, dlogits, logits, tgt, rows, V, -1, count ? 1.0f / (float)count : 0.0f);
    if (!rc) rc = be->download(host_loss, losses, (size_t)rows * sizeof(float));
    if (rc) return rc;
    double s = 0;
    for (int64_t i = 0; i < rows; i++) s += host_loss[i];
    if (loss) *loss = count ? s / (double)count : 0;
    return SK_OK;
}
