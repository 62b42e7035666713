#!/usr/bin/python3
"""make_unet_fixtures.py — PyTorch reference for the U-Net (models/sk_unet.h), ctest label `ref`.

Run with the system python and Debian's python3-torch:
    /usr/bin/python3 tests/reference/make_unet_fixtures.py tests/models/fixtures/unet_ref

Builds small random U-Nets in float64 from the specification (DESIGN.md §U-Net and recurrent generation; SaShiMi's unet.py
skips, pool.py DownLinearPool / UpLinearPool written with PyTorch's own reshapes and weight layout),
reusing the block math of make_ssm_fixtures.py (each block x + Mixer(RMSNorm(x))). d_model 6,
pools [2, 3] (widths 6, 12, 24), 2 blocks per stage, batch 2 x length 18 (3 coarsest frames);
random targets with some -1 (ignored). Takes every gradient of the mean cross-entropy by autograd.
    mixed_a   outer Mamba-S4 with S4D-Lin (complex), center S4+MLP with S4D-Real
    mixed_b   outer Mamba (S6, real), center Mamba with complex S6
The pool weights are written in ssmkit's time-major layout (sk_unet.h):
    down (He, p, H)[o, j, h] = W_torch[o, h*p + j];   up (p, Ho, Hi)[j, h, i] = W_torch[h*p + j, i].
Outputs per case in <out>/<case>/: ssmkit.safetensors (config in the metadata) and
expected.safetensors (tokens I32, targets I32, logits F32, loss F64, grad.<name> F32).
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_ssm_fixtures as ms  # noqa: E402  (block math; its shape globals are set per level)
from make_mamba_fixtures import f32, rmsnorm, write_safetensors  # noqa: E402

DT = torch.float64
D, NL, POOL, EXP, N, W = 6, 2, [2, 3], 2, 3, 4
B, L = 2, 18
CASES = {
    "mixed_a": (("mamba", "s4d-lin"), ("s4-mlp", "s4d-real")),
    "mixed_b": (("mamba", "s6"), ("mamba", "s6-complex")),
}


def set_level(H, Lk):
    """Point make_ssm_fixtures' shape globals at a level of width H and length Lk."""
    ms.d, ms.Di, ms.N, ms.W, ms.R, ms.B, ms.L = H, 2 * H, N, W, math.ceil(H / 16), B, Lk


def block_params(p, pre, H, kind):
    """Parameters of one block (the names of models/README.md §Checkpoint names), drawn as make_ssm_fixtures does."""
    set_level(H, 1)
    ms.NL = 1
    q = ms.make_params(*kind)
    for k, v in q.items():
        if k.startswith("backbone.layers.0."):
            p[pre + k[len("backbone.layers.0."):]] = v.detach().to(DT)


def run_block(p, pre, x, kind):
    block, ssm = kind
    set_level(x.shape[2], x.shape[1])
    hn = rmsnorm(x, p[pre + "norm.weight"])
    if block == "mamba":
        return x + ms.mamba_block(p, pre + "mixer.", hn, ssm)
    r = x + ms.s4_block(p, pre + "mixer.", hn)
    return r + ms.mlp_block(p, pre + "mlp.", rmsnorm(r, p[pre + "norm2.weight"]))


