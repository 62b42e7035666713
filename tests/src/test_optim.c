/* test_optim.c — the weight-decay rule on mamba_ssm parameter names, and hyperparameter checks. */
#include "src/sk_optim.h"
#include "tests/sk_test.h"

int main(void) {
    static const struct { const char *name; int ndim, decays; } t[] = {
        {"backbone.embedding.weight", 2, 1},
        {"backbone.layers.0.mixer.in_proj.weight", 2, 1},
        {"backbone.layers.0.mixer.conv1d.weight", 3, 1},
        {"backbone.layers.0.mixer.conv1d.bias", 1, 0},
        {"backbone.layers.0.mixer.x_proj.weight", 2, 1},
        {"backbone.layers.0.mixer.dt_proj.weight", 2, 1},
        {"backbone.layers.0.mixer.dt_proj.bias", 1, 0},
        {"backbone.layers.11.mixer.A_log", 2, 0},
        {"backbone.layers.3.mixer.A_imag", 2, 0},
        {"backbone.layers.0.mixer.D", 1, 0},
        {"backbone.layers.0.mixer.out_proj.weight", 2, 1},
        {"backbone.layers.0.norm.weight", 1, 0},
        {"backbone.norm_f.weight", 1, 0},
        {"lm_head.weight", 2, 1},
        {"head.xD", 2, 1},            /* only a whole last component "D" is exempt */
        {"pool.notA_log", 2, 1},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        SK_CHECK(sk_optim_decays(t[i].name, t[i].ndim) == t[i].decays, "%s (%dD): expected decays=%d", t[i].name, t[i].ndim, t[i].decays);
    sk_optim_hparams h = SK_OPTIM_DEFAULTS;
    SK_CHECK(sk_optim_check(&h) == 0 && h.beta1 == 0.9 && h.beta2 == 0.95 && h.weight_decay == 0.1, "defaults: %s", sk_errmsg());
    h.beta2 = 1.0;
    SK_CHECK(sk_optim_check(&h) == SK_EINVAL && strstr(sk_errmsg(), "beta2"), "beta2=1: %s", sk_errmsg());
    h = SK_OPTIM_DEFAULTS;
    h.eps = 0;
    SK_CHECK(sk_optim_check(&h) == SK_EINVAL && strstr(sk_errmsg(), "eps"), "eps=0: %s", sk_errmsg());
    h = SK_OPTIM_DEFAULTS;
    h.weight_decay = -0.1;
    SK_CHECK(sk_optim_check(&h) == SK_EINVAL, "negative weight decay accepted");
    return sk_test_finish("test_optim");
}
