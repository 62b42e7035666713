/* sk_instantiate.h — compile a reference body (SK_REF_INC, one kernels/cpu/<op>_ref.inc file) twice:
 * with `real` = float, SK_F32 = 1 and S(name) = name_f32, and with `real` = double, SK_F32 = 0
 * and S(name) = name_f64. Inside the body, R(fn) names the scalar function of the right precision:
 * R(sk_softplus) is sk_softplusf for float and sk_softplus for double; M(fn) likewise for libm
 * (M(exp) = expf). S() names file-local helpers and argument types; an exported function is
 * defined under both of its full names, so grep and ctags find it:
 *
 *   #if SK_F32
 *   int sk_rmsnorm_fwd_f32
 *   #else
 *   int sk_rmsnorm_fwd_f64
 *   #endif
 *       (real *out, ...) {
 *
 *   #define SK_REF_INC "kernels/cpu/rmsnorm_ref.inc"
 *   #include "kernels/cpu/sk_instantiate.h"
 */
#ifndef SK_REF_INC
#error "define SK_REF_INC before including sk_instantiate.h"
#endif

#define real float
#define SK_F32 1
#define S(name) name##_f32
#define R(fn) fn##f
#define M(fn) fn##f
#include SK_REF_INC
#undef real
#undef SK_F32
#undef S
#undef R
#undef M

#define real double
#define SK_F32 0
#define S(name) name##_f64
#define R(fn) fn
#define M(fn) fn
#include SK_REF_INC
#undef real
#undef SK_F32
#undef S
#undef R
#undef M
