"""The analysed terms of many product titles, computed in a child process.

Why: the title features (``FeatureExtractor.title_facts``) analyse every candidate's title
once; on Home Depot that is ~50k titles through the regex tokenizer and the stemmer, ~20 % of
the re-ranker's training (issue 17). Training first records one search per judged query on
this process's core; the titles can be analysed meanwhile on the other core. The child runs
the same ``Analyzer`` (rebuilt from its settings) on the same normalised text, so its terms
are the ones ``title_facts`` would compute; anything else is analysed here as before.
"""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Sequence
from typing import Any

from shopmind.workers import exit_with_parent, spawn_pool

#: below this many titles the child's start (a fresh interpreter) costs more than it saves
MIN_TITLES = 5_000


def analyse_titles(config: dict[str, Any], titles: Sequence[str]) -> list[list[str]]:
    """Terms of each raw title, normalised as ``title_facts`` does, under ``Analyzer(**config)``."""
    from shopmind.search.ltr.features import normalise_query
    from shopmind.text.analysis import Analyzer

    analyzer = Analyzer(**config)
    return [analyzer.tokens(normalise_query(t)) for t in titles]


class TitleTerms:
    """Start analysing ``titles`` (raw) in a child process; ``result()`` waits for the
    terms (None when it could not run: the caller analyses the titles itself)."""

    def __init__(self, analyzer: Any, titles: Sequence[str]) -> None:
        from shopmind.text.analysis import Analyzer

        self._pool: cf.ProcessPoolExecutor | None = None
        self._future: cf.Future[list[list[str]]] | None = None
        # only the stock analyzer can be rebuilt from its settings in another process
        if type(analyzer) is not Analyzer or len(titles) < MIN_TITLES:
            return
        try:
            self._pool = spawn_pool(1, exit_with_parent, what="the title analyser")
            self._future = self._pool.submit(analyse_titles, analyzer.config(), list(titles))
        except (OSError, RuntimeError):  # no child possible here: analyse in this process
            self.close()

    def result(self) -> list[list[str]] | None:
        try:
            return None if self._future is None else self._future.result()
        except Exception:  # noqa: BLE001 - a failed child only costs the time it saved
            return None
        finally:
            self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool, self._future = None, None
