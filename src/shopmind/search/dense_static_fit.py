"""The static encoder fitted to the catalog at build time (``[search] encoder = "static-fit"``).

Why: the static encoder (``dense_static``) pools e5's vectors of single words; a title's e5
vector is not the mean of its words' vectors, and static lost ~0.011 NDCG@10 to e5 under
fusion + LTR (docs/BENCHMARKS.md, issue 17). As tokenlearn does for model2vec, a small sample
of the catalog's own titles goes through e5 (at most ``max_titles``, the distinct texts with the
smallest sha1: deterministic, independent of row order, and shared with e5's vector cache), and a
linear map from the static vector to e5's (centred) title vector is fitted by ridge regression
toward the identity in closed form (numpy; its strength chosen on the tuning half of a Home
Depot sample, never on held-out queries).
Every title and query is then ``normalise(static(text) @ W)``: one vector space for all
products. Two options (issue 17 item 2, round 3; measured in docs/BENCHMARKS.md):

- ``mix``: the sample's titles (their e5 vectors are paid for by the fit) take
  ``normalise(mix * e5_centred + (1 - mix) * fitted)`` instead of the fitted vector: the head
  through the transformer, the tail static, in one space (the fit regresses onto it).
- ``mix_extra`` (session 33, off by default): that many more catalog titles beyond the fit sample
  go through the teacher and take the same mix; ``mix_pick = "digits"`` takes the titles with the
  most words holding a digit first (sizes, model numbers: where static read worst), ``"sha1"`` any, both in sha1 order. The
  spare e5 budget of a 10x build spent on the titles static reads worst.
- a query map: ``fit_queries`` fits a second map for queries on (query, relevant title) pairs
  (a store's clicks or judgments), ridge toward the title map, so a query lands near the titles
  shoppers chose for it rather than near titles that read like it.

Round 5 options:

- ``query_encoder = "e5"``: queries take the teacher's own query vector (``query: `` prefix),
  scored against the static-fit product vectors. The fit maps products into e5's (centred)
  passage space, and a query's cosine with a centred title differs from its cosine with the
  uncentred one by a per-query constant, so e5's contextual reading of a query ("60 vanity")
  ranks static-fit products directly. A server encodes new queries in the background anyway.
- ``rare_pieces``: words that occur in only one product text get the mean of their
  sentencepiece pieces' vectors (``dense_static_pieces``) instead of their own e5 pass, so a
  first build pays for the shared pieces, not for every model number and size.

Session 34 options (off by default; measured below e5, docs/BENCHMARKS.md "Static-fit's last gap"):
``fit_map = "mlp"`` (a residual MLP on the ridge map, ``dense_static_mlp``), ``fit_map = "centred"``
(the static vectors centred on the sample's mean before the map, as the targets are), and the
static encoder's ``zh_units`` (a Chinese word's characters or bigrams as units too).

The fit is part of the encoder's identity: ``name`` carries the options and the sha1 of the
maps once fitted, so vectors cached by content hash under one fit are never mixed with
another's; an unfitted encoder refuses to encode (a clear error) rather than hand out vectors of
no fixed space.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from shopmind.search.dense_cache import text_key
from shopmind.search.dense_encoders import Encoder, l2_normalise
from shopmind.search.dense_static import DEFAULT_DIGIT_WEIGHT, StaticEncoder
from shopmind.search.dense_static_mlp import ResidualMLP, fit_residual_mlp, text_features
from shopmind.search.dense_static_pieces import hapax_words

if TYPE_CHECKING:
    from shopmind.search.dense_cache import VectorCache

#: Titles sent through e5 for the fit (Home Depot: 1,000 of 54,667 = 1.8 %).
DEFAULT_MAX_TITLES = 1000
#: Ridge strength, toward the identity map (the static vectors already live in e5's output space:
#: means of e5 word vectors; a map shrunk toward zero instead lost 0.04 dense NDCG@10). Chosen on
#: the tuning half of the Home Depot sample by dense NDCG@10 (1e-3: 0.6281; 3e-4 0.6177, 3e-3
#: 0.6265, 1e-2 0.6223; e5 0.6177, unfitted static 0.5738), see docs/BENCHMARKS.md (issue 17).
DEFAULT_RIDGE = 1e-3
#: Fewer distinct product texts than this: no fit (a clear error, not a map from a handful).
MIN_TITLES = 10
#: Fewer (query, title) pairs than this: no query map (a clear error).
MIN_PAIRS = 20
#: Where query vectors come from: the static path (mapped) or the teacher's own query encoder.
QUERY_ENCODERS = ("static", "e5")
#: How ``mix_extra`` picks its titles: those with a digit first, or any (both in sha1 order).
MIX_PICKS = ("digits", "sha1")
#: The title map: ridge alone, ridge plus a residual MLP (``dense_static_mlp``), or ridge from
#: the static vectors centred on the fit sample's mean (as e5's targets are; session 34).
FIT_MAPS = ("ridge", "mlp", "centred")


def fit_sample(texts: list[str], max_titles: int) -> list[str]:
    """The distinct non-empty ``texts`` with the ``max_titles`` smallest sha1 keys: the same
    sample whatever the row order, and mostly the same after a small catalog change."""
    distinct = {text_key(t): t for t in texts if t.strip()}
    return [distinct[k] for k in sorted(distinct)[:max_titles]]


def extra_sample(texts: list[str], exclude: Collection[str], n: int, pick: str = "digits") -> list[str]:
    """``n`` distinct non-empty ``texts`` not in ``exclude``, in sha1 order; ``pick = "digits"``:
    texts with the most words holding a digit first (row order never matters)."""
    if pick not in MIX_PICKS:
        raise ValueError(f"static-fit mix_pick must be one of {MIX_PICKS}, got {pick!r}")
    skip = set(exclude)
    distinct = {text_key(t): t for t in texts if t.strip() and t not in skip}
    keys = sorted(distinct)
    if pick == "digits":  # most words with a digit first (stable: sha1 order within a count)
        keys.sort(key=lambda k: -sum(any(c.isdigit() for c in w) for w in distinct[k].split()))
    return [distinct[k] for k in keys[:n]]


def ridge_map(
    x: np.ndarray,
    y: np.ndarray,
    lam: float,
    prior: np.ndarray | None = None,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """``argmin_W sum_i w_i |x_i W - y_i|^2 + lam * n * mean(w|x|^2) * |W - prior|^2`` in closed
    form (float64): the least-squares map from ``x`` to ``y``, shrunk toward ``prior`` (the
    identity by default: leaving ``x`` as it is). ``weights``: per-row weights (default 1)."""
    x, y = x.astype(np.float64), y.astype(np.float64)
    if weights is not None:
        root = np.sqrt(np.asarray(weights, dtype=np.float64))[:, None]
        x, y = x * root, y * root
    scale = lam * len(x) * float(np.mean(np.sum(x * x, axis=1)))
    base = np.eye(x.shape[1], y.shape[1]) if prior is None else np.asarray(prior, dtype=np.float64)
    return np.linalg.solve(x.T @ x + scale * np.eye(x.shape[1]), x.T @ y + scale * base)


def regression_error(x: np.ndarray, w: np.ndarray | None, target: np.ndarray) -> float:
    """Mean cosine distance between ``normalise(x @ w)`` (``x`` when ``w`` is None) and the
    (centred) targets: how far the static vectors are from e5's."""
    pred = l2_normalise(x if w is None else x @ w)
    return float(np.mean(1.0 - np.sum(pred * l2_normalise(target), axis=1)))