def down_pool(x, Wt, b, p):
    """pooled[l, h*p + j] = x[l*p + j, h]; Linear(H*p -> H*e)."""
    Bn, Lk, H = x.shape
    pooled = x.reshape(Bn, Lk // p, p, H).permute(0, 1, 3, 2).reshape(Bn, Lk // p, H * p)
    return pooled @ Wt.T + b


def up_pool(y, Wt, b, p):
    """z = Linear(H -> (H/e)*p); shift right one frame with zeros; out[l*p + j, h] = z[l, h*p + j]."""
    Bn, Lc, _ = y.shape
    z = y @ Wt.T + b
    z = torch.cat([torch.zeros_like(z[:, :1]), z[:, :-1]], dim=1)
    Ho = z.shape[2] // p
    return z.reshape(Bn, Lc, Ho, p).permute(0, 1, 3, 2).reshape(Bn, Lc * p, Ho)


def make_params(outer, center):
    widths = [D * EXP ** k for k in range(len(POOL) + 1)]
    p = {"embedding.weight": torch.randn(256, D, dtype=DT) * 0.5}
    tw = {}  # torch-layout pool weights
    for k, pk in enumerate(POOL):
        for i in range(NL):
            block_params(p, f"down.{k}.blocks.{i}.", widths[k], outer)
        H, He = widths[k], widths[k + 1]
        tw[f"down.{k}.pool.weight"] = ms.U(He, H * pk, bound=1 / math.sqrt(H * pk))
        tw[f"down.{k}.pool.bias"] = ms.U(He, bound=1 / math.sqrt(H * pk))
    for i in range(NL):
        block_params(p, f"center.blocks.{i}.", widths[-1], center)
    for k in reversed(range(len(POOL))):
        Hi, Ho, pk = widths[k + 1], widths[k], POOL[k]
        tw[f"up.{k}.pool.weight"] = ms.U(Ho * pk, Hi, bound=1 / math.sqrt(Hi))
        tw[f"up.{k}.pool.bias"] = ms.U(Ho * pk, bound=1 / math.sqrt(Hi))
        for i in range(NL):
            block_params(p, f"up.{k}.blocks.{i}.", widths[k], outer)
    p["norm_f.weight"] = 1 + 0.2 * torch.randn(D, dtype=DT)
    p["lm_head.weight"] = ms.U(256, D, bound=1 / math.sqrt(D))
    p["lm_head.bias"] = ms.U(256, bound=1 / math.sqrt(D))
    p.update(tw)
    for k in p:
        p[k] = f32(p[k]).requires_grad_(True)
    return p


def unet(p, tokens, outer, center):
    x = p["embedding.weight"][tokens]
    outs = []
    for k, pk in enumerate(POOL):
        for i in range(NL):
            outs.append(x)
            x = run_block(p, f"down.{k}.blocks.{i}.", x, outer)
        outs.append(x)
        x = down_pool(x, p[f"down.{k}.pool.weight"], p[f"down.{k}.pool.bias"], pk)
    outs.append(x)
    for i in range(NL):
        x = run_block(p, f"center.blocks.{i}.", x, center)
    x = x + outs.pop()
    for k in reversed(range(len(POOL))):
        x = up_pool(x, p[f"up.{k}.pool.weight"], p[f"up.{k}.pool.bias"], POOL[k]) + outs.pop()
        for i in range(NL):
            x = run_block(p, f"up.{k}.blocks.{i}.", x, outer) + outs.pop()
    assert not outs
    return rmsnorm(x, p["norm_f.weight"]) @ p["lm_head.weight"].T + p["lm_head.bias"]


def to_ssmkit(name, t):
    """torch layout -> ssmkit's time-major pool layout (other tensors unchanged)."""
    k = int(name.split(".")[1]) if ".pool." in name else None
    if name.startswith("down.") and name.endswith("pool.weight"):
        He, Hp = t.shape
        return t.reshape(He, Hp // POOL[k], POOL[k]).permute(0, 2, 1).contiguous()
    if name.startswith("up.") and name.endswith("pool.weight"):
        Hop, Hi = t.shape
        return t.reshape(Hop // POOL[k], POOL[k], Hi).permute(1, 0, 2).contiguous()
    if name.startswith("up.") and name.endswith("pool.bias"):
        return t.reshape(-1, POOL[k]).T.contiguous()
    return t


def block_cfg(kind):
    return dict(block=kind[0], ssm=kind[1], d_state=N, d_conv=W, expand=2, dt_rank="auto")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/models/fixtures/unet_ref"
    torch.manual_seed(20261124)
    for case, (outer, center) in CASES.items():
        p = make_params(outer, center)
        tokens = torch.randint(0, 256, (B, L))
        targets = torch.randint(0, 256, (B, L))
        targets[0, 3] = targets[1, 10] = targets[1, 17] = -1
        logits = unet(p, tokens, outer, center)
        loss = F.cross_entropy(logits.reshape(-1, 256), targets.reshape(-1), ignore_index=-1)
        loss.backward()
        cfg = dict(arch="unet", d_model=D, n_layer=NL, pool=POOL, pool_expand=EXP, vocab_size=256, norm_epsilon=1e-5,
                   outer=block_cfg(outer), center=block_cfg(center))
        os.makedirs(os.path.join(out, case), exist_ok=True)
        write_safetensors(os.path.join(out, case, "ssmkit.safetensors"),
                          {k: to_ssmkit(k, v.detach()).to(torch.float32) for k, v in p.items()},
                          {"config": json.dumps(cfg)})
        exp = {"tokens": tokens.to(torch.int32), "targets": targets.to(torch.int32),
               "logits": logits.detach().to(torch.float32), "loss": loss.detach().reshape(1)}
        for k, v in p.items():
            exp["grad." + k] = to_ssmkit(k, v.grad).to(torch.float32)
        write_safetensors(os.path.join(out, case, "expected.safetensors"), exp,
                          {"script": "tests/reference/make_unet_fixtures.py", "torch": torch.__version__})
        print(f"{case}: {len(p)} tensors, loss {loss.item():.10f}")


if __name__ == "__main__":
    main()
