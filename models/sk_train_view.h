/* sk_train_view.h — the Mamba LM and the U-Net behind the trainer interface (models/sk_trainer.h),
 * defined in sk_train_view.c. The classifier's is sk_classifier_train_model (sk_classifier.h);
 * any kind: sk_model_train_view (sk_model.h). */
#ifndef SK_TRAIN_VIEW_H
#define SK_TRAIN_VIEW_H

#include "models/sk_mamba.h"
#include "models/sk_trainer.h"
#include "models/sk_unet.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fill *out so the trainer drives m (created with SK_MODEL_GRADS): forward with targets and no
 * recurrent state, backward, zero_grad, the parameter table, the ssmkit config JSON. */
void sk_mamba_lm_train_model(sk_mamba_lm *m, sk_train_model *out);
/* The same for a U-Net (created with SK_MODEL_GRADS); L must be a multiple of the pool product. */
void sk_unet_train_model(sk_unet *m, sk_train_model *out);

#ifdef __cplusplus
}
#endif
#endif
