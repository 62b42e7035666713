/* act.c — compiles kernels/cpu/act_ref.inc for float (the library) and double (tests). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "kernels/cpu/sk_cpu.h"
#include "kernels/sk_scalar.h"

#define SK_REF_INC "kernels/cpu/act_ref.inc"
#include "kernels/cpu/sk_instantiate.h"
