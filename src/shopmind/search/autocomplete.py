"""Type-ahead suggestions: past queries, category names and product titles by prefix.

Sources and weights (the ``weight`` ranks suggestions, higher first):

- ``query``: distinct past search queries (events of type ``search``), weight = how many
  times each was searched;
- ``category``: every level of every category path ("Men", "Men > Outerwear"), the text
  being the level's own name, weight = products under it;
- ``product``: product titles, weight = the product's popularity.

Matching: a suggestion matches a prefix when its normalised text starts with it, or when one
of its *words* does (English: any word start, so "dri" finds "Cordless Drill Kit"; Chinese:
any jieba word start, so "口红" finds "Velvet 持久粉色哑光口红"). A whole-text match ranks
above a word match; then kind (query, category, product), then log weight.

Storage: all match keys (a text and each of its word-start suffixes) in one sorted list;
a prefix is a contiguous range found with two ``bisect`` calls, and the best ``k`` of the
range come from ``argpartition`` over a numpy score array: cost grows with the number of
keys *sharing* the prefix, not with the catalog. Changes (``add``/``remove``) go to a small
unsorted delta and a tombstone set, merged into the sorted arrays once the delta grows.

Persistence (``save``/``load``): the live entries and the *sorted* keys are written with the
engine, so loading a release reads them back in key order instead of recomputing every word
start (Python + jieba per title) and sorting ~1M keys — that was ~15 s of every Home Depot
server start and release switch (issue 17 item 2).
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import shutil
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import polars as pl

from shopmind.data.model import CATEGORY_SEP
from shopmind.privacy import mask_pii
from shopmind.text.analysis import _CJK_RUN, cut_run, normalize

KINDS: tuple[str, ...] = ("query", "category", "product")
_KIND_BONUS = {"query": 0.6, "category": 0.4, "product": 0.0}
_WHOLE_BONUS = 1.0
#: Longest suggestion text indexed (longer titles are cut; they still match by their start).
MAX_TEXT = 200
MAX_PREFIX = 100
_REBUILD_AT = 2048
#: Version of the saved type-ahead folder; another version is ignored (the engine rebuilds it).
SAVE_FORMAT = 2  # 2: each product's counted categories (product_categories.parquet)
#: The folder of a saved search engine that holds its type-ahead.
TYPEAHEAD_DIR = "typeahead"


@dataclass(frozen=True)
class Suggestion:
    text: str
    kind: str
    score: float
    product_id: str | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class _Entry:
    text: str
    kind: str
    weight: float
    product_id: str | None
    alive: bool = True


def _word_starts(norm: str) -> list[int]:
    """Offsets in ``norm`` where a word starts (after the first): after a non-alphanumeric
    character, and at jieba word starts inside runs of Chinese characters."""
    starts: set[int] = set()
    prev_alnum = True
    for i, ch in enumerate(norm):
        alnum = ch.isalnum()
        if alnum and not prev_alnum:
            starts.add(i)
        prev_alnum = alnum
    for m in _CJK_RUN.finditer(norm):
        off = m.start()
        for w in cut_run(m.group(), hmm=False):
            starts.add(off)
            off += len(w)
    starts.discard(0)
    return sorted(starts)


class Autocomplete:
    """Prefix suggestions over queries, categories and product titles (see module docstring)."""

    def __init__(self) -> None:
        self.entries: list[_Entry] = []
        self._by_key: dict[tuple[str, str], int] = {}  # (kind, product id or folded text) -> entry
        self._keys: list[str] = []
        self._key_entry = np.zeros(0, dtype=np.int64)
        self._key_whole = np.zeros(0, dtype=bool)
        self._delta: list[int] = []  # entries added since the last rebuild (not in the sorted keys)
        self._base_cache: np.ndarray | None = None
        self._dirty = False
        #: each product's category levels as counted (a replaced or removed product's are taken back,
        #: so an incremental build's category weights equal a full build's)
        self._product_cats: dict[str, tuple[str, ...]] = {}
        #: bumped by every change to what ``save`` writes (the engine's save links an unchanged folder)
        self.changes = 0

    # ------------------------------------------------------------------ building
    @classmethod
    def build(
        cls,
        products: pl.DataFrame | None,
        popularity: dict[str, float] | None = None,
        events: pl.DataFrame | None = None,
        query_counts: dict[str, float] | None = None,
    ) -> Autocomplete:
        """Products, past searches (``events``) and saved query counts, sorted once."""
        ac = cls()
        if products is not None and products.height:
            ac.add_products(products, popularity or {}, settle=False)
        if events is not None:
            ac.add_queries(events, settle=False)
        if query_counts:
            ac.add_query_counts(query_counts, settle=False)
        ac.rebuild()
        return ac

    def add_products(self, products: pl.DataFrame, popularity: dict[str, float], settle: bool = True) -> None:
        """Add (or replace) product titles and count their categories (``settle=False``: the
        caller calls ``rebuild`` once after all its adds)."""
        cols = set(products.columns)
        ids = products["product_id"].cast(pl.Utf8).to_list()
        titles = products["title"].cast(pl.Utf8).to_list() if "title" in cols else [None] * len(ids)
        cats = (
            products["category_path"].cast(pl.Utf8).to_list()
            if "category_path" in cols
            else [None] * len(ids)
        )
        counts: dict[str, int] = {}
        for pid, title, path in zip(ids, titles, cats, strict=True):
            if pid is None:
                continue
            self.remove_product(pid)  # also takes back its old categories' counts
            if title and title.strip():
                self._add("product", title.strip(), float(popularity.get(pid, 0.0)), pid, bulk=True)
            parts = tuple(
                dict.fromkeys(p.strip() for p in str(path or "").split(CATEGORY_SEP.strip()) if p.strip())
            )
            if parts:
                self._product_cats[str(pid)] = parts
            for p in parts:
                counts[p] = counts.get(p, 0) + 1
        for name, c in counts.items():
            self._add("category", name, float(c), bulk=True)
        if settle:
            self._settle()

    def add_queries(self, events: pl.DataFrame, settle: bool = True) -> None:
        """Count past searches (``type == 'search'``, column ``query``)."""
        if not {"type", "query"} <= set(events.columns):
            return
        q = (
            events.filter(pl.col("type") == "search")
            .select(pl.col("query").cast(pl.Utf8).str.strip_chars())
            .drop_nulls()
            .filter(pl.col("query") != "")
        )
        if not q.height:
            return
        agg = q.group_by("query").len()
        for text, n in agg.iter_rows():
            self._add("query", text, float(n), bulk=True)
        if settle:
            self._settle()

    def _settle(self) -> None:
        """After a bulk add: one re-sort if the unsorted delta grew past its limit (queries scan
        the delta linearly)."""
        if len(self._delta) > _REBUILD_AT:
            self.merge_delta()

    def _add(
        self, kind: str, text: str, weight: float, product_id: str | None = None, bulk: bool = False
    ) -> None:
        """``bulk``: the caller adds many and calls ``_settle`` once — a re-sort every
        ``_REBUILD_AT`` entries made loading a 55k-product catalog quadratic (~1 min)."""
        text = text[:MAX_TEXT]
        if kind == "query" and mask_pii(text) != text:
            return  # a customer typed an e-mail or phone number: never suggest it to others
        self.changes += 1
        key = (kind, product_id if product_id is not None else normalize(text))
        i = self._by_key.get(key)
        if i is not None and self.entries[i].alive:
            e = self.entries[i]
            self._dirty = True
            if kind == "product":
                e.alive = False  # changed title: a new entry (the old keys point to a dead one)
            else:
                e.weight += weight  # same query/category seen again
                return
        self._by_key[key] = len(self.entries)
        self.entries.append(_Entry(text, kind, weight, product_id))
        self._delta.append(len(self.entries) - 1)
        if not bulk and len(self._delta) > _REBUILD_AT:
            self.merge_delta()

    def remove_product(self, product_id: str) -> None:
        """Drop the product's title and take its categories' counts back (a category no product
        is in any more is no suggestion)."""
        i = self._by_key.pop(("product", str(product_id)), None)
        if i is not None:
            self.entries[i].alive = False
            self._dirty = True
            self.changes += 1
        for name in self._product_cats.pop(str(product_id), ()):
            key = ("category", normalize(name[:MAX_TEXT]))
            j = self._by_key.get(key)
            if j is None:
                continue
            e = self.entries[j]
            e.weight -= 1.0
            if e.weight <= 0.5:  # counts are whole: nothing left in it
                e.alive = False
                del self._by_key[key]
            self._dirty = True
            self.changes += 1

    def rebuild(self) -> None:
        """Re-sort all keys of live entries (drops dead entries' keys and empties the delta)."""
        keys: list[str] = []
        ent: list[int] = []
        whole: list[bool] = []
        for i, e in enumerate(self.entries):
            if e.alive:
                for k, _, w in self._keys_of(i, e):
                    keys.append(k)
                    ent.append(i)
                    whole.append(w)
        # one stable sort by the key alone orders ties by entry (they were made in entry order),
        # the order a sort of (key, entry, whole) tuples gives (one entry never repeats a key)
        # at a fraction of its cost: plain string comparisons instead of tuple ones
        order = sorted(range(len(keys)), key=keys.__getitem__)
        self._keys = [keys[j] for j in order]
        idx = np.asarray(order, dtype=np.int64)
        self._key_entry = np.asarray(ent, dtype=np.int64)[idx] if len(idx) else np.zeros(0, dtype=np.int64)
        self._key_whole = np.asarray(whole, dtype=bool)[idx] if len(idx) else np.zeros(0, dtype=bool)
        self._delta = []

    def merge_delta(self) -> None:
        """Fold the unsorted delta into the sorted keys: the arrays ``rebuild`` makes (every
        live entry's keys sorted by key, equal keys in entry order, dead entries' keys
        dropped), computing keys only for the delta's entries.

        Why: saving an engine after a catalog update merged its delta with ``rebuild``, which
        normalised every title again, found every word start and re-sorted all keys — on Home
        Depot ~700k keys for 546 changed products, in every 1 % rebuild (issue 17). The
        delta's entries were all added after the sorted keys were made (their indices are
        higher), so each of their keys goes right after the equal keys already sorted
        (``bisect_right``), which is where the stable sort of ``rebuild`` puts it."""
        if not self._delta:
            return
        alive = np.fromiter((e.alive for e in self.entries), dtype=bool, count=len(self.entries))
        keep = alive[self._key_entry] if len(self._key_entry) else np.zeros(0, dtype=bool)
        old_keys = self._keys if keep.all() else list(itertools.compress(self._keys, keep.tolist()))
        new = [k for i in self._delta if self.entries[i].alive for k in self._keys_of(i, self.entries[i])]
        new.sort(key=lambda k: k[0])  # stable: equal keys stay in entry order
        at = [bisect.bisect_right(old_keys, k) for k, _, _ in new]
        keys: list[str] = []
        prev = 0
        for (k, _, _), p in zip(new, at, strict=True):
            keys.extend(old_keys[prev:p])
            keys.append(k)
            prev = p
        keys.extend(old_keys[prev:])
        where = np.asarray(at, dtype=np.int64)
        self._keys = keys
        self._key_entry = np.insert(
            self._key_entry[keep], where, np.asarray([i for _, i, _ in new], dtype=np.int64)
        )
        self._key_whole = np.insert(
            self._key_whole[keep], where, np.asarray([w for _, _, w in new], dtype=bool)
        )
        self._delta = []

    @staticmethod
    def _keys_of(i: int, e: _Entry) -> list[tuple[str, int, bool]]:
        norm = normalize(e.text)
        out = [(norm, i, True)]
        out.extend((norm[s:], i, False) for s in _word_starts(norm))
        return out

    # ------------------------------------------------------------------ querying
    def suggest(self, prefix: str, k: int = 8, kinds: Iterable[str] = KINDS) -> list[Suggestion]:
        """The best ``k`` suggestions for ``prefix`` (empty for an empty prefix)."""
        p = normalize(str(prefix or ""))[:MAX_PREFIX]
        if not p or k <= 0:
            return []
        kinds = set(kinds)
        lo = bisect.bisect_left(self._keys, p)
        hi = bisect.bisect_left(self._keys, p + "\U0010ffff")
        ent = self._key_entry[lo:hi]
        whole = self._key_whole[lo:hi]
        extra = [
            (i, w)
            for i in self._delta
            for key, _, w in self._keys_of(i, self.entries[i])
            if key.startswith(p)
        ]
        if extra:
            ent = np.concatenate([ent, np.asarray([i for i, _ in extra], dtype=np.int64)])
            whole = np.concatenate([whole, np.asarray([w for _, w in extra], dtype=bool)])
        if not len(ent):
            return []
        best: dict[int, float] = {}
        scores = self._base()[ent] + _WHOLE_BONUS * whole
        take = min(len(scores), 8 * k + 16)
        top = np.argpartition(-scores, take - 1)[:take] if len(scores) > take else np.arange(len(scores))
        for j in top.tolist():
            i = int(ent[j])
            e = self.entries[i]
            if not e.alive or e.kind not in kinds or not math.isfinite(scores[j]):
                continue
            if scores[j] > best.get(i, -math.inf):
                best[i] = float(scores[j])
        seen: set[tuple[str, str]] = set()
        out: list[Suggestion] = []
        for i, s in sorted(best.items(), key=lambda x: (-x[1], self.entries[x[0]].text, x[0])):
            e = self.entries[i]
            dedup = (e.kind if e.kind != "product" else "product", normalize(e.text))
            if dedup in seen:
                continue
            seen.add(dedup)
            out.append(Suggestion(e.text, e.kind, round(s, 4), e.product_id))
            if len(out) >= k:
                break
        return out

    def _base(self) -> np.ndarray:
        """Per entry: log weight + kind bonus (-inf for dead entries); cached until a change."""
        if self._base_cache is None or len(self._base_cache) != len(self.entries) or self._dirty:
            self._base_cache = np.fromiter(
                (
                    math.log1p(max(e.weight, 0.0)) + _KIND_BONUS[e.kind] if e.alive else -math.inf
                    for e in self.entries
                ),
                dtype=np.float64,
                count=len(self.entries),
            )
            self._dirty = False
        return self._base_cache

    # ------------------------------------------------------------------ persistence
    def queries(self) -> dict[str, float]:
        """Past queries and their counts (what ``save`` keeps beyond the catalog)."""
        return {e.text: e.weight for e in self.entries if e.kind == "query" and e.alive}

    def add_query_counts(self, counts: dict[str, float], settle: bool = True) -> None:
        for text, n in counts.items():
            self._add("query", text, float(n), bulk=True)
        if settle:
            self._settle()

    def save(self, folder: Path | str) -> Path:
        """Write the live entries and the sorted keys into ``folder`` (for ``load``).

        Dead entries (removed or retitled products) are dropped and the keys renumbered; an
        unsorted delta is merged first, so what is saved is exactly what ``suggest`` answers."""
        folder = Path(folder)
        if folder.exists():  # fresh files: an earlier save's may be hard-linked into a release
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        self.merge_delta()  # (the delta's keys only: a full rebuild re-sorted ~700k for Home Depot)
        alive = np.fromiter((e.alive for e in self.entries), dtype=bool, count=len(self.entries))
        renum = np.cumsum(alive, dtype=np.int64) - 1
        keep = alive[self._key_entry] if len(self._key_entry) else np.zeros(0, dtype=bool)
        keys = [k for k, ok in zip(self._keys, keep.tolist(), strict=True) if ok]
        lookup = {i: key for (_, key), i in self._by_key.items()}
        live = [(i, e) for i, e in enumerate(self.entries) if e.alive]
        pl.DataFrame(
            {
                "text": [e.text for _, e in live],
                "kind": [e.kind for _, e in live],
                "weight": pl.Series([e.weight for _, e in live], dtype=pl.Float64),
                "product_id": pl.Series([e.product_id for _, e in live], dtype=pl.Utf8),
                "key": [lookup.get(i, e.product_id or normalize(e.text)) for i, e in live],
            }
        ).write_parquet(folder / "entries.parquet")
        # keys as one text plus their end offsets (characters): read back with one decode
        (folder / "keys.txt").write_text("".join(keys), encoding="utf-8", newline="")
        np.save(folder / "key_ends.npy", np.cumsum([len(k) for k in keys], dtype=np.int64))
        np.save(folder / "key_entry.npy", renum[self._key_entry[keep]])
        np.save(folder / "key_whole.npy", self._key_whole[keep])
        pl.DataFrame(
            {
                "product_id": list(self._product_cats),
                "categories": pl.Series(list(map(list, self._product_cats.values())), dtype=pl.List(pl.Utf8)),
            }
        ).write_parquet(folder / "product_categories.parquet")
        meta = {"format": SAVE_FORMAT, "entries": len(live), "keys": len(keys)}
        (folder / "typeahead.json").write_text(json.dumps(meta), encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: Path | str) -> Autocomplete | None:
        """The type-ahead ``save`` wrote, its keys already sorted (no word starts computed, no
        sort); None when ``folder`` holds none or another format (the caller builds one)."""
        folder = Path(folder)
        try:
            meta = json.loads((folder / "typeahead.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if meta.get("format") != SAVE_FORMAT:
            return None
        frame = pl.read_parquet(folder / "entries.parquet")
        text = (folder / "keys.txt").read_text(encoding="utf-8")
        ends = np.load(folder / "key_ends.npy")
        ac = cls()
        cols = [frame[c].to_list() for c in ("text", "kind", "weight", "product_id", "key")]
        ac.entries = [_Entry(t, k, w, p) for t, k, w, p, _ in zip(*cols, strict=True)]
        ac._by_key = {(k, key): i for i, (k, key) in enumerate(zip(cols[1], cols[4], strict=True))}
        starts = [0, *ends[:-1].tolist()] if len(ends) else []
        ac._keys = [text[a:b] for a, b in zip(starts, ends.tolist(), strict=True)]
        ac._key_entry = np.load(folder / "key_entry.npy")
        ac._key_whole = np.load(folder / "key_whole.npy")
        cats = pl.read_parquet(folder / "product_categories.parquet")
        ac._product_cats = {
            pid: tuple(parts)
            for pid, parts in zip(cats["product_id"].to_list(), cats["categories"].to_list(), strict=True)
        }
        n_keys, n_entries = len(ac._keys), len(ac.entries)
        sizes_ok = n_entries == meta.get("entries") and n_keys == len(ac._key_entry) == len(ac._key_whole)
        ent = ac._key_entry
        if (
            not sizes_ok
            or n_keys != meta.get("keys")
            or (n_keys and not 0 <= ent.min() <= ent.max() < n_entries)
        ):
            raise ValueError(f"{folder}: type-ahead files disagree with typeahead.json (a torn save?)")
        return ac
