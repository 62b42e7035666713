#!/usr/bin/env python3
"""make_seeds.py — writes the seed corpora of tests/fuzz/corpus/ (small valid files and near-valid
variants of each format). Run from the repository root: python3 tests/fuzz/make_seeds.py.
The seeds are committed; rerun only to change them."""
import json
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(harness, name, data):
    d = os.path.join(ROOT, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# ---- safetensors ----------------------------------------------------------------------------
def st(tensors, meta=None, pad=True, header_override=None):
    """tensors: list of (name, dtype, shape, raw bytes)."""
    h, blob = {}, b""
    if meta is not None:
        h["__metadata__"] = meta
    for name, dt, shape, raw in tensors:
        h[name] = {"dtype": dt, "shape": shape, "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    text = header_override if header_override is not None else json.dumps(h, separators=(",", ":"))
    text = text.encode()
    if pad:
        text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + blob


f32 = struct.pack("<6f", 0.5, -1.0, 2.0, 3.25, 1e-3, -7.0)
f16 = struct.pack("<4H", 0x3C00, 0xC000, 0x7C00, 0x0001)
bf16 = struct.pack("<4H", 0x3F80, 0xC000, 0x7F80, 0x7FC0)
f64 = struct.pack("<2d", 1.5, -2.25)
i64 = struct.pack("<2q", 7, -9)
cfg = json.dumps({"arch": "mamba-lm", "d_model": 8, "n_layer": 1, "vocab_size": 4})
put("safetensors", "f32", st([("w", "F32", [2, 3], f32)]))
put("safetensors", "mixed", st([("a", "F16", [4], f16), ("b", "BF16", [2, 2], bf16), ("c", "F64", [2], f64),
                                 ("d", "I64", [2], i64), ("e", "U8", [3], b"\x01\x02\x03"),
                                 ("f", "BOOL", [1], b"\x01"), ("g", "I8", [], b"\xff")]))
put("safetensors", "meta", st([("backbone.embedding.weight", "F32", [1, 6], f32)],
                              meta={"config": cfg, "format": "pt"}))
put("safetensors", "empty_tensor", st([("z", "F32", [0, 5], b""), ("w", "F32", [6], f32)]))
put("safetensors", "no_tensors", st([], meta={"k": "v"}))
put("safetensors", "truncated", st([("w", "F32", [2, 3], f32)])[:-5])
put("safetensors", "overlap", st([], header_override='{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
                                 '"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}') + b"\0" * 12)
put("safetensors", "bad_dtype", st([("w", "F8", [2], b"\0\0")]))
put("safetensors", "dup", st([], header_override='{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},'
                             '"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}') + b"\0\0")
put("safetensors", "trailing", st([], header_override='{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}x')
    + b"\0")

# ---- token shards ---------------------------------------------------------------------------
def shard(examples, meta, tw=1, version=1, fix=None):
    """examples: list of (tokens, label, split)."""
    m = json.dumps(meta, separators=(",", ":")).encode()
    dof = (64 + len(m) + 7) & ~7
    data, index, nt = b"", b"", 0
    for toks, label, split in examples:
        data += bytes(toks) if tw == 1 else struct.pack("<%dH" % len(toks), *toks)
        index += struct.pack("<QQiB3x", nt, len(toks), label, split)
        nt += len(toks)
    iof = (dof + len(data) + 7) & ~7
    hdr = dict(magic=b"SKSHARD\0", version=version, tw=tw, n=len(examples), nt=nt, mo=64, ml=len(m), dof=dof, iof=iof)
    if fix:
        hdr.update(fix)
    h = hdr["magic"] + struct.pack("<IIQQQQQQ", hdr["version"], hdr["tw"], hdr["n"], hdr["nt"], hdr["mo"], hdr["ml"],
                                   hdr["dof"], hdr["iof"])
    body = h + m + b"\0" * (dof - 64 - len(m)) + data + b"\0" * (iof - dof - len(data)) + index
    return body


dna = {"vocab": ["<pad>", "A", "C", "G", "T", "N"], "pad_token": 0, "pad_rule": "ignore", "domain": "dna",
       "labels": ["human", "fly"]}
audio = {"vocab": {"size": 256}, "pad_token": 128, "pad_rule": "none", "domain": "audio"}
ex = [([1, 2, 3, 4, 5], 0, 0), ([4, 3], 1, 1), ([], -1, 2), ([1, 1, 2], 0, 2)]
put("shard", "dna", shard(ex, dna))
put("shard", "audio", shard([(list(range(0, 256, 16)), -1, 0), ([128] * 5, 3, 2)], audio))
put("shard", "wide", shard([([0, 300, 65535], 2, 0), ([7], -1, 1)],
                           {"vocab": {"size": 65536}, "pad_token": 0, "pad_rule": "ignore"}, tw=2))
put("shard", "empty", shard([], dna))
put("shard", "truncated", shard(ex, dna)[:-7])
put("shard", "newer", shard(ex, dna, version=2))
put("shard", "bad_index", shard(ex, dna, fix={"iof": 8}))
put("shard", "bad_meta", shard(ex, {"vocab": ["a"], "pad_token": 3, "pad_rule": "ignore"}))
put("shard", "header_only", shard([], dna)[:64])

# ---- configs --------------------------------------------------------------------------------
lm = {"arch": "mamba-lm", "d_model": 16, "n_layer": 2, "vocab_size": 12, "pad_vocab_size_multiple": 8,
      "d_state": 4, "d_conv": 4, "expand": 2, "dt_rank": "auto", "dt_min": 0.001, "dt_max": 0.1,
      "dt_init_floor": 0.0001, "dt_scale": 1.0, "norm_epsilon": 1e-05, "tie_embeddings": True,
      "train": {"length": 64, "batch": 2, "steps": 10, "lr": 0.004}}
put("config", "lm.json", json.dumps(lm, indent=1))
put("config", "lm_min.json", json.dumps({"d_model": 8, "n_layer": 1, "vocab_size": 4}))
put("config", "s4.json", json.dumps({"d_model": 8, "n_layer": 2, "vocab_size": 256, "block": "s4-mlp",
                                    "ssm": "s4d-lin", "d_state": 8}))
put("config", "unet.json", json.dumps({"arch": "unet", "d_model": 8, "n_layer": 2, "vocab_size": 256,
                                      "pool": [4, 4], "pool_expand": 2, "norm_epsilon": 1e-5,
                                      "outer": {"block": "s4-mlp", "ssm": "s4d-lin", "d_state": 8},
                                      "center": {"block": "mamba", "d_state": 4}}))
put("config", "classifier.json", json.dumps({"arch": "mamba-classifier", "classes": ["a", "b"], "pool": "mean",
                                            "pad_token": 0, "backbone": {"d_model": 8, "n_layer": 1,
                                                                         "vocab_size": 12}}))
put("config", "classifier_bad_pool.json", json.dumps({"arch": "mamba-classifier", "classes": ["a"], "pool": 5,
                                                     "backbone": {"d_model": 8, "n_layer": 1, "vocab_size": 12}}))
put("config", "hf.json", json.dumps({"hidden_size": 16, "num_hidden_layers": 2, "vocab_size": 50, "state_size": 4,
                                    "conv_kernel": 4, "expand": 2, "time_step_rank": "auto",
                                    "layer_norm_epsilon": 1e-5, "tie_word_embeddings": True, "use_bias": False,
                                    "use_conv_bias": True, "hidden_act": "silu"}))
put("config", "mamba_ssm.json", json.dumps({"d_model": 16, "n_layer": 2, "vocab_size": 50, "ssm_cfg": {"d_state": 4},
                                           "rms_norm": True, "residual_in_fp32": True, "fused_add_norm": True,
                                           "pad_vocab_size_multiple": 8, "tie_embeddings": True}))
put("config", "dup_key.json", '{"d_model": 8, "n_layer": 1, "d_model": 9, "vocab_size": 4}')
put("config", "trailing.json", '{"d_model": 8, "n_layer": 1, "vocab_size": 4} x')
put("config", "huge.json", json.dumps({"d_model": 2147483648, "n_layer": 1000000000, "vocab_size": 4}))
put("config", "nested.json", "[" * 40 + "]" * 40)

# ---- BED (against the FASTA of fuzz_bed.c: chr1 18 bases, chr2 2, chrM 20) --------------------
bed = {"split.bed": "chr1\t0\t10\ttrain\nchr2\t0\t2\tvalid\nchrM\t5\t20\ttest\n",
       "plain.bed": "# comment\ntrack name=x\nbrowser position chr1\nchr1\t3\t18\nchrM\t0\t1\tname\t0\t+\n",
       "beyond.bed": "chr1\t0\t19\ttrain\n", "unknown.bed": "chr3\t0\t1\n", "empty_iv.bed": "chr1\t5\t5\n",
       "spaces.bed": "chr1 0 10\n", "badsplit.bed": "chr1\t0\t10\tval\n"}
for name, text in bed.items():
    put("bed", name, text)
try:  # a bgzip-compressed BED, when htslib's bgzip is installed
    import subprocess
    put("bed", "bgz.bed.gz", subprocess.run(["bgzip", "-c"], input=b"chr1\t0\t10\ttrain\nchr2\t0\t2\n",
                                            capture_output=True, check=True).stdout)
except (OSError, subprocess.CalledProcessError):
    pass
