#!/usr/bin/python3
"""make_speech_metric_fixtures.py — float64 reference values of the speech-scorer metrics
(audio/README.md §Speech scores), written with numpy / scipy from Debian (python3-numpy,
python3-scipy), independently of ssmkit's code:

    /usr/bin/python3 tests/reference/make_speech_metric_fixtures.py tests/audio/fixtures/speech_metrics.txt

Arrays: two feature sets (rows = clips), a balanced and an imbalanced probability set (the
imbalanced one puts almost all mass on 5 of 10 classes, unevenly), a reference probability set
and a list of index pairs for mIS. Values:
  fid          |mu_a - mu_b|^2 + Tr(S_a + S_b - 2 sqrtm(S_a S_b)), np.cov (unbiased), scipy sqrtm
  is_sashimi   exp(mean(scipy.stats.entropy(P, tiled marginal))) with entropy's default axis 0,
               i.e. each class column normalised over the clips
  is_textbook  exp(mean over clips of KL(p_i || mean p))
  mis          exp(mean over the given pairs of KL(p_i || p_j))
  am           KL(mean p_ref || mean p) + mean over clips of H(p_i)
The file is plain text: 'name rows cols' then the values, one per line (%.17g).
"""
import sys

import numpy as np
import scipy.linalg
import scipy.stats

rng = np.random.default_rng(20261206)


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


d = 6
fa = rng.normal(size=(40, d)) @ rng.normal(size=(d, d)) + rng.normal(size=d)
fb = rng.normal(size=(33, d)) @ rng.normal(size=(d, d)) * 0.7 + 0.5
pb = softmax(rng.normal(size=(50, 10)) * 3)                       # roughly balanced
logits = rng.normal(size=(60, 10))
cls = rng.choice(5, size=60, p=[0.4, 0.25, 0.15, 0.12, 0.08])     # 5 of 10 classes, uneven
logits[np.arange(60), cls] += 6
pi = softmax(logits)
pr = softmax(rng.normal(size=(45, 10)) * 2)
pairs = rng.integers(0, 60, size=(200, 2))


def fid(a, b):
    ma, mb = a.mean(0), b.mean(0)
    sa, sb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    s = scipy.linalg.sqrtm(sa @ sb)
    return float(np.sum((ma - mb) ** 2) + np.trace(sa + sb - 2 * s).real)


def is_sashimi(p):
    marg = np.tile(p.mean(0, keepdims=True), (p.shape[0], 1))
    return float(np.exp(scipy.stats.entropy(p, marg).mean()))


def is_textbook(p):
    m = p.mean(0)
    return float(np.exp(np.mean([scipy.stats.entropy(x, m) for x in p])))


def mis(p, pr_):
    return float(np.exp(np.mean([scipy.stats.entropy(p[i], p[j]) for i, j in pr_])))


def am(pref, p):
    return float(scipy.stats.entropy(pref.mean(0), p.mean(0)) + np.mean([scipy.stats.entropy(x) for x in p]))


out = []


def put(name, a):
    a = np.atleast_2d(np.asarray(a, dtype=np.float64))
    out.append("%s %d %d" % (name, a.shape[0], a.shape[1]))
    out.extend("%.17g" % v for v in a.ravel())


put("feat_a", fa)
put("feat_b", fb)
put("prob_bal", pb)
put("prob_imb", pi)
put("prob_ref", pr)
put("pairs", pairs)
put("fid", fid(fa, fb))
put("fid_self", fid(fa, fa))
for tag, p in (("bal", pb), ("imb", pi)):
    put("is_sashimi_" + tag, is_sashimi(p))
    put("is_textbook_" + tag, is_textbook(p))
put("mis_imb", mis(pi, pairs))
put("am_imb", am(pr, pi))
with open(sys.argv[1], "w") as f:
    f.write("\n".join(out) + "\n")
