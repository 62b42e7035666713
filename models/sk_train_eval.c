/* sk_train_eval.c — confusion matrices and the evaluation log line of a classifier (sk_train_eval.h). */
#include "models/sk_train_eval.h"

#include <stdlib.h>
#include <string.h>

int sk_train_confusion_init(sk_train_confusion *c, const char *name, int K) {
    memset(c, 0, sizeof *c);
    c->name = name, c->K = K;
    c->count = calloc((size_t)(K * K + 1), sizeof(int64_t));
    return c->count ? SK_OK : sk_error(SK_ENOMEM, "out of memory");
}

void sk_train_confusion_free(sk_train_confusion *c) {
    free(c->count);
    memset(c, 0, sizeof *c);
}

void sk_train_confusion_reset(sk_train_confusion *c, int64_t n) {
    c->n = n, c->correct = 0;
    memset(c->count, 0, (size_t)(c->K * c->K) * sizeof(int64_t));
}

void sk_train_confusion_add(sk_train_confusion *c, int truth, int predicted) {
    c->correct += truth == predicted;
    c->count[truth * c->K + predicted]++;
}

double sk_train_confusion_accuracy(const sk_train_confusion *c) { return c->n ? (double)c->correct / (double)c->n : 0; }

/* The matrix as JSON "[[..],[..]]" (malloc'd; NULL when out of memory). */
static char *sk_train_confusion_json(const sk_train_confusion *c) {
    const int K = c->K;
    size_t cap = (size_t)(K * K) * 24 + 16, k = 0;
    char *s = malloc(cap);
    if (!s) return NULL;
    k += (size_t)snprintf(s + k, cap - k, "[");
    for (int a = 0; a < K; a++) {
        k += (size_t)snprintf(s + k, cap - k, "%s[", a ? "," : "");
        for (int b = 0; b < K; b++) k += (size_t)snprintf(s + k, cap - k, "%s%lld", b ? "," : "", (long long)c->count[a * K + b]);
        k += (size_t)snprintf(s + k, cap - k, "]");
    }
    snprintf(s + k, cap - k, "]");
    return s;
}

void sk_train_confusion_print(const sk_train_confusion *c, FILE *f, const char *prefix, const char *const *classes) {
    fprintf(f, "%s: %s accuracy %.4f; confusion (rows true, columns predicted):\n", prefix, c->name,
            sk_train_confusion_accuracy(c));
    for (int a = 0; a < c->K; a++) {
        fprintf(f, "  %-12.12s", classes[a]);
        for (int b = 0; b < c->K; b++) fprintf(f, " %6lld", (long long)c->count[a * c->K + b]);
        fputc('\n', f);
    }
}

int sk_train_log_confusion(sk_jsonl *log, const sk_train_progress *p, const sk_train_confusion *sets, int nsets,
                           double elapsed_s) {
    char *js[8] = {NULL};
    if (nsets > 8) return sk_error(SK_EINVAL, "evaluation log: at most 8 sets");
    sk_jsonl_begin(log);
    sk_jsonl_int(log, "step", p->step);
    sk_jsonl_num(log, "train_loss", p->loss_mean);
    sk_jsonl_num(log, "lr", p->lr);
    sk_jsonl_num(log, "grad_norm", p->grad_norm);
    for (int s = 0; s < nsets; s++)
        if (sets[s].n) {
            char key[64];
            snprintf(key, sizeof key, "%s_accuracy", sets[s].name);
            sk_jsonl_num(log, key, sk_train_confusion_accuracy(&sets[s]));
            snprintf(key, sizeof key, "%s_confusion", sets[s].name);
            js[s] = sk_train_confusion_json(&sets[s]);
            sk_jsonl_json(log, key, js[s]);
        }
    sk_jsonl_num(log, "elapsed_s", elapsed_s);
    int rc = sk_jsonl_end(log);
    for (int s = 0; s < nsets; s++) free(js[s]);
    return rc;
}
