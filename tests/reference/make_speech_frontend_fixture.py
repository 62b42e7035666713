#!/usr/bin/python3
"""make_speech_frontend_fixture.py — float64 reference of the log-mel clip front-end of the speech
scorer (audio/sk_audio_clips.h), written with numpy / scipy from Debian (python3-numpy,
python3-scipy), independently of ssmkit's code:

    /usr/bin/python3 tests/reference/make_speech_frontend_fixture.py tests/audio/fixtures/speech_frontend.txt

Two clips of mu-law tokens (one shorter than the clip length, one longer) are decoded (x^ = q/128 - 1,
x = sign(x^) ((1 + 255)^|x^| - 1) / 255, rounded to float32 as the decoder's table is), padded with
zeros or cut to the clip length, cut into frames of n_fft samples every hop samples, windowed by
scipy's periodic Hann window, transformed by numpy's rfft; the power goes through triangular HTK
mel filters built here, then ln(max(floor, .)) and (v - mean) / std with the given mean and std.
The file is plain text: 'name rows cols' then the values, one per line (%.17g).
"""
import sys

import numpy as np
import scipy.signal

rng = np.random.default_rng(20261207)
rate, length, n_fft, hop, n_mels, fmin, fmax, floor = 16000, 4000, 400, 160, 40, 20.0, 8000.0, 1e-6


def tokens(n):
    t = np.arange(n)
    x = 0.6 * np.sin(2 * np.pi * 440 * t / rate) * np.exp(-t / 2500) + 0.25 * np.sin(2 * np.pi * 2300 * t / rate + 0.3)
    x = x + 0.05 * rng.normal(size=n)
    y = np.sign(x) * np.log1p(255 * np.abs(x)) / np.log1p(255)
    return np.clip(np.floor((y + 1) / 2 * 255.99 + 0.005), 0, 255).astype(np.int64)


def decode(q):
    xh = q / 128.0 - 1
    return (np.sign(xh) * ((1 + 255.0) ** np.abs(xh) - 1) / 255).astype(np.float32).astype(np.float64)


def fit(x):
    out = np.zeros(length)
    out[: min(len(x), length)] = x[:length]
    return out


def mel_filters():
    def mel(f):
        return 2595 * np.log10(1 + f / 700)

    def hz(m):
        return 700 * (10 ** (m / 2595) - 1)

    pts = hz(np.linspace(mel(fmin), mel(fmax), n_mels + 2))
    freqs = np.arange(n_fft // 2 + 1) * rate / n_fft
    f = np.zeros((n_mels, n_fft // 2 + 1))
    for b in range(n_mels):
        lo, c, hi = pts[b], pts[b + 1], pts[b + 2]
        f[b] = np.maximum(0, np.where(freqs <= c, (freqs - lo) / (c - lo), (hi - freqs) / (hi - c)))
    return f


def logmel(x):
    frames = 1 + (len(x) - n_fft) // hop
    w = scipy.signal.get_window("hann", n_fft, fftbins=True)
    seg = np.stack([x[t * hop : t * hop + n_fft] * w for t in range(frames)])
    power = np.abs(np.fft.rfft(seg, axis=1)) ** 2
    return np.log(np.maximum(floor, power @ mel_filters().T))


qa, qb = tokens(3000), tokens(5000)
mean = rng.normal(size=n_mels) * 3 - 5
std = rng.uniform(0.5, 4, size=n_mels)
out = []


def put(name, a):
    a = np.atleast_2d(np.asarray(a, dtype=np.float64))
    out.append("%s %d %d" % (name, a.shape[0], a.shape[1]))
    out.extend("%.17g" % v for v in a.ravel())


put("settings", [rate, length, n_fft, hop, n_mels, fmin, fmax, floor])
put("tokens_a", qa)
put("tokens_b", qb)
put("mean", mean)
put("std", std)
for tag, q in (("a", qa), ("b", qb)):
    v = logmel(fit(decode(q)))
    put("logmel_" + tag, v)
    put("frames_" + tag, (v - mean) / std)
with open(sys.argv[1], "w") as f:
    f.write("\n".join(out) + "\n")
