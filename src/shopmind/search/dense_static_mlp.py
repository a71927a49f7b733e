"""A small nonlinear correction on top of static-fit's ridge map (``fit_map = "mlp"``; session 34,
t17s, issue 17 item 2; off by default).

Why: static-fit maps a title's pooled word vector into e5's (centred) title space by one linear
map, and loses ~0.006 NDCG@10 to e5 under fusion + LTR (docs/BENCHMARKS.md). A title's e5 vector
is not a linear function of its words' mean (word order, how many words, numbers), so a small
residual MLP is fitted on the same sample titles: ``x W + relu([x, f] A + b) B`` with ``W`` the
ridge map (kept), ``f`` two cheap features of the text (log word count, share of words with a
digit). Trained in numpy (no new dependency): full-batch Adam on the squared error to the
centred e5 vectors, seeded, weight decay, and stopped at the best cosine error on a held-out
tenth of the sample (sample titles only: no query is seen).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from shopmind.search.dense_encoders import l2_normalise

#: Hidden width, epochs, Adam step, L2 decay and the held-out share of the fit sample.
HIDDEN, EPOCHS, LR, DECAY, HOLDOUT = 256, 300, 2e-4, 1e-4, 0.1


def text_features(docs: list[list[str]]) -> np.ndarray:
    """Per text: log(1 + word count) / 3 and the share of its words holding a digit."""
    out = np.zeros((len(docs), 2), dtype=np.float32)
    for i, d in enumerate(docs):
        out[i, 0] = math.log1p(len(d)) / 3.0
        out[i, 1] = sum(any(c.isdigit() for c in w) for w in d) / len(d) if d else 0.0
    return out


class ResidualMLP:
    """``x W + relu([x, f] A + b) B`` (float32 at use)."""

    def __init__(self, w: np.ndarray, a: np.ndarray, b: np.ndarray, bb: np.ndarray) -> None:
        self.w, self.a, self.b, self.bb = (np.ascontiguousarray(m, dtype=np.float32) for m in (w, a, b, bb))

    def __call__(self, x: np.ndarray, f: np.ndarray) -> np.ndarray:
        h = np.maximum(np.hstack([x, f]).astype(np.float32) @ self.a + self.b, 0.0)
        return x.astype(np.float32) @ self.w + h @ self.bb

    def arrays(self) -> dict[str, np.ndarray]:
        return {"w": self.w, "a": self.a, "b": self.b, "bb": self.bb}


def fit_residual_mlp(
    x: np.ndarray,
    f: np.ndarray,
    y: np.ndarray,
    ridge: Callable[[np.ndarray, np.ndarray], np.ndarray],
    seed: int = 0,
    epochs: int = EPOCHS,
) -> tuple[ResidualMLP, dict[str, float]]:
    """Fit the residual MLP on ``(x, f) -> y``: the linear part ``ridge(x_train, y_train)`` is
    fitted on the training rows only (on all rows its held-out error would be in-sample), the
    MLP on its residual; the epoch with the best held-out cosine error is kept (the linear map
    alone when no epoch beats it)."""
    rng = np.random.default_rng(seed)
    n = len(x)
    order = rng.permutation(n)
    cut = max(1, int(round(n * HOLDOUT)))
    val, tr = order[:cut], order[cut:]
    xf = np.hstack([x, f]).astype(np.float32)
    y = y.astype(np.float32)
    w = np.asarray(ridge(x[tr], y[tr]), dtype=np.float32)
    lin = x.astype(np.float32) @ w
    r = y - lin  # the ridge map's residual: what the MLP learns
    d_in, d_out = xf.shape[1], y.shape[1]
    a = (rng.standard_normal((d_in, HIDDEN)) * math.sqrt(2.0 / d_in)).astype(np.float32)
    b = np.zeros(HIDDEN, dtype=np.float32)
    bb = np.zeros((HIDDEN, d_out), dtype=np.float32)
    params = [a, b, bb]
    m1 = [np.zeros_like(p) for p in params]
    m2 = [np.zeros_like(p) for p in params]

    def val_err(a: np.ndarray, b: np.ndarray, bb: np.ndarray) -> float:
        pred = lin[val] + np.maximum(xf[val] @ a + b, 0.0) @ bb
        return float(np.mean(1.0 - np.sum(l2_normalise(pred) * l2_normalise(y[val]), axis=1)))

    best = (val_err(a, b, bb), 0, [p.copy() for p in params])
    start = best[0]
    xt, rt = xf[tr], r[tr]
    for epoch in range(1, epochs + 1):
        pre = xt @ a + b
        h = np.maximum(pre, 0.0)
        err = h @ bb - rt  # d(mean squared error)/d(out), up to 2/len
        g_bb = h.T @ err / len(xt) + DECAY * bb
        dh = (err @ bb.T) * (pre > 0)
        g_a = xt.T @ dh / len(xt) + DECAY * a
        g_b = dh.mean(axis=0)
        for i, (p, g) in enumerate(zip(params, (g_a, g_b, g_bb), strict=True)):
            m1[i] = 0.9 * m1[i] + 0.1 * g
            m2[i] = 0.999 * m2[i] + 0.001 * g * g
            p -= LR * (m1[i] / (1 - 0.9**epoch)) / (np.sqrt(m2[i] / (1 - 0.999**epoch)) + 1e-8)
        if epoch % 5 == 0 or epoch == epochs:
            e = val_err(a, b, bb)
            if e < best[0]:
                best = (e, epoch, [p.copy() for p in params])
    a, b, bb = best[2]
    info = {"mlp_val_cosine_error_ridge": round(start, 5), "mlp_val_cosine_error": round(best[0], 5),
            "mlp_epoch": best[1], "mlp_hidden": HIDDEN}  # fmt: skip
    return ResidualMLP(w, a, b, bb), info
