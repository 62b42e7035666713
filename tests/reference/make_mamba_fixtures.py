#!/usr/bin/python3
"""make_mamba_fixtures.py — PyTorch reference for the Mamba LM parity test (ctest label `ref`).

Run with the system python and Debian's python3-torch (mamba_ssm is not needed):
    /usr/bin/python3 tests/reference/make_mamba_fixtures.py tests/models/fixtures/mamba_ref

It builds a random Mamba LM (d_model 20: not a multiple of 16; d_state 6: not a multiple of 8;
3 layers; vocab 23 padded to 24), implements Mamba v1's math itself in float64 following
mamba_ssm's reference code (the block's forward, selective_scan_ref, Add -> RMSNorm -> Mixer,
tied head; DESIGN.md §Mamba semantics), runs batch 2 x length 13 (prime) and takes every gradient with autograd.
Outputs (all small):
    ssmkit.safetensors          ssmkit checkpoint (backbone.embedding.weight, config in metadata)
    mamba_ssm/config.json + model.safetensors      mamba_ssm names (incl. the tied lm_head.weight)
    hf/config.json + model-0000{1,2}-of-00002.safetensors + model.safetensors.index.json
                                Hugging Face transformers names (backbone.embeddings.weight), sharded
    expected.safetensors        tokens (I32), logits (F32, (b, L, 24)), loss (F64), and
                                "grad.<name>" for every parameter (F32), gradients of the mean loss
    tokens.u16                  the same tokens as a raw little-endian uint16 token file
Targets: position t predicts token t+1 (L-1 targets per sequence), as `ssmkit eval`.
"""
import json
import math
import os
import struct
import sys

import torch
import torch.nn.functional as F

torch.manual_seed(20240523)
DT = torch.float64

CFG = dict(d_model=20, n_layer=3, vocab_size=23, pad_vocab_size_multiple=8, d_state=6, d_conv=4,
           expand=2, dt_rank="auto", dt_min=0.001, dt_max=0.1, dt_init_floor=1e-4, dt_scale=1.0,
           norm_epsilon=1e-5, tie_embeddings=True)
d = CFG["d_model"]
Di = CFG["expand"] * d
N = CFG["d_state"]
W = CFG["d_conv"]
R = math.ceil(d / 16)
V = (CFG["vocab_size"] + 7) // 8 * 8
B, L = 2, 13
EPS = CFG["norm_epsilon"]


def f32(t):
    """Round to float32 (what the checkpoint stores) and compute in float64."""
    return t.to(torch.float32).to(DT)


def make_params():
    p = {}
    p["backbone.embedding.weight"] = f32(torch.randn(V, d) * 0.5)
    for i in range(CFG["n_layer"]):
        pre = f"backbone.layers.{i}."
        p[pre + "norm.weight"] = f32(1 + 0.2 * torch.randn(d))
        p[pre + "mixer.in_proj.weight"] = f32((torch.rand(2 * Di, d) * 2 - 1) / math.sqrt(d))
        p[pre + "mixer.conv1d.weight"] = f32((torch.rand(Di, 1, W) * 2 - 1) / math.sqrt(W))
        p[pre + "mixer.conv1d.bias"] = f32((torch.rand(Di) * 2 - 1) / math.sqrt(W))
        p[pre + "mixer.x_proj.weight"] = f32((torch.rand(R + 2 * N, Di) * 2 - 1) / math.sqrt(Di))
        p[pre + "mixer.dt_proj.weight"] = f32((torch.rand(Di, R) * 2 - 1) / math.sqrt(R))
        dt = torch.exp(torch.rand(Di) * (math.log(0.5) - math.log(0.01)) + math.log(0.01))
        p[pre + "mixer.dt_proj.bias"] = f32(dt + torch.log(-torch.expm1(-dt)))
        # A_log = log(1..N) plus noise so each state has its own decay
        p[pre + "mixer.A_log"] = f32(torch.log(torch.arange(1, N + 1, dtype=DT)).repeat(Di, 1) + 0.3 * torch.randn(Di, N))
        p[pre + "mixer.D"] = f32(1 + 0.5 * torch.randn(Di))
        p[pre + "mixer.out_proj.weight"] = f32((torch.rand(d, Di) * 2 - 1) / math.sqrt(Di))
    p["backbone.norm_f.weight"] = f32(1 + 0.2 * torch.randn(d))
    for t in p.values():
        t.requires_grad_(True)
    return p


def selective_scan_ref(u, delta, A, Bm, Cm, D, z, delta_bias):
    """mamba_ssm selective_scan_ref semantics (real A, variable B/C (b, N, L), softplus on)."""
    delta = F.softplus(delta + delta_bias[None, :, None])            # threshold 20 (PyTorch default)
    dA = torch.exp(torch.einsum("bdl,dn->bdln", delta, A))           # exp(delta A)
    dBu = torch.einsum("bdl,bnl,bdl->bdln", delta, Bm, u)             # B-bar = delta B (not ZOH)
    x = u.new_zeros(u.shape[0], u.shape[1], A.shape[1])
    ys = []
    for t in range(u.shape[2]):
        x = dA[:, :, t] * x + dBu[:, :, t]
        ys.append(torch.einsum("bdn,bn->bd", x, Cm[:, :, t]))
    y = torch.stack(ys, dim=2)
    out = y + u * D[:, None]
    return out * F.silu(z)


