"""Sentence vectors for the intent model, and a shop's own labelled conversations as training pairs.

Why: rounds 8-10 added word lists that fixed the words they listed (dev ~0.95, each freshly
written set ~0.83). Two structural sources of generalisation are cheap here:

1. the multilingual sentence encoder the policy ordering already loads (mUSE v3,
   ``policy_dense``; no download, one model in memory): its vector places "a refund for my gym
   membership" near other services and "when would it arrive" near delivery questions without
   any word of theirs in the seed. ``IntentModel`` reads it beside the n-grams.
2. the shop's own labelled conversations (the issue: "trained from a seed set the project
   writes plus the shop's own labelled conversations when present"): on the demo, its labelled
   question sets. Which sets train is explicit, so a set that is scored is never trained on
   (``bench/assistant_loso.py`` measures this leave-one-set-out).

``shared_embed`` returns texts -> unit vectors through the policy encoder, with a bounded cache:
a turn predicts the same text more than once (the message, then the message with a follow-up).
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from shopmind.assistant.intent import Embed

#: vectors kept per process (a turn asks for the same text a few times; training texts too)
CACHE_SIZE = 8192


class CachedEmbed:
    """``Embed`` over an encoder with a bounded text -> vector cache (oldest out first).

    ``companion``: a second form of each text the turn will also ask for (``shared_embed``: the
    intent model's ``normalise``d form, which the domain margin and the policy examples read,
    beside the text as typed, which the policy passages' cosines read). A text not cached is
    encoded in the same call as its companion, so a turn makes one encoder call where it made
    two (round 12: the encoder's per-call cost, weights streamed once per call, is most of a
    short message's cost)."""

    def __init__(self, encode: Embed, size: int = CACHE_SIZE, companion: Callable[[str], str] | None = None) -> None:  # fmt: skip
        self.encode = encode
        self.size = size
        self.companion = companion
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def __call__(self, texts: list[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if todo and self.companion is not None:
            todo = list(
                dict.fromkeys([*todo, *(c for c in map(self.companion, todo) if c not in self._cache)])
            )
        if todo:
            vecs = np.asarray(self.encode(todo), dtype=np.float32)
            norms = np.linalg.norm(vecs, axis=1, keepdims=True)
            vecs = vecs / np.where(norms > 0, norms, 1.0)
            for t, v in zip(todo, vecs, strict=True):
                self._cache[t] = v
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        out = np.stack([self._cache[t] if t in self._cache else self._vector(t) for t in texts])
        return out

    def cache_clear(self) -> None:
        self._cache.clear()

    def _vector(self, text: str) -> np.ndarray:
        """A text pushed out of a full cache within one call (more texts than ``size``)."""
        v = np.asarray(self.encode([text]), dtype=np.float32)[0]
        n = float(np.linalg.norm(v))
        return v / n if n > 0 else v


class Normalised:
    """``Embed`` of ``intent.normalise(text)`` through a ``CachedEmbed``: the form the intent
    model, the domain margin and the policy examples all read, so a turn encodes a message once."""

    def __init__(self, inner: CachedEmbed) -> None:
        self.inner = inner

    def __call__(self, texts: list[str]) -> np.ndarray:
        from shopmind.assistant.intent import normalise

        return self.inner([normalise(t) for t in texts])

    def cache_clear(self) -> None:
        """Forget the cached vectors (a benchmark's turn encodes afresh)."""
        self.inner.cache_clear()


@functools.cache
def shared_embed() -> CachedEmbed:
    """The policy ordering's mUSE encoder (one per process), cached per text, each text encoded
    with its ``normalise``d form: the one vector cache every reader of a turn's text shares (the
    policy passages' cosines, the policy examples, the domain margin, the intent model's vectors)."""
    from shopmind.assistant.intent import normalise
    from shopmind.assistant.policy_dense import _default_encoder

    return CachedEmbed(_default_encoder(), companion=normalise)


def labelled_pairs(
    questions: Iterable[dict[str, object]], sets: Sequence[str] | None = None
) -> list[tuple[str, str, str]]:
    """(message, intent, set) of the labelled questions whose ``set`` is in ``sets`` (None: all);
    the set is the group ``domain`` leaves out when it fits its level.
    The last message of a conversation carries the label; its history is not a training text
    (an earlier turn's intent is not labelled). Raises ``ValueError`` on a question without
    text or intent: a silently dropped label would change what the model learns."""
    keep = None if sets is None else set(sets)
    out = []
    for q in questions:
        if keep is not None and str(q.get("set", "main")) not in keep:
            continue
        text, intent = q.get("text"), q.get("intent")
        if not isinstance(text, str) or not text.strip() or not isinstance(intent, str) or not intent:
            raise ValueError(f"labelled question {q.get('id')!r} needs a text and an intent")
        out.append((text, intent, str(q.get("set", "main"))))
    return out


def labelled_sections(
    questions: Iterable[dict[str, object]], sets: Sequence[str] | None = None
) -> list[tuple[str, str]]:
    """(message, policy section id) of the labelled questions in ``sets`` (None: all) whose
    answer cites one section (``expect["section"]``); ``PolicyIndex.set_examples`` reads them."""
    keep = None if sets is None else set(sets)
    out = []
    for q in questions:
        expect = q.get("expect")
        if keep is not None and str(q.get("set", "main")) not in keep:
            continue
        if isinstance(expect, dict) and isinstance(expect.get("section"), str):
            out.append((str(q["text"]), str(expect["section"])))
    return out
