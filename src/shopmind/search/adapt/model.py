"""A shop-tuned query adapter over a frozen bundled encoder (issue 12 item 1).

The bundled encoders (e5, USE, static) are general models, used frozen. ``QueryAdapter``
learns a residual low-rank map on **query vectors only**, ``q' = normalise(q + U (Vᵀ q))``
(``W = I + U Vᵀ``, rank ``r``), from the shop's own (query → clicked/carted/bought or
well-graded product) pairs. Why query-side only: product vectors, the vector cache keyed by
content hash and the HNSW graph stay valid — adapting costs no re-encoding of the catalog, and
a rollback is just the previous adapter. It acts on vectors, so it is encoder- and
language-agnostic (zh and en alike).

Training (numpy, seeded; why hand-written: a rank-r residual map with one softmax loss is a
few matrix products, and torch is only an optional extra): InfoNCE with temperature over
in-batch positives and hard negatives — the query's own negatives (judged low / shown and not
clicked) and the frozen encoder's top-ranked non-positives (the near-duplicates and lexical
look-alikes dense retrieval confuses). Known positives of a query are never used as its
negatives. ``U`` starts at 0, so training starts at the frozen encoder; epochs stop early on
a validation split of the training queries (``fit_adapter``), and when validation NDCG@10
does not improve on the frozen encoder the identity is kept.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from shopmind.search.adapt.scoring import per_query_ndcg, retrieval_ndcg, significant_gain
from shopmind.search.dense_encoders import l2_normalise

FORMAT_VERSION = 1


@dataclass(frozen=True)
class AdapterParams:
    """Training settings. Defaults were chosen on validation splits of training queries
    (``docs/BENCHMARKS.md``, "Shop-tuned query adapter")."""

    rank: int = 32
    temperature: float = 0.05
    lr: float = 1e-3
    weight_decay: float = 1e-4
    batch_size: int = 128
    epochs: int = 30
    #: hard negatives per pair: the query's own negatives first, then frozen-dense top-ranked
    hard_negatives: int = 8
    #: depth of the frozen dense ranking mined for hard negatives
    mine_depth: int = 30
    #: epochs without a validation gain before stopping (the first epochs are noisy: small
    #: validation sets swing by a few points before the adapter settles)
    patience: int = 8
    seed: int = 0


@dataclass
class PairSet:
    """Training signal in index form: ``positives[(qi, pi)] = weight`` (> 0) and
    ``negatives[qi] = [pi, ...]`` (judged low / shown-not-clicked). ``grades`` (query row ->
    product row -> gain) is what validation NDCG is computed from."""

    queries: list[str]
    positives: dict[tuple[int, int], float]
    negatives: dict[int, list[int]] = field(default_factory=dict)
    grades: dict[int, dict[int, float]] = field(default_factory=dict)

    def subset(self, rows: Sequence[int]) -> PairSet:
        """Only the queries at ``rows`` (renumbered 0..len-1)."""
        new = {old: i for i, old in enumerate(rows)}
        return PairSet(
            [self.queries[r] for r in rows],
            {(new[q], p): w for (q, p), w in self.positives.items() if q in new},
            {new[q]: v for q, v in self.negatives.items() if q in new},
            {new[q]: v for q, v in self.grades.items() if q in new},
        )


def pairs_from_grades(
    qrels: Mapping[str, Mapping[str, float]],
    product_pos: Mapping[str, int],
    relevant_from: float,
    min_grade: float,
    queries: Sequence[str] | None = None,
) -> PairSet:
    """A ``PairSet`` from graded judgments (or click grades): grade >= ``relevant_from`` is a
    positive weighted by its gain share; below it a negative; gain = grade - ``min_grade``.
    Only ``queries`` (default: all) are read — callers pass the training split only."""
    qs = [q for q in (qrels if queries is None else queries) if q in qrels]
    pos: dict[tuple[int, int], float] = {}
    neg: dict[int, list[int]] = {}
    grades: dict[int, dict[int, float]] = {}
    top = max((g for q in qs for g in qrels[q].values()), default=relevant_from)
    span = max(top - min_grade, 1e-9)
    kept: list[str] = []
    for q in qs:
        row = len(kept)
        g_row: dict[int, float] = {}
        has_pos = False
        for pid, g in qrels[q].items():
            p = product_pos.get(pid)
            if p is None:
                continue
            g_row[p] = float(g) - min_grade
            if g >= relevant_from:
                pos[(row, p)] = (float(g) - min_grade) / span
                has_pos = True
            else:
                neg.setdefault(row, []).append(p)
        if not has_pos:
            neg.pop(row, None)
            continue
        grades[row] = g_row
        kept.append(q)
    return PairSet(kept, pos, neg, grades)


# ---------------------------------------------------------------------- the model
class QueryAdapter:
    """``q' = normalise(q + U (Vᵀ q))``. The identity when ``U`` is zero (``is_identity``)."""

    def __init__(self, U: np.ndarray, V: np.ndarray, info: Mapping[str, object] | None = None) -> None:
        self.U = np.ascontiguousarray(U, dtype=np.float32)
        self.V = np.ascontiguousarray(V, dtype=np.float32)
        if self.U.shape != self.V.shape or self.U.ndim != 2:
            raise ValueError(f"U {self.U.shape} and V {self.V.shape} must both be (dim, rank)")
        self.info: dict[str, object] = dict(info or {})

    @classmethod
    def identity(cls, dim: int, info: Mapping[str, object] | None = None) -> QueryAdapter:
        z = np.zeros((dim, 1), dtype=np.float32)
        return cls(z, z, info)

    @property
    def dim(self) -> int:
        return int(self.U.shape[0])

    @property
    def is_identity(self) -> bool:
        return not np.any(self.U) or not np.any(self.V)

    def fingerprint(self) -> str:
        """A short content hash: names the adapted encoder in caches and manifests."""
        h = hashlib.sha1(self.U.tobytes())
        h.update(self.V.tobytes())
        return h.hexdigest()[:12]

    def apply(self, q: np.ndarray) -> np.ndarray:
        """Adapted, L2-normalised vector(s) of query vector(s) ``q`` (1-D or rows)."""
        q = np.asarray(q, dtype=np.float32)
        one = q.ndim == 1
        Q = q.reshape(1, -1) if one else q
        if Q.shape[1] != self.dim:
            raise ValueError(f"query vectors of dim {Q.shape[1]} for an adapter of dim {self.dim}")
        Z = l2_normalise(Q + (Q @ self.V) @ self.U.T)
        return Z[0] if one else Z

    def save(self, folder: Path | str) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / "adapter.npz", U=self.U, V=self.V)
        meta = {"format_version": FORMAT_VERSION, "fingerprint": self.fingerprint(), "info": self.info}
        (folder / "adapter.json").write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: Path | str) -> QueryAdapter:
        folder = Path(folder)
        meta = json.loads((folder / "adapter.json").read_text(encoding="utf-8"))
        if meta.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{folder}: unsupported adapter format {meta.get('format_version')!r}")
        with np.load(folder / "adapter.npz") as z:
            out = cls(z["U"], z["V"], meta.get("info"))
        if out.fingerprint() != meta.get("fingerprint"):
            raise ValueError(f"{folder}: adapter weights do not match their fingerprint")
        return out


