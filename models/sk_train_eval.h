/* sk_train_eval.h — the scores of a classifier's evaluation during training (`ssmkit finetune`):
 * per evaluation set a K x K confusion matrix and the accuracy, printed, and the log line of the
 * evaluation (models/sk_trainer.h, sk_train_hooks.evaluate).
 */
#ifndef SK_TRAIN_EVAL_H
#define SK_TRAIN_EVAL_H

#include <stdint.h>
#include <stdio.h>
#include "models/sk_trainer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The scores of one evaluation set of labelled sequences. */
typedef struct sk_train_confusion {
    const char *name;  /* "valid", "test" */
    int K;             /* classes */
    int64_t n;         /* sequences of the set: the accuracy is correct / n */
    int64_t correct;
    int64_t *count;    /* (K, K): rows the true class, columns the predicted one */
} sk_train_confusion;

int sk_train_confusion_init(sk_train_confusion *c, const char *name, int K) SK_RESULT_USED;
void sk_train_confusion_free(sk_train_confusion *c);
/* Start counting a pass over a set of n sequences. */
void sk_train_confusion_reset(sk_train_confusion *c, int64_t n);
void sk_train_confusion_add(sk_train_confusion *c, int truth, int predicted);
/* correct / n (0 for an empty set). */
double sk_train_confusion_accuracy(const sk_train_confusion *c);
/* "PREFIX: NAME accuracy A; confusion (rows true, columns predicted):" and one line per class
 * (its name from classes[K]) to f. */
void sk_train_confusion_print(const sk_train_confusion *c, FILE *f, const char *prefix, const char *const *classes);

/* The log line of an evaluation after update p->step: step, train_loss (the mean since the
 * previous evaluation), lr, grad_norm, then for each set s with n > 0: "<name>_accuracy" and
 * "<name>_confusion" (the matrix as a JSON string), then elapsed_s. */
int sk_train_log_confusion(sk_jsonl *log, const sk_train_progress *p, const sk_train_confusion *sets, int nsets,
                           double elapsed_s) SK_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