def _digest(*arrays: np.ndarray) -> str:
    h = hashlib.sha1()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:12]


class FittedStaticEncoder:
    """``StaticEncoder`` vectors mapped into e5's title space by a ridge fit on catalog titles.

    ``prepare_passages(texts, cache)`` fits once (the first catalog it sees), then the query map
    when ``query_pairs`` were given; ``teacher`` is the encoder of the fit's targets and of
    unseen words (None: e5). ``mix`` in [0, 1]: the fit sample's titles (the first ``mix_titles``
    of them by sha1 when given: a head smaller than the sample) take that share of their
    own (centred) teacher vector (0: off)."""

    def __init__(
        self,
        teacher: Encoder | None = None,
        cache: VectorCache | None = None,
        max_titles: int = DEFAULT_MAX_TITLES,
        ridge: float = DEFAULT_RIDGE,
        digit_weight: float = DEFAULT_DIGIT_WEIGHT,
        digit_residue: bool = False,
        number_units: bool = False,
        zh_units: str = "words",
        mix: float = 0.0,
        mix_titles: int | None = None,
        mix_extra: int = 0,
        mix_pick: str = "digits",
        query_pairs: Sequence[tuple[str, str, float]] | None = None,
        query_ridge: float = 0.1,
        query_encoder: str = "static",
        rare_pieces: bool = False,
        rare_words: Collection[str] | None = None,
        fit_map: str = "ridge",
    ) -> None:
        if fit_map not in FIT_MAPS:
            raise ValueError(f"static-fit fit_map must be one of {FIT_MAPS}, got {fit_map!r}")
        if not 0.0 <= mix <= 1.0:
            raise ValueError(f"static-fit mix must be within [0, 1], got {mix}")
        if mix_extra and not mix > 0:
            raise ValueError("static-fit mix_extra needs mix > 0 (the extra titles take the mix)")
        if mix_pick not in MIX_PICKS:
            raise ValueError(f"static-fit mix_pick must be one of {MIX_PICKS}, got {mix_pick!r}")
        if query_encoder not in QUERY_ENCODERS:
            raise ValueError(
                f"static-fit query_encoder must be one of {QUERY_ENCODERS}, got {query_encoder!r}"
            )
        if query_encoder == "e5" and query_pairs:
            raise ValueError(
                "static-fit: a query map (query_pairs) maps static query vectors; query_encoder 'e5' has none"
            )
        self.base = StaticEncoder(
            teacher=teacher,
            cache=cache,
            digit_weight=digit_weight,
            digit_residue=digit_residue,
            number_units=number_units,
            zh_units=zh_units,
        )
        self.dim = self.base.dim
        self.max_titles = max_titles
        self.ridge = ridge
        self.mix = mix
        self.mix_titles = mix_titles
        self.mix_extra = int(mix_extra)
        self.mix_pick = mix_pick
        self.query_pairs = list(query_pairs) if query_pairs else None
        self.query_ridge = query_ridge
        self.query_encoder = query_encoder
        self.rare_pieces = rare_pieces
        #: the rare words to compose (None: the fit catalog's single-occurrence words)
        self.rare_words = None if rare_words is None else frozenset(rare_words)
        self.fit_map = fit_map
        self.mlp: ResidualMLP | None = None
        #: the fit sample's mean static vector (``fit_map = "centred"``), taken off before the map
        self.x_mean: np.ndarray | None = None
        self.w: np.ndarray | None = None
        self.wq: np.ndarray | None = None
        #: text key -> the sample title's vector (mix > 0 only)
        self._mixed: dict[str, np.ndarray] = {}
        self.fit_info: dict[str, object] = {}
        mixed = f"-mix{mix:g}" if mix > 0 else ""
        if mix > 0 and mix_titles is not None:
            mixed += f"x{mix_titles}"
        if mix_extra:
            mixed += f"+{mix_extra}{mix_pick[0]}"
        mixed += ("-rp" if rare_pieces else "") + ("-qe5" if query_encoder == "e5" else "")
        mixed += "" if fit_map == "ridge" else f"-{fit_map}"
        self._name_unfitted = f"{self.base.name}-fit{max_titles}-ridgeI{ridge:g}{mixed}"
        self.name = self._name_unfitted

    # -- wiring
    def attach_cache(self, cache: VectorCache) -> None:
        self.base.attach_cache(cache)

    def warm(self) -> None:
        self.base.warm()

    @property
    def fitted(self) -> bool:
        return self.w is not None

    def prepare_passages(self, texts: list[str], cache: VectorCache | None = None) -> None:
        """Fit on ``texts`` unless already fitted (the fit is kept for later upserts, so an
        upsert's vector equals a full build's); then the query map when pairs were given."""
        if self.w is None:
            self.fit(texts, cache)
            if self.query_pairs:
                self.fit_queries(self.query_pairs, self.query_ridge)

    def fit(self, texts: list[str], cache: VectorCache | None = None) -> dict[str, object]:
        """Encode the sample with the teacher (through ``cache`` when given: the same e5
        passage vectors e5 itself would cache), fit the title map."""
        if cache is not None:
            self.base.attach_cache(cache)
        sample = fit_sample(texts, self.max_titles)
        if len(sample) < MIN_TITLES:
            raise ValueError(
                f"static-fit needs at least {MIN_TITLES} distinct non-empty product texts to fit, got {len(sample)}"
            )
        docs = [self.base.tokens(t) for t in dict.fromkeys(t for t in texts if t.strip())]
        if self.rare_pieces and not self.base.rare:
            self.base.set_rare(self.rare_words if self.rare_words is not None else hapax_words(docs))
        # the catalog's whole vocabulary in one pass: a word table filled batch by batch cost one
        # vector-cache save (and one table copy) per 256 titles, ~12 of Home Depot's ~177 CPU-s
        self.base.ensure_words(w for d in docs for w in d)
        teacher = self.base.teacher
        if cache is not None:
            y = cache.get_or_encode(teacher.name, teacher.dim, sample, teacher.encode_passages)
        else:
            y = teacher.encode_passages(sample)
        y = np.asarray(y, dtype=np.float64)
        centre = y.mean(axis=0)
        y = y - centre  # e5's shared direction says nothing about relevance
        x = self.base.encode_passages(sample).astype(np.float64)
        self.x_mean = x.mean(axis=0).astype(np.float32) if self.fit_map == "centred" else None
        if self.x_mean is not None:
            x = x - self.x_mean
        w = ridge_map(x, y, self.ridge).astype(np.float32)
        self.mlp, mlp_info = None, {}
        if self.fit_map == "mlp":
            feats = text_features([self.base.tokens(t) for t in sample])
            self.mlp, mlp_info = fit_residual_mlp(x, feats, y, lambda a, b: ridge_map(a, b, self.ridge))
        self.wq = None
        self._mixed = {}
        if self.mix > 0:
            n = len(sample) if self.mix_titles is None else min(self.mix_titles, len(sample))
            own = self.mix * l2_normalise(y[:n]) + (1.0 - self.mix) * l2_normalise(x[:n] @ w)
            self._mixed = {text_key(t): v for t, v in zip(sample[:n], l2_normalise(own), strict=True)}
        extra = self._mix_extra(texts, sample, centre, w, cache) if self.mix_extra else 0
        self._set(w)
        self.fit_info = {
            "titles": len(sample),
            "ridge": self.ridge,
            "mix": self.mix,
            "mix_extra": extra,
            "unfitted_cosine_error": round(regression_error(x, None, y), 5),
            "fitted_cosine_error": round(regression_error(x, w, y), 5),
        } | mlp_info
        return self.fit_info

    def _mix_extra(
        self,
        texts: list[str],
        sample: list[str],
        centre: np.ndarray,
        w: np.ndarray,
        cache: VectorCache | None,
    ) -> int:
        """``mix_extra`` more titles through the teacher (centred as the fit's), mixed as the
        sample's; how many there were."""
        extra = extra_sample(texts, sample, self.mix_extra, self.mix_pick)
        if not extra:
            return 0
        teacher = self.base.teacher
        if cache is not None:
            y = cache.get_or_encode(teacher.name, teacher.dim, extra, teacher.encode_passages)
        else:
            y = teacher.encode_passages(extra)
        y = np.asarray(y, dtype=np.float64) - centre
        x = self.base.encode_passages(extra).astype(np.float64)
        if self.x_mean is not None:
            x = x - self.x_mean
        own = l2_normalise(self.mix * l2_normalise(y) + (1.0 - self.mix) * l2_normalise(x @ w))
        self._mixed |= {text_key(t): v for t, v in zip(extra, own, strict=True)}
        return len(extra)

    def fit_queries(self, pairs: Sequence[tuple[str, str, float]], ridge: float) -> dict[str, object]:
        """Fit the query map on ``(query, product text, weight)`` pairs (weight > 0: a click
        count or a relevance grade): ``Wq`` maps a query's static vector to the (mapped) vectors
        of the products chosen for it, by ridge toward the title map ``W`` (``ridge`` large:
        queries as titles, the default path)."""
        if self.w is None:
            raise RuntimeError("fit the title map first (fit / prepare_passages), then the query map")
        pairs = [(q, t, float(g)) for q, t, g in pairs if g > 0 and q.strip() and t.strip()]
        if len(pairs) < MIN_PAIRS:
            raise ValueError(
                f"a static-fit query map needs at least {MIN_PAIRS} (query, product) pairs, got {len(pairs)}"
            )
        xq = self.base.encode_queries([q for q, _, _ in pairs]).astype(np.float64)
        target = self.encode_passages([t for _, t, _ in pairs]).astype(np.float64)
        weights = np.array([g for _, _, g in pairs])
        wq = ridge_map(xq, target, ridge, prior=self.w, weights=weights).astype(np.float32)
        self._set(self.w, wq)
        self.fit_info.update({"query_pairs": len(pairs), "query_ridge": ridge})
        return self.fit_info

    def _set(self, w: np.ndarray, wq: np.ndarray | None = None) -> None:
        self.w = np.ascontiguousarray(w, dtype=np.float32)
        self.wq = None if wq is None else np.ascontiguousarray(wq, dtype=np.float32)
        self.name = f"{self._name_unfitted}-{_digest(self.w)}"
        if self.mlp is not None:
            self.name += f"-n{_digest(*self.mlp.arrays().values())}"
        if self.x_mean is not None:
            self.name += f"-c{_digest(self.x_mean)}"
        if self.base.rare:
            self.name += self.base.name[len(self.base._name_base) :]  # -rp<digest of the rare words>
        if self._mixed:
            self.name += f"-m{_digest(*(self._mixed[k] for k in sorted(self._mixed)))}"
        if self.wq is not None:
            self.name += f"-q{_digest(self.wq)}"

    def _map(self, v: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
        if self.w is None:
            raise RuntimeError(
                "the static-fit encoder has no fit yet: encode the catalog's product texts first "
                "(VectorCache.prepare / prepare_passages)"
            )
        if self.x_mean is not None:
            v = v - self.x_mean
        return l2_normalise(v @ (self.w if w is None else w))

    # -- the Encoder protocol
    def _map_texts(self, v: np.ndarray, texts: list[str], w: np.ndarray | None = None) -> np.ndarray:
        """``_map``, or the residual MLP's map when fitted (it reads the texts' word counts)."""
        if self.mlp is None or w is not None:
            return self._map(v, w)
        return l2_normalise(self.mlp(v, text_features([self.base.tokens(t) for t in texts])))

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        out = self._map_texts(self.base.encode_passages(texts), texts)
        if self._mixed:
            for i, t in enumerate(texts):
                own = self._mixed.get(text_key(t))
                if own is not None:
                    out[i] = own
        return out

    def static_queries(self, texts: list[str]) -> np.ndarray:
        """Query vectors of the static path (mapped), whatever ``query_encoder`` says."""
        return self._map_texts(self.base.encode_queries(texts), texts, self.wq)

    def _teacher_queries(self, texts: list[str]) -> np.ndarray:
        teacher = self.base.teacher
        batch = getattr(teacher, "encode_queries", None)

        def enc(part: list[str]) -> np.ndarray:
            return batch(part) if batch is not None else np.vstack([teacher.encode_query(t) for t in part])

        cache = self.base.cache
        if cache is None:
            return l2_normalise(enc(list(texts)))
        # the teacher's own query namespace: the same vectors e5 itself caches for these queries
        return l2_normalise(cache.get_or_encode(f"{teacher.name}/query", teacher.dim, texts, enc))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        if self.query_encoder == "e5":
            return self._teacher_queries(texts)
        return self.static_queries(texts)

    def encode_query(self, text: str) -> np.ndarray:
        if self.query_encoder == "e5":
            return l2_normalise(
                np.asarray(self.base.teacher.encode_query(text), dtype=np.float32).reshape(-1)
            )
        return self._map_texts(self.base.encode_query(text)[None, :], [text], self.wq)[0]

    # -- persistence with a saved engine
    def save_state(self, folder: Path | str) -> None:
        folder = Path(folder)
        self.base.save_state(folder / "static")
        if self.w is not None:
            np.save(folder / "fit_map.npy", self.w)
            if self.wq is not None:
                np.save(folder / "fit_query_map.npy", self.wq)
            if self.mlp is not None:
                np.savez(folder / "fit_mlp.npz", **self.mlp.arrays())
            if self.x_mean is not None:
                np.save(folder / "fit_x_mean.npy", self.x_mean)
            if self._mixed:
                keys = sorted(self._mixed)
                np.savez(
                    folder / "fit_mixed.npz",
                    keys=np.array(keys),
                    vectors=np.vstack([self._mixed[k] for k in keys]),
                )
            (folder / "fit.json").write_text(
                json.dumps({"encoder": self.name, "fit": self.fit_info}, default=str), encoding="utf-8"
            )

    def load_state(self, folder: Path | str) -> bool:
        folder = Path(folder)
        ok = self.base.load_state(folder / "static")
        if (folder / "fit_map.npy").exists():
            self._mixed = {}
            if (folder / "fit_mixed.npz").exists():
                with np.load(folder / "fit_mixed.npz") as z:
                    self._mixed = {str(k): v for k, v in zip(z["keys"], z["vectors"], strict=True)}
            wq = np.load(folder / "fit_query_map.npy") if (folder / "fit_query_map.npy").exists() else None
            self.mlp = None
            xm = folder / "fit_x_mean.npy"
            self.x_mean = np.load(xm) if xm.exists() else None
            if (folder / "fit_mlp.npz").exists():
                with np.load(folder / "fit_mlp.npz") as z:
                    self.mlp = ResidualMLP(z["w"], z["a"], z["b"], z["bb"])
            self._set(np.load(folder / "fit_map.npy"), wq)
            meta = json.loads((folder / "fit.json").read_text(encoding="utf-8"))
            if meta.get("encoder") != self.name:  # a map from another static version or options
                self.w, self.wq, self._mixed, self.name = None, None, {}, self._name_unfitted
                self.mlp, self.x_mean = None, None
                return False
            self.fit_info = dict(meta.get("fit", {}))
            return True
        return ok