# ---------------------------------------------------------------------- training
def _mine(Q: np.ndarray, P: np.ndarray, depth: int) -> np.ndarray:
    """Per query row, the frozen encoder's top ``depth`` product rows."""
    depth = min(depth, P.shape[0])
    out = np.empty((len(Q), depth), dtype=np.int64)
    for s in range(0, len(Q), 512):
        S = Q[s : s + 512] @ P.T
        part = np.argpartition(-S, depth - 1, axis=1)[:, :depth]
        out[s : s + 512] = part
    return out


def batch_columns(
    qb: np.ndarray,
    pb: np.ndarray,
    own: Mapping[int, np.ndarray],
    mined: np.ndarray,
    hard: int,
    R: sp.csr_matrix,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """A batch's candidate columns (its positives ``pb``, then ``hard`` negatives per row: the
    query's own negatives first, then draws from its ``mined`` row) and the mask of columns that
    are another known positive of the row's query (``R``: query row x product row)."""
    negs = []
    for q in qb.tolist():
        o = own.get(q)
        cand = o[rng.permutation(len(o))[:hard]] if o is not None else np.zeros(0, np.int64)
        need = min(hard - len(cand), mined.shape[1])
        if need > 0:
            cand = np.concatenate([cand, rng.choice(mined[q], size=need, replace=False)])
        negs.append(cand)
    cols = np.concatenate([pb, *negs])
    mask = R[qb][:, cols].toarray().astype(bool)
    mask[np.arange(len(qb)), np.arange(len(qb))] = False  # the row's own positive counts
    return cols, mask


class _Adam:
    def __init__(self, shapes: Sequence[tuple[int, ...]], lr: float) -> None:
        self.m = [np.zeros(s, dtype=np.float32) for s in shapes]
        self.v = [np.zeros(s, dtype=np.float32) for s in shapes]
        self.t, self.lr = 0, lr

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        self.t += 1
        b1, b2 = 0.9, 0.999
        for p, g, m, v in zip(params, grads, self.m, self.v, strict=True):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            mh = m / (1 - b1**self.t)
            vh = v / (1 - b2**self.t)
            p -= self.lr * mh / (np.sqrt(vh) + 1e-8)


def pair_arrays(
    pairs: PairSet, n_queries: int, n_products: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, sp.csr_matrix]:
    """(query rows, product rows, weights) of the positive pairs, and the query x product
    matrix of known positives (to mask them as negatives). Empty pairs: ``ValueError``."""
    pair_q = np.array([q for q, _ in pairs.positives], dtype=np.int64)
    pair_p = np.array([p for _, p in pairs.positives], dtype=np.int64)
    pair_w = np.array(list(pairs.positives.values()), dtype=np.float32)
    if len(pair_q) == 0:
        raise ValueError("no positive (query, product) pairs to train on")
    R = sp.csr_matrix((np.ones(len(pair_q), dtype=np.int8), (pair_q, pair_p)), shape=(n_queries, n_products))
    return pair_q, pair_p, pair_w, R


def softmax_loss_grad(
    cos: np.ndarray, target: np.ndarray, weight: np.ndarray, mask: np.ndarray, tau: float
) -> tuple[float, np.ndarray]:
    """Weighted InfoNCE over the cosine matrix ``cos`` (B, M) at temperature ``tau`` (masked
    columns left out) and its gradient w.r.t. ``cos``: the part every adapter's loss shares."""
    S = np.where(mask, -np.inf, cos / tau)
    S -= S.max(axis=1, keepdims=True)
    E = np.exp(S)
    Pr = E / E.sum(axis=1, keepdims=True)
    idx = np.arange(len(cos))
    loss = float(-(weight * np.log(Pr[idx, target] + 1e-12)).sum() / weight.sum())
    G = Pr.copy()
    G[idx, target] -= 1.0
    G *= (weight / weight.sum())[:, None] / tau
    return loss, G


def _loss_grad(
    U: np.ndarray,
    V: np.ndarray,
    Qb: np.ndarray,
    C: np.ndarray,
    target: np.ndarray,
    weight: np.ndarray,
    mask: np.ndarray,
    tau: float,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Weighted InfoNCE of a batch and its gradients w.r.t. ``U`` and ``V``.

    ``Qb`` (B, d) frozen query vectors, ``C`` (M, d) candidate product vectors, ``target[i]``
    the column of row i's positive, ``mask[i, j]`` True where column j must not count
    (another known positive of row i's query)."""
    H = Qb @ V  # (B, r)
    Z = Qb + H @ U.T
    n = np.linalg.norm(Z, axis=1, keepdims=True)
    Zh = Z / n
    loss, G = softmax_loss_grad(Zh @ C.T, target, weight, mask, tau)
    dZh = G @ C  # (B, d)
    dZ = (dZh - Zh * (Zh * dZh).sum(axis=1, keepdims=True)) / n
    dU = dZ.T @ H
    dV = Qb.T @ (dZ @ U)
    return loss, dU.astype(np.float32), dV.astype(np.float32)


@dataclass
class FitResult:
    """A trained adapter and how it was chosen (JSON-ready ``report``)."""

    adapter: QueryAdapter
    report: dict[str, object]


def train_adapter(
    Q: np.ndarray,
    P: np.ndarray,
    pairs: PairSet,
    params: AdapterParams = AdapterParams(),
    val: tuple[np.ndarray, PairSet] | None = None,
    init: QueryAdapter | None = None,
) -> FitResult:
    """Train on ``pairs`` (rows of ``Q`` = ``pairs.queries``; product rows of ``P``),
    early-stopping on ``val`` = (validation query vectors, their ``PairSet``) by dense
    retrieval NDCG@10 over ``P``; the best epoch is kept, the identity if no epoch beats the
    frozen encoder. Without ``val`` all ``params.epochs`` run.

    ``init`` warm-starts (continual learning): training starts from that adapter's weights
    (same dimension and rank, else a ``ValueError``), and it — not the frozen encoder — is the
    value to beat, so an update that finds nothing better keeps the previous adapter."""
    t0 = time.perf_counter()
    Q = np.ascontiguousarray(Q, dtype=np.float32)
    P = np.ascontiguousarray(P, dtype=np.float32)
    d, r = Q.shape[1], params.rank
    rng = np.random.default_rng(params.seed)
    U = np.zeros((d, r), dtype=np.float32)
    V = (rng.standard_normal((d, r)) / math.sqrt(d)).astype(np.float32)
    warm = init is not None and not init.is_identity
    if warm:
        assert init is not None
        if init.U.shape != (d, r):
            raise ValueError(
                f"cannot warm-start a rank-{r} adapter of dimension {d} from one of shape {init.U.shape}"
            )
        U, V = init.U.copy(), init.V.copy()
    pair_q, pair_p, pair_w, R = pair_arrays(pairs, len(Q), len(P))
    mined = _mine(Q, P, params.mine_depth)
    own = {q: np.array(v, dtype=np.int64) for q, v in pairs.negatives.items()}
    opt = _Adam([U.shape, V.shape], params.lr)
    history: list[dict[str, float]] = []
    val_frozen = retrieval_ndcg(val[0], P, val[1].grades) if val is not None else float("nan")
    start = val_frozen
    if warm and val is not None:
        start = retrieval_ndcg(QueryAdapter(U, V).apply(val[0]), P, val[1].grades)
    best = (start, U.copy(), V.copy(), 0)
    stale = 0
    for epoch in range(1, params.epochs + 1):
        order = rng.permutation(len(pair_q))
        losses = []
        for s in range(0, len(order), params.batch_size):
            b = order[s : s + params.batch_size]
            qb, pb = pair_q[b], pair_p[b]
            cols, mask = batch_columns(qb, pb, own, mined, params.hard_negatives, R, rng)
            loss, dU, dV = _loss_grad(
                U, V, Q[qb], P[cols], np.arange(len(b)), pair_w[b], mask, params.temperature
            )
            dU += params.weight_decay * U
            dV += params.weight_decay * V
            opt.step([U, V], [dU, dV])
            losses.append(loss)
        rec: dict[str, float] = {"epoch": epoch, "loss": round(float(np.mean(losses)), 5)}
        if val is not None:
            adapted = QueryAdapter(U, V).apply(val[0])
            score = retrieval_ndcg(adapted, P, val[1].grades)
            rec["val_ndcg@10"] = round(score, 5)
            if score > best[0] + 1e-6:
                best, stale = (score, U.copy(), V.copy(), epoch), 0
            else:
                stale += 1
        history.append(rec)
        if val is not None and stale >= params.patience:
            break
    if val is None:
        best = (float("nan"), U, V, params.epochs)
    val_best, U_b, V_b, epoch_b = best
    report: dict[str, object] = {
        "params": asdict(params),
        "train_queries": len(pairs.queries),
        "train_pairs": len(pair_q),
        "val_queries": len(val[1].queries) if val is not None else 0,
        "val_ndcg@10_frozen": None if math.isnan(val_frozen) else round(val_frozen, 5),
        **(
            {"warm_start": True, "val_ndcg@10_init": None if math.isnan(start) else round(start, 5)}
            if warm
            else {}
        ),
        "val_ndcg@10_adapted": None if math.isnan(val_best) else round(val_best, 5),
        "best_epoch": epoch_b,
        "history": history,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    if epoch_b == 0 and warm:  # no epoch beat the previous adapter on validation
        assert init is not None
        report["kept"] = "the previous adapter (no epoch of the update beat it on validation)"
        return FitResult(QueryAdapter(init.U, init.V, report), report)
    if epoch_b == 0:  # no epoch beat the frozen encoder on validation
        report["kept"] = "identity (no epoch beat the frozen encoder on validation)"
        return FitResult(QueryAdapter.identity(d, report), report)
    report["kept"] = f"epoch {epoch_b}"
    return FitResult(QueryAdapter(U_b, V_b, report), report)


def query_split(queries: Sequence[str], share: float, salt: str = "val") -> tuple[list[str], list[str]]:
    """Disjoint (rest, held) split of ``queries`` by the md5 of ``salt`` + query: ``share``
    of them held (for validation, or a release's held-out check). Equal texts always land
    on the same side, so no query is in both."""
    rest, held = [], []
    for q in queries:
        h = int(hashlib.md5(f"{salt}\x1f{q}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        (held if h < share else rest).append(q)
    return rest, held


#: Settings tried by ``fit_adapter`` (each early-stopped on validation).
GRID: tuple[AdapterParams, ...] = (
    AdapterParams(rank=32, lr=1e-3),
    AdapterParams(rank=64, lr=3e-3, weight_decay=1e-2),
)


def fit_adapter(
    qvecs: Mapping[str, np.ndarray],
    P: np.ndarray,
    pairs: PairSet,
    val_share: float = 0.2,
    grid: Sequence[AdapterParams] = GRID,
    init: QueryAdapter | None = None,
) -> FitResult:
    """Choose settings on a validation split of the training queries (``query_split``,
    ``val_share`` of them) and return the best adapter (the identity when none beats the
    frozen encoder on validation). ``qvecs`` maps each query of ``pairs`` to its frozen
    vector. The caller passes training queries only: nothing here sees reported queries.
    ``init`` (a previous release's adapter) warm-starts the grid entries of its rank."""
    rest, held = query_split(pairs.queries, val_share)
    row = {q: i for i, q in enumerate(pairs.queries)}
    tr, va = pairs.subset([row[q] for q in rest]), pairs.subset([row[q] for q in held])
    if not tr.positives or not va.grades:
        raise ValueError(
            f"too few queries to train and validate an adapter ({len(tr.queries)} train, {len(va.queries)} validation)"
        )
    Qt = np.vstack([qvecs[q] for q in tr.queries])
    Qv = np.vstack([qvecs[q] for q in va.queries])
    tried = []
    best: FitResult | None = None
    for params in grid:
        warm = init if init is not None and init.U.shape == (P.shape[1], params.rank) else None
        res = train_adapter(Qt, P, tr, params, (Qv, va), init=warm)
        tried.append({k: res.report[k] for k in ("params", "best_epoch", "val_ndcg@10_adapted", "seconds")})
        score = res.report["val_ndcg@10_adapted"]
        if best is None or (score or 0.0) > (best.report["val_ndcg@10_adapted"] or 0.0):
            best = res
    assert best is not None
    best.report["grid"] = tried
    if not best.adapter.is_identity:  # a validation win must not be chance (significant_gain)
        ok, gain, se = significant_gain(
            per_query_ndcg(Qv, P, va.grades), per_query_ndcg(best.adapter.apply(Qv), P, va.grades)
        )
        best.report["val_gain"] = {"mean": round(gain, 5), "se": round(se, 5), "significant": ok}
        if not ok:
            best.report["kept"] = (
                f"identity (validation gain {gain:+.4f} not above 2 standard errors, {se:.4f})"
            )
            best = FitResult(QueryAdapter.identity(P.shape[1], best.report), best.report)
    best.report["split"] = f"validation = {val_share:.0%} of the training queries by md5('val' + query)"
    best.adapter.info = best.report
    return best