def mixer(p, pre, h):
    xz = (h @ p[pre + "in_proj.weight"].T).transpose(1, 2)            # (b, 2Di, L)
    x, z = xz[:, :Di], xz[:, Di:]
    x = F.conv1d(x, p[pre + "conv1d.weight"], p[pre + "conv1d.bias"], padding=W - 1, groups=Di)[..., :L]
    x = F.silu(x)                                                      # (b, Di, L)
    x_dbl = x.transpose(1, 2) @ p[pre + "x_proj.weight"].T            # (b, L, R + 2N)
    dt, Bm, Cm = x_dbl[..., :R], x_dbl[..., R:R + N], x_dbl[..., R + N:]
    dt = (dt @ p[pre + "dt_proj.weight"].T).transpose(1, 2)           # (b, Di, L), bias in the scan
    A = -torch.exp(p[pre + "A_log"])
    y = selective_scan_ref(x, dt, A, Bm.transpose(1, 2), Cm.transpose(1, 2), p[pre + "D"], z,
                           p[pre + "dt_proj.bias"])
    return y.transpose(1, 2) @ p[pre + "out_proj.weight"].T           # (b, L, d)


def rmsnorm(x, w):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS) * w


def lm(p, tokens):
    hidden = p["backbone.embedding.weight"][tokens]
    residual = None
    for i in range(CFG["n_layer"]):
        pre = f"backbone.layers.{i}."
        residual = hidden if residual is None else hidden + residual  # Block: Add -> Norm -> Mixer
        hidden = mixer(p, pre + "mixer.", rmsnorm(residual, p[pre + "norm.weight"]))
    hf = rmsnorm(hidden + residual, p["backbone.norm_f.weight"])
    return hf @ p["backbone.embedding.weight"].T                       # tied head


# ---- safetensors writer (the format is simple: u64 header length, JSON header, raw data) ----
DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.int32: "I32"}


def write_safetensors(path, tensors, metadata=None):
    header, blobs, off = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        t = t.detach().contiguous()
        raw = t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for raw in blobs:
            f.write(raw)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/models/fixtures/mamba_ref"
    os.makedirs(os.path.join(out, "mamba_ssm"), exist_ok=True)
    os.makedirs(os.path.join(out, "hf"), exist_ok=True)
    p = make_params()
    tokens = torch.randint(0, CFG["vocab_size"], (B, L))
    logits = lm(p, tokens)
    # position t predicts t+1; mean over the B*(L-1) targets
    loss = F.cross_entropy(logits[:, :-1].reshape(-1, V), tokens[:, 1:].reshape(-1))
    loss.backward()

    w32 = {k: v.detach().to(torch.float32) for k, v in p.items()}
    cfg_ssmkit = dict(CFG, arch="mamba-lm")
    write_safetensors(os.path.join(out, "ssmkit.safetensors"), w32, {"config": json.dumps(cfg_ssmkit)})
    # mamba_ssm: config.json of MambaConfig, state_dict names incl. the tied lm_head.weight
    ms = dict(w32)
    ms["lm_head.weight"] = w32["backbone.embedding.weight"].clone()
    write_safetensors(os.path.join(out, "mamba_ssm", "model.safetensors"), ms)
    with open(os.path.join(out, "mamba_ssm", "config.json"), "w") as f:
        json.dump(dict(d_model=d, d_intermediate=0, n_layer=CFG["n_layer"], vocab_size=CFG["vocab_size"],
                       ssm_cfg=dict(d_state=N, d_conv=W, expand=2), attn_layer_idx=[], attn_cfg={},
                       rms_norm=True, residual_in_fp32=True, fused_add_norm=True, pad_vocab_size_multiple=8,
                       tie_embeddings=True), f, indent=2)
    # Hugging Face transformers: MambaConfig names, embeddings (plural), no padding, two shards
    hf = {("backbone.embeddings.weight" if k == "backbone.embedding.weight" else k): v for k, v in w32.items()}
    names = list(hf)
    shards = [names[: len(names) // 2], names[len(names) // 2:]]
    weight_map = {}
    for i, part in enumerate(shards):
        fn = f"model-0000{i + 1}-of-00002.safetensors"
        write_safetensors(os.path.join(out, "hf", fn), {k: hf[k] for k in part}, {"format": "pt"})
        weight_map.update({k: fn for k in part})
    with open(os.path.join(out, "hf", "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": sum(v.numel() * 4 for v in hf.values())}, "weight_map": weight_map}, f, indent=2)
    with open(os.path.join(out, "hf", "config.json"), "w") as f:
        json.dump(dict(architectures=["MambaForCausalLM"], model_type="mamba", hidden_size=d, intermediate_size=Di,
                       num_hidden_layers=CFG["n_layer"], vocab_size=V, state_size=N, conv_kernel=W, expand=2,
                       time_step_rank=R, time_step_min=0.001, time_step_max=0.1, time_step_floor=1e-4,
                       time_step_scale=1.0, time_step_init_scheme="random", layer_norm_epsilon=EPS,
                       use_bias=False, use_conv_bias=True, hidden_act="silu", residual_in_fp32=True,
                       tie_word_embeddings=True, torch_dtype="float32"), f, indent=2)
    exp = {"tokens": tokens.to(torch.int32), "logits": logits.detach().to(torch.float32),
           "loss": loss.detach().reshape(1)}
    for k, v in p.items():
        exp["grad." + k] = v.grad.to(torch.float32)
    write_safetensors(os.path.join(out, "expected.safetensors"), exp,
                      {"script": "tests/reference/make_mamba_fixtures.py", "torch": torch.__version__})
    with open(os.path.join(out, "tokens.u16"), "wb") as f:
        f.write(struct.pack("<%dH" % (B * L), *tokens.reshape(-1).tolist()))
    print(f"wrote {out}: loss {loss.item():.10f}")


if __name__ == "__main__":
    main()
