#!/usr/bin/python3
"""make_ssm_fixtures.py — PyTorch reference for the SSM layer family (models/README.md §Block kinds), ctest label `ref`.

Run with the system python and Debian's python3-torch:
    /usr/bin/python3 tests/reference/make_ssm_fixtures.py tests/models/fixtures/ssm_ref

For each block kind it builds a small random LM (d_model 20: not a multiple of 16; d_state 5;
2 layers; vocab 23 padded to 24), implements the math itself in float64 / complex128 from the
specifications (not from ssmkit's code), runs batch 2 x length 13 (prime) and takes every
gradient of the mean next-token loss with autograd:
    s6_complex      Mamba block, complex S6 (DESIGN.md §Mamba semantics: x_proj -> dt, B, C with B and C as
                    N interleaved (re, im) pairs; A = -exp(A_log) + i A_imag; y = 2 Re(sum C h))
    mamba_s4d_real  Mamba-S4: the Mamba block with an S4D-Real mixer (DESIGN.md §SSM layer family)
    mamba_s4d_lin   Mamba-S4 with S4D-Lin (complex)
    s4mlp_real      S4 block (S4D, GELU, Linear 2H, GLU) + MLP block (Linear 2H, GELU, Linear),
                    each pre-norm residual (DESIGN.md §SSM layer family), S4D-Real
    s4mlp_lin       the same with S4D-Lin
S4D is the ZOH recurrence written directly (DESIGN.md §SSM layer family): per channel dt = exp(log_dt),
dA = exp(dt A), dB = B (exp(dt A) - 1) / A, h = dA h + dB u, y = 2 Re(sum C h) (complex) or
sum C h (real), + D u. Norms are RMSNorm (eps 1e-5) as in the Mamba LM; the head is tied.
Outputs per kind, in <out>/<kind>/: ssmkit.safetensors (config in the metadata) and
expected.safetensors (tokens I32, logits F32, loss F64, grad.<name> F32).
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_mamba_fixtures import f32, rmsnorm, write_safetensors  # noqa: E402  (shared writer, RMSNorm)

DT = torch.float64
d, NL, VOCAB, N, W, R = 20, 2, 23, 5, 4, math.ceil(20 / 16)
Di = 2 * d
V = (VOCAB + 7) // 8 * 8
B, L = 2, 13
KINDS = {  # name: (block, ssm)
    "s6_complex": ("mamba", "s6-complex"),
    "mamba_s4d_real": ("mamba", "s4d-real"),
    "mamba_s4d_lin": ("mamba", "s4d-lin"),
    "s4mlp_real": ("s4-mlp", "s4d-real"),
    "s4mlp_lin": ("s4-mlp", "s4d-lin"),
}


def U(*shape, bound):
    return (torch.rand(*shape, dtype=DT) * 2 - 1) * bound


def make_params(block, ssm):
    cplx = ssm in ("s6-complex", "s4d-lin")
    s4d = ssm.startswith("s4d")
    H = d if block == "s4-mlp" else Di
    K = 2 if cplx else 1
    p = {"backbone.embedding.weight": torch.randn(V, d, dtype=DT) * 0.5}
    for i in range(NL):
        pre = f"backbone.layers.{i}."
        p[pre + "norm.weight"] = 1 + 0.2 * torch.randn(d, dtype=DT)
        if block == "mamba":
            p[pre + "mixer.in_proj.weight"] = U(2 * Di, d, bound=1 / math.sqrt(d))
            p[pre + "mixer.conv1d.weight"] = U(Di, 1, W, bound=0.5)
            p[pre + "mixer.conv1d.bias"] = U(Di, bound=0.5)
        if not s4d:
            p[pre + "mixer.x_proj.weight"] = U(R + 2 * K * N, Di, bound=1 / math.sqrt(Di))
            p[pre + "mixer.dt_proj.weight"] = U(Di, R, bound=1 / math.sqrt(R))
            dt = torch.exp(torch.rand(Di, dtype=DT) * (math.log(0.5) - math.log(0.01)) + math.log(0.01))
            p[pre + "mixer.dt_proj.bias"] = dt + torch.log(-torch.expm1(-dt))
        else:
            p[pre + "mixer.log_dt"] = torch.rand(H, dtype=DT) * (math.log(0.5) - math.log(0.01)) + math.log(0.01)
        n = torch.arange(N, dtype=DT)
        if cplx:  # S4D-Lin init plus noise: A_log = log 1/2, A_imag = pi n
            p[pre + "mixer.A_log"] = math.log(0.5) + 0.3 * torch.randn(H, N, dtype=DT)
            p[pre + "mixer.A_imag"] = math.pi * n.repeat(H, 1) + 0.3 * torch.randn(H, N, dtype=DT)
        else:     # S4D-Real: A_log = log(n + 1)
            p[pre + "mixer.A_log"] = torch.log(n + 1).repeat(H, 1) + 0.3 * torch.randn(H, N, dtype=DT)
        if s4d:
            shape = (H, N, 2) if cplx else (H, N)
            p[pre + "mixer.B"] = 1 + 0.3 * torch.randn(*shape, dtype=DT)
            p[pre + "mixer.C"] = torch.randn(*shape, dtype=DT) * (math.sqrt(0.5) if cplx else 1)
        p[pre + "mixer.D"] = 1 + 0.5 * torch.randn(H, dtype=DT)
        if block == "mamba":
            p[pre + "mixer.out_proj.weight"] = U(d, Di, bound=1 / math.sqrt(Di))
        else:
            p[pre + "mixer.output_linear.weight"] = U(2 * d, d, bound=1 / math.sqrt(d))
            p[pre + "mixer.output_linear.bias"] = U(2 * d, bound=1 / math.sqrt(d))
            p[pre + "norm2.weight"] = 1 + 0.2 * torch.randn(d, dtype=DT)
            p[pre + "mlp.fc1.weight"] = U(2 * d, d, bound=1 / math.sqrt(d))
            p[pre + "mlp.fc1.bias"] = U(2 * d, bound=1 / math.sqrt(d))
            p[pre + "mlp.fc2.weight"] = U(d, 2 * d, bound=1 / math.sqrt(2 * d))
            p[pre + "mlp.fc2.bias"] = U(d, bound=1 / math.sqrt(2 * d))
    p["backbone.norm_f.weight"] = 1 + 0.2 * torch.randn(d, dtype=DT)
    for k in p:
        p[k] = f32(p[k]).requires_grad_(True)
    return p


def A_of(p, pre):
    A = -torch.exp(p[pre + "A_log"])
    if pre + "A_imag" in p:
        A = torch.complex(A, p[pre + "A_imag"])
    return A


def recurrence(dA, dBu, Cm):
    """h_t = dA_t h_{t-1} + dBu_t, y_t = sum_n C_t h_t (complex: 2 Re). dA, dBu: (b, L, H, N);
    Cm: (b, L, 1, N) or (H, N)."""
    h = torch.zeros(dBu.shape[0], dBu.shape[2], dBu.shape[3], dtype=dBu.dtype)
    ys = []
    for t in range(dBu.shape[1]):
        h = dA[:, t] * h + dBu[:, t]
        c = Cm[:, t] if Cm.dim() == 4 else Cm
        ys.append((h * c).sum(-1))
    y = torch.stack(ys, dim=1)
    return 2 * y.real if y.is_complex() else y


def s4d(p, pre, u):
    """S4D with ZOH, written directly: u (b, L, H) -> (b, L, H), D skip included."""
    dt = torch.exp(p[pre + "log_dt"])                       # (H)
    A = A_of(p, pre)                                        # (H, N)
    dtA = dt[:, None] * A
    Bc, Cc = p[pre + "B"], p[pre + "C"]
    if A.is_complex():
        Bc, Cc = torch.view_as_complex(Bc), torch.view_as_complex(Cc)
    dA = torch.exp(dtA)                                     # ZOH: exp(dt A)
    dB = Bc * (torch.exp(dtA) - 1) / A                      # ZOH: (exp(dt A) - 1) A^-1 B
    dBu = dB[None, None] * u[..., None]
    y = recurrence(dA.expand(u.shape[0], u.shape[1], *dA.shape), dBu, Cc)
    return y + u * p[pre + "D"]


def s6(p, pre, x):
    """Selective scan of a Mamba block, x (b, L, Di) after conv + SiLU; real or complex."""
    A = A_of(p, pre)
    K = 2 if A.is_complex() else 1
    x_dbl = x @ p[pre + "x_proj.weight"].T                  # (b, L, R + 2KN)
    delta = F.softplus(x_dbl[..., :R] @ p[pre + "dt_proj.weight"].T + p[pre + "dt_proj.bias"])
    Bm, Cm = x_dbl[..., R:R + K * N], x_dbl[..., R + K * N:]
    if K == 2:  # columns (2n, 2n+1) = (re, im) of mode n
        Bm = torch.view_as_complex(Bm.reshape(B, L, N, 2).contiguous())
        Cm = torch.view_as_complex(Cm.reshape(B, L, N, 2).contiguous())
    dA = torch.exp(delta[..., None] * A)                    # (b, L, Di, N)
    dBu = delta[..., None] * Bm[:, :, None, :] * x[..., None]   # B-bar = delta B (mamba_ssm)
    y = recurrence(dA, dBu, Cm[:, :, None, :])
    return y + x * p[pre + "D"]


def mamba_block(p, pre, h, ssm):
    xz = h @ p[pre + "in_proj.weight"].T                    # (b, L, 2Di)
    x, z = xz[..., :Di], xz[..., Di:]
    x = F.conv1d(x.transpose(1, 2), p[pre + "conv1d.weight"], p[pre + "conv1d.bias"], padding=W - 1, groups=Di)[..., :L]
    x = F.silu(x).transpose(1, 2)                           # (b, L, Di)
    y = s4d(p, pre, x) if ssm.startswith("s4d") else s6(p, pre, x)
    return (y * F.silu(z)) @ p[pre + "out_proj.weight"].T


def s4_block(p, pre, h):
    y = F.gelu(s4d(p, pre, h))                              # exact (erf) GELU
    y = y @ p[pre + "output_linear.weight"].T + p[pre + "output_linear.bias"]
    return F.glu(y, dim=-1)                                 # first half * sigmoid(second half)


def mlp_block(p, pre, h):
    y = F.gelu(h @ p[pre + "fc1.weight"].T + p[pre + "fc1.bias"])
    return y @ p[pre + "fc2.weight"].T + p[pre + "fc2.bias"]


def lm(p, tokens, block, ssm):
    r = p["backbone.embedding.weight"][tokens]
    for i in range(NL):
        pre = f"backbone.layers.{i}."
        hn = rmsnorm(r, p[pre + "norm.weight"])
        if block == "mamba":
            r = r + mamba_block(p, pre + "mixer.", hn, ssm)
        else:
            r = r + s4_block(p, pre + "mixer.", hn)
            r = r + mlp_block(p, pre + "mlp.", rmsnorm(r, p[pre + "norm2.weight"]))
    return rmsnorm(r, p["backbone.norm_f.weight"]) @ p["backbone.embedding.weight"].T


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/models/fixtures/ssm_ref"
    torch.manual_seed(20261123)
    for kind, (block, ssm) in KINDS.items():
        p = make_params(block, ssm)
        tokens = torch.randint(0, VOCAB, (B, L))
        logits = lm(p, tokens, block, ssm)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, V), tokens[:, 1:].reshape(-1))
        loss.backward()
        cfg = dict(arch="mamba-lm", d_model=d, n_layer=NL, vocab_size=VOCAB, pad_vocab_size_multiple=8, d_state=N,
                   d_conv=W, expand=2, dt_rank="auto", norm_epsilon=1e-5, tie_embeddings=True, ssm=ssm, block=block)
        os.makedirs(os.path.join(out, kind), exist_ok=True)
        write_safetensors(os.path.join(out, kind, "ssmkit.safetensors"),
                          {k: v.detach().to(torch.float32) for k, v in p.items()}, {"config": json.dumps(cfg)})
        exp = {"tokens": tokens.to(torch.int32), "logits": logits.detach().to(torch.float32),
               "loss": loss.detach().reshape(1)}
        for k, v in p.items():
            exp["grad." + k] = v.grad.to(torch.float32)
        write_safetensors(os.path.join(out, kind, "expected.safetensors"), exp,
                          {"script": "tests/reference/make_ssm_fixtures.py", "torch": torch.__version__})
        print(f"{kind}: {len(p)} tensors, loss {loss.item():.10f}")


if __name__ == "__main__":
    main()
