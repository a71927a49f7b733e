"""Saving and loading a search engine (a release's ``search/`` folder).

Why a module of its own: the on-disk layout (``engine.json`` with the format version and
settings, lexical segments, catalog, vectors, HNSW graph, encoder state, warmed query vectors,
type-ahead, the understanding's knowledge graph, the learned re-ranker) and the load path that
re-attaches each part — falling back to rebuilding what an older release lacks — are one job,
apart from building and searching. ``Persistence`` is the mixin of ``SearchEngine``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from shopmind.search.autocomplete import TYPEAHEAD_DIR, Autocomplete
from shopmind.search.catalog import Catalog
from shopmind.search.compounds import ensure as ensure_compound_heads
from shopmind.search.dense import Encoder
from shopmind.search.dense_encoders import same_model
from shopmind.search.engine_types import QueryParser, Reranker, SearchConfig
from shopmind.search.lexical import LexicalIndex
from shopmind.search.sources import is_traditional

if TYPE_CHECKING:
    from shopmind.search.engine import SearchEngine


FORMAT_VERSION = 1
LTR_DIR = "ltr"  # sub-folder of a saved engine holding its learned re-ranker
GRAPH_DIR = "graph"  # sub-folder of a saved engine holding its understanding's knowledge graph
#: Off: the query understanding reads no misspelt catalog value (the "before" arm of bench/search_value_spelling.py).
PARSER_SPELLER = True
#: sub-folders ``save`` may hard-link from where the same state was saved or loaded (``link_from``)
LINKABLE_PARTS = ("lexical", "catalog", TYPEAHEAD_DIR, GRAPH_DIR)


def _digest(values: np.ndarray) -> str:
    return hashlib.blake2b(np.ascontiguousarray(values).tobytes(), digest_size=16).hexdigest()


def _files(part: Path) -> dict[str, tuple[int, int, int]]:
    """Each file under ``part``: (device, inode, size) — which files these are, not their text."""
    out = {}
    for f in sorted(part.rglob("*")):
        if f.is_file():
            st = f.stat()
            out[str(f.relative_to(part))] = (st.st_dev, st.st_ino, st.st_size)
    return out


class Persistence:
    """Save/load methods of ``SearchEngine`` (see the module docstring)."""

    #: per linkable part, the mark of the state last saved or loaded and the files it is in
    _saved_parts: dict[str, tuple[object, dict[str, tuple[int, int, int]]]]
    #: the parts the last ``save`` hard-linked instead of writing
    linked_parts: list[str]

    def _part_marks(self) -> dict[str, object]:
        """Per linkable part, a mark that changes whenever what ``save`` writes for it would:
        the objects (ids) and live masks of the lexical segments, the catalog's frame, live rows
        and popularity, the type-ahead's entries, keys and delta, the understanding's graph. No
        part mutates its saved content without one of these changing (upserts add segments and
        rows, deletes flip live masks, a rebuilt type-ahead or graph is a new object)."""
        lex, cat, ac = self.lexical, self.catalog, self.autocompleter
        graph = getattr(self.parser, "graph", None)
        return {
            "lexical": (
                id(lex), tuple((id(seg), _digest(seg.live)) for seg in lex.segments), len(lex.terms),
                len(lex.surface), json.dumps(lex.params.as_dict(), sort_keys=True),
            ),
            "catalog": (
                id(cat), id(cat.frame), cat.n_rows, _digest(cat.live), id(cat._pop_by_id), _digest(cat.popularity),
            ),
            TYPEAHEAD_DIR: (
                id(ac), id(ac._keys), len(ac._keys), len(ac._delta), len(ac.entries),
                sum(e.alive for e in ac.entries), math.fsum(e.weight for e in ac.entries), ac.changes,
            ),
            GRAPH_DIR: (id(graph), bool(getattr(self, "_graph_stale", False))),
        }  # fmt: skip

    def _remember_parts(self, folder: Path) -> None:
        """Record which files hold the engine's linkable parts as they are now (after a save or load)."""
        marks = self._part_marks()
        self._saved_parts = {
            p: (marks[p], _files(folder / p)) for p in LINKABLE_PARTS if (folder / p).is_dir()
        }

    def _link_part(self, part: str, folder: Path, link_from: Path | None, mark: object) -> bool:
        """Hard-link ``part`` from ``link_from`` into ``folder`` when the engine's part is in the
        state it was last saved or loaded in and ``link_from`` holds exactly those files (same
        inodes: a release folder renamed into place keeps them); else False (write it)."""
        saved = getattr(self, "_saved_parts", {}).get(part)
        src = None if link_from is None else link_from / part
        if saved is None or src is None or saved[0] != mark or not src.is_dir() or _files(src) != saved[1]:
            return False
        dst = folder / part
        if dst.exists():
            shutil.rmtree(dst)
        for rel in saved[1]:
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(src / rel, dst / rel)
            except OSError:  # another file system: a copy
                shutil.copy2(src / rel, dst / rel)
        return True

    def save(self, folder: Path | str, link_from: Path | str | None = None) -> Path:
        """Write the engine to ``folder`` (config, lexical index, catalog, vectors, queries,
        and a learned re-ranker in ``ltr/`` when one is attached).

        ``link_from``: a folder where this engine was saved (or loaded from) before — the
        lexical index, catalog, type-ahead and graph still in that state are hard-linked from
        it instead of written again. Why: a progressive build saves its search engine twice,
        and the vector stage changes only the vectors, the graph and the re-ranker; writing
        the rest again (compressing the index, the catalog's Parquet) was seconds of Home
        Depot's 1 % rebuild (issue 17)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        link = None if link_from is None else Path(link_from)
        marks = self._part_marks()
        self.linked_parts = []
        for part, obj in (("lexical", self.lexical), ("catalog", self.catalog)):
            if self._link_part(part, folder, link, marks[part]):
                self.linked_parts.append(part)
                continue
            if (folder / part).exists():  # new files: an earlier save's may be links into a release
                shutil.rmtree(folder / part)
            obj.save(folder / part)
        if self.vectors is not None:
            np.save(folder / "vectors.npy", self.vectors)
        ann = getattr(self, "_ann", None)
        if ann is not None and len(ann) == len(self.vectors):
            ann.save_hnsw(folder / "hnsw.usearch")
        save_state = getattr(self._encoder, "save_state", None)
        if save_state is not None and self.vectors is not None:
            save_state(folder / "encoder")  # the static encoder's word table (served without a cache)
        if self._qvecs:
            keys = list(self._qvecs)
            np.save(folder / "query_vectors.npy", np.vstack([self._qvecs[k] for k in keys]))
            (folder / "query_vectors.json").write_text(json.dumps(keys, ensure_ascii=False), encoding="utf-8")
        from shopmind.search.ltr import LTRReranker

        ltr_dir = folder / LTR_DIR
        if ltr_dir.exists():
            shutil.rmtree(ltr_dir)  # a stale model must not be loaded with this engine
        if isinstance(self.reranker, LTRReranker):
            self.reranker.save(ltr_dir)
        if self._link_part(TYPEAHEAD_DIR, folder, link, marks[TYPEAHEAD_DIR]):
            self.linked_parts.append(TYPEAHEAD_DIR)
        else:
            self.autocompleter.save(folder / TYPEAHEAD_DIR)  # sorted keys: a load does not sort them
        graph_dir = folder / GRAPH_DIR
        graph = getattr(self.parser, "graph", None)
        if self._link_part(GRAPH_DIR, folder, link, marks[GRAPH_DIR]):
            self.linked_parts.append(GRAPH_DIR)
        else:
            if graph_dir.exists():
                shutil.rmtree(graph_dir)  # a stale graph must not be loaded with this engine
            if graph is not None and hasattr(graph, "save") and not getattr(self, "_graph_stale", False):
                graph.save(graph_dir)  # the understanding a load would otherwise rebuild (~1.5 s, issue 17)
        meta = {
            "format_version": FORMAT_VERSION,
            "config": asdict(self.config),
            "encoder": None if self._encoder is None else self._encoder.name,
            "queries": self.autocompleter.queries(),
            "untrusted": sorted(self.untrusted),
            "catalog_t2s": self.catalog_t2s,
        }
        (folder / "engine.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        self._remember_parts(folder)
        return folder

    @classmethod
    def load(
        cls,
        folder: Path | str,
        cache_dir: Path | str | None = None,
        parser: QueryParser | None = None,
        reranker: Reranker | None = None,
        encoder: Encoder | None = None,
        vectors: bool = True,
    ) -> SearchEngine:
        """An engine saved by ``save``. The encoder is created on the first query that needs
        it; its name must match the one the vectors were made with. A saved learned
        re-ranker (``ltr/``) is re-attached with its features rebuilt over the loaded parts,
        unless ``reranker`` is given; one that cannot load (e.g. trained on another feature
        set) is left off, with a note on every response.

        ``vectors=False`` reads no product vectors, HNSW graph or query vectors: an
        incremental build starts from the previous engine's lexical parts and drops those
        (on Home Depot ~80-110 MB of vectors and a ~55k-node graph read for nothing, issue 17)."""
        folder = Path(folder)
        meta = json.loads((folder / "engine.json").read_text(encoding="utf-8"))
        if meta.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{folder}: unsupported engine format {meta.get('format_version')!r}")
        eng = cls(SearchConfig(**meta["config"]), cache_dir, parser, reranker, encoder)
        eng.untrusted = frozenset(meta.get("untrusted", []))
        eng._encoder_state = folder / "encoder" if (folder / "encoder").exists() else None
        if encoder is not None:
            eng._load_encoder_state()
        eng.lexical = LexicalIndex.load(folder / "lexical")
        ensure_compound_heads(eng.lexical)  # read with it when saved with it (a release), else built now
        eng.catalog = Catalog.load(folder / "catalog")
        if vectors and (folder / "vectors.npy").exists():
            eng.vectors = np.load(folder / "vectors.npy")
        if (
            encoder is not None
            and meta.get("encoder") is not None
            and not same_model(meta["encoder"], encoder.name)
        ):
            raise ValueError(f"{folder}: vectors made with {meta['encoder']!r}, not {encoder.name!r}")
        live = eng.catalog.frame.filter(pl.Series(eng.catalog.live))
        saved = Autocomplete.load(folder / TYPEAHEAD_DIR)  # None: saved before type-ahead was
        if saved is None:
            pop = {pid: float(eng.catalog.popularity[r]) for pid, r in eng.catalog.pos.items()}
            saved = Autocomplete.build(live, pop, query_counts=meta.get("queries", {}))
        eng.autocompleter = saved
        if eng.parser is None and eng.config.understand:
            eng.parser = eng._saved_parser(folder / GRAPH_DIR) or eng._default_parser(
                eng._trusted(live), None
            )
        saved_t2s = meta.get("catalog_t2s")  # absent: saved before the setting existed
        eng.catalog_t2s = bool(saved_t2s) if saved_t2s is not None else not is_traditional(live)
        eng._refresh_ann(folder / "hnsw.usearch")  # (none without vectors)
        if (folder / "query_vectors.json").exists() and eng.vectors is not None:
            keys = json.loads((folder / "query_vectors.json").read_text(encoding="utf-8"))
            mat = np.load(folder / "query_vectors.npy")
            if len(keys) == len(mat) and mat.shape[1] == eng.vectors.shape[1]:
                for k, v in zip(keys, mat, strict=True):
                    eng._qvecs[k] = v
        if reranker is None and (folder / LTR_DIR / "ltr.json").exists():
            from shopmind.search.ltr import LTRReranker

            try:
                eng.reranker = LTRReranker.load(folder / LTR_DIR, eng)
            except Exception as exc:  # noqa: BLE001 - a bad model must not stop search from serving
                eng.notes.append(f"learned re-ranker not loaded ({exc}); fused order used")
        eng._remember_parts(folder)
        return eng

    def _understanding(self, graph: Any, cls: Any) -> QueryParser:
        """``cls`` (``QueryUnderstanding``) over ``graph`` whose speller is this engine's index, for catalog
        attribute values: a misspelt material or colour is read as the value ("lether bag": material leather,
        as "leather bag"), as the lexical match already corrected the word (session 33). ``PARSER_SPELLER``
        off: no speller (before)."""
        return cls(graph, speller=self._spell_value if PARSER_SPELLER else None)  # type: ignore[no-any-return]

    def _spell_value(self, word: str) -> str | None:
        """The catalog attribute value the lexical index corrects ``word`` to; None for no correction or one
        that is no attribute value (a corrected category or brand word is left to the lexical match: read as
        a category it moved Home Depot's judged lists down, bench/search_value_spelling.py's first run)."""
        fix = self.lexical.analyze_query(word)[1].get(word)
        vocab = getattr(self.parser, "vocab", None)
        return fix if fix and vocab is not None and vocab.is_value(fix) else None

    def _saved_parser(self, folder: Path) -> QueryParser | None:
        """``QueryUnderstanding`` over the graph saved with the engine: the one built with the
        engine, read in ~0.1 s instead of rebuilt (mining category
        aliases with jieba: ~1.5 s of the demo's release load). None when none was saved (an
        engine saved before graphs were) or it cannot be read: the caller rebuilds it."""
        if not (folder / "graph.json").is_file():
            return None
        try:
            from shopmind.search.graph import KnowledgeGraph
            from shopmind.search.understand import QueryUnderstanding

            return self._understanding(KnowledgeGraph.load(folder), QueryUnderstanding)
        except (ImportError, ValueError, KeyError, TypeError) as exc:
            self.notes.append(f"saved understanding unreadable, rebuilt: {type(exc).__name__}: {exc}")
            return None
