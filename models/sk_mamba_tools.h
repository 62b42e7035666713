/* sk_mamba_tools.h — the headers this file used to be, for the commands that still include it
 * (tools/cmd_train.c): the trainer adapters (sk_train_view.h) and the Hugging Face export
 * (sk_mamba_hf.h). Declares nothing itself; remove once no file includes it. */
#ifndef SK_MAMBA_TOOLS_H
#define SK_MAMBA_TOOLS_H

#include "models/sk_mamba_hf.h"
#include "models/sk_train_view.h"

#endif
