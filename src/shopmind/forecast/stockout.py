"""Stock-out risk as a search and recommendation signal (issue 14 item 4).

A product forecast to sell out before a restock could arrive should not be pushed to shoppers:
the sale is lost anyway, and the shopper who clicks it is disappointed. The release's forecast
component saves, per forecast product, the expected demand over the lead time ``mu_L`` and its
spread ``sd_L = sigma_1 * sqrt(L)`` (``policy.parquet``); the risk is

    P(demand over the lead time > on hand) = 1 - Phi((on_hand - mu_L) / sd_L)

— the same figure as the policy's ``stockout_risk`` at the build's stock. It is recomputed from the
*served* stock (the search catalog's, which live product changes update), so a product the shop
restocks through the API stops being flagged at once, without a rebuild (in recommendations too:
they read the stock of the served search catalog).

``[forecast] stockout`` chooses what the shop does with products whose risk is at least
``stockout_threshold``:

- ``"off"`` (default): nothing;
- ``"deboost"``: in search (relevance and popularity sorts; an explicit price/newest sort is the
  shopper's order and is kept) a flagged product's reciprocal rank is multiplied by
  ``stockout_deboost`` (0.5: rank 3 -> 6); in recommendations its score multiplier (the rules'
  ``boosts``) is. The product stays findable;
- ``"hide"``: flagged products are left out of search results (total and facets too) and are not
  eligible for recommendations (the list is still filled to ``k`` from the other items).

Search responses say which products were de-boosted or hidden in ``notes``; a de-boosted
recommendation says so in its ``reason`` and carries ``"stockout"`` in ``sources``. The settings are
the release's own (``forecast.json``), so a rollback restores them with the forecasts.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

MODES = ("off", "deboost", "hide")
#: the words a response uses for a flagged product
WHY = "forecast to sell out before a restock arrives"
#: at most this many product ids named in one search note
NOTE_IDS = 5


def check_settings(mode: object, threshold: object, factor: object) -> None:
    """Raise ``ValueError`` naming the bad ``[forecast] stockout*`` setting."""
    if mode not in MODES:
        raise ValueError(f"stockout must be one of {', '.join(MODES)}, not {mode!r}")
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not 0 < threshold <= 1:
        raise ValueError(f"stockout_threshold must be a number in (0, 1], not {threshold!r}")
    if isinstance(factor, bool) or not isinstance(factor, int | float) or not 0 < factor < 1:
        raise ValueError(f"stockout_deboost must be a number in (0, 1), not {factor!r}")


def risk_of(on_hand: np.ndarray, mu: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """P(demand over the lead time > on hand) under the normal approximation (as the policy); NaN
    where the stock or the forecast is unknown; 0/1 when the spread is 0."""
    from scipy.special import ndtr  # lazily: ~0.8 s of import on every release load otherwise (issue 17)

    with np.errstate(divide="ignore", invalid="ignore"):
        z = (on_hand - mu) / sd
        risk = np.where(sd > 0, 1.0 - ndtr(z), (mu > on_hand).astype(float))
    return np.where(np.isfinite(on_hand) & np.isfinite(mu) & np.isfinite(sd), risk, np.nan)


@dataclass
class StockoutSignal:
    """Per forecast product: demand over the lead time and its spread; the shop's setting."""

    mode: str
    threshold: float
    factor: float
    mu: dict[str, float]
    sd: dict[str, float]
    _aligned: dict[tuple[int, int, int], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    #: the served search engine, whose catalog carries live stock (set by :func:`attach_stockout`)
    live: Any = None
    _rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    _rows_key: tuple[int, ...] = ()

    def _arrays(self, ids: Sequence[Any], key: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
        """``mu``/``sd`` aligned with a catalog's rows (NaN for products not forecast), cached per
        catalog object, size and generation (search rows are appended or renumbered live)."""
        got = self._aligned.get(key)
        if got is None:
            mu = np.array([self.mu.get(str(i), np.nan) for i in ids], dtype=float)
            sd = np.array([self.sd.get(str(i), np.nan) for i in ids], dtype=float)
            if len(self._aligned) >= 4:  # the live search catalog and the recommender's
                self._aligned.clear()
            got = self._aligned[key] = (mu, sd)
        return got

    def risk_rows(self, ids: Sequence[Any], stock: np.ndarray, rows: np.ndarray, key: tuple[int, int, int]) -> np.ndarray:  # fmt: skip
        """Risk of the given catalog rows from the catalog's current stock."""
        mu, sd = self._arrays(ids, key)
        return risk_of(stock[rows], mu[rows], sd[rows])

    def flagged(self, risk: np.ndarray) -> np.ndarray:
        return np.nan_to_num(risk, nan=0.0) >= self.threshold

    # ------------------------------------------------------------------ search
    def search(self, engine: Any, cands: Any, order: np.ndarray, need: int, sort: str, browse: bool,
               head: np.ndarray | None, currency: str | None, notes: list[str]) -> tuple[Any, np.ndarray]:  # fmt: skip
        """The engine's hook: (candidates, order) with flagged products hidden or de-boosted, and a
        note naming them. ``order`` indexes ``cands.rows``; at least its first ``need`` are kept."""
        cat = engine.catalog
        key = (id(cat), cat.n_rows, cat.generation)
        risk = self.risk_rows(cat.ids, cat.stock, cands.rows, key)
        flag = self.flagged(risk)
        if not flag.any():
            return cands, order
        if self.mode == "hide":
            return self._hide(engine, cands, flag, risk, need, sort, browse, head, currency, notes)
        if sort not in ("relevance", "popularity"):
            return cands, order
        # a flagged product at position p gets the key (p + 1) / factor, so everything that ends in
        # the first `need` was within the first need / factor of the original order
        m = min(len(cands.rows), int(math.ceil(need / self.factor)) + 1)
        top = engine._sort(cands, sort, m, browse, head, currency)
        keys = np.arange(1, len(top) + 1, dtype=float)
        f = flag[top]
        keys[f] /= self.factor
        new = top[np.lexsort((f, keys))]  # ties: the product not at risk first
        shown = [i for i in new[:need].tolist() if flag[i]]
        if shown:
            notes.append(self._note("de-boosted", cands.rows, shown, risk, cat.ids))
        return cands, new

    def _hide(self, engine: Any, cands: Any, flag: np.ndarray, risk: np.ndarray, need: int, sort: str,
              browse: bool, head: np.ndarray | None, currency: str | None, notes: list[str]) -> tuple[Any, np.ndarray]:  # fmt: skip
        keep = np.flatnonzero(~flag)
        new_of = np.full(len(flag), -1, dtype=np.int64)
        new_of[keep] = np.arange(len(keep))
        reranked = {int(new_of[i]): s for i, s in cands.reranked.items() if not flag[i]}
        kept = replace(
            cands,
            rows=cands.rows[keep],
            lexical=cands.lexical[keep],
            dense=cands.dense[keep],
            fused=cands.fused[keep],
            matched=cands.matched[keep],
            reranked=reranked,
        )
        new_head = None if head is None else new_of[head[~flag[head]]]
        order = engine._sort(kept, sort, need, browse, new_head, currency)
        notes.append(
            self._note("hidden", cands.rows, np.flatnonzero(flag).tolist(), risk, engine.catalog.ids)
        )
        return kept, order

    def _note(self, what: str, rows: np.ndarray, idx: list[int], risk: np.ndarray, ids: Sequence[Any]) -> str:
        # the riskiest first, then by id, so the note is deterministic
        named = sorted(idx, key=lambda i: (-float(risk[i]), str(ids[rows[i]])))
        listed = ", ".join(f"{ids[rows[i]]} (risk {risk[i]:.2f})" for i in named[:NOTE_IDS])
        more = f" and {len(idx) - NOTE_IDS} more" if len(idx) > NOTE_IDS else ""
        return f"stock-out: {what} {len(idx)} product(s) {WHY}: {listed}{more}"

    # ------------------------------------------------------------------ recommendations
    def recs_rules(self, catalog: Any, eligible: np.ndarray, boosts: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:  # fmt: skip
        """The recommender's hook before selection: flagged items not eligible ("hide") or their
        score multiplier times ``factor`` ("deboost")."""
        flag = self._recs_flags(catalog)
        if not flag.any():
            return eligible, boosts
        if self.mode == "hide":
            return eligible & ~flag, boosts
        out = np.ones(len(catalog), dtype=np.float64) if boosts is None else boosts.copy()
        out[flag] *= self.factor
        return eligible, out

    def recs_reasons(self, catalog: Any, recs: list[Any]) -> list[Any]:
        """De-boosted recommendations say so (reason text, ``"stockout"`` in sources)."""
        if self.mode != "deboost":
            return recs
        flag = self._recs_flags(catalog)
        out = []
        for r in recs:
            i = catalog.index.get(r.item_id)
            if i is not None and flag[i]:
                r = replace(r, reason=f"{r.reason} (de-boosted: {WHY})", sources=(*r.sources, "stockout"))
            out.append(r)
        return out

    def _recs_flags(self, catalog: Any) -> np.ndarray:
        key = (id(catalog), len(catalog), 0)
        n = len(catalog)
        return self.flagged(self.risk_rows(catalog.ids, self._served_stock(catalog), np.arange(n), key))

    def _served_stock(self, catalog: Any) -> np.ndarray:
        """The recommender's items' stock as served: the live search catalog's (which product changes
        through the API update) where it has the product, else the recommender's own (the build's)."""
        live = getattr(self.live, "catalog", None)
        if live is None:
            return np.asarray(catalog.stock, dtype=float)
        key = (id(catalog), len(catalog), id(live), live.n_rows, live.generation)
        if self._rows_key != key:
            self._rows = np.array([live.pos.get(str(i), -1) for i in catalog.ids], dtype=np.int64)
            self._rows_key = key
        rows = self._rows
        own = np.asarray(catalog.stock, dtype=float)
        return np.where(rows >= 0, live.stock[np.maximum(rows, 0)] if len(live.stock) else np.nan, own)


def load_signal(release_folder: Path) -> StockoutSignal | None:
    """The release's stock-out signal, or None when its forecasts are absent or the setting is off."""
    base = Path(release_folder) / "forecast"
    meta_file, pol_file = base / "forecast.json", base / "policy.parquet"
    if not meta_file.exists() or not pol_file.exists():
        return None
    settings = json.loads(meta_file.read_text(encoding="utf-8")).get("settings", {})
    mode = settings.get("stockout", "off")
    if mode == "off":
        return None
    lead = float(settings.get("lead_time_days", 7.0))
    pol = pl.read_parquet(pol_file, columns=["product_id", "sigma_daily", "demand_lead_time"]).drop_nulls()
    ids = pol["product_id"].cast(pl.Utf8).to_list()
    mu = pol["demand_lead_time"].to_numpy().astype(float)
    sd = pol["sigma_daily"].to_numpy().astype(float) * math.sqrt(lead)
    return StockoutSignal(
        mode=mode,
        threshold=float(settings.get("stockout_threshold", 0.5)),
        factor=float(settings.get("stockout_deboost", 0.5)),
        mu=dict(zip(ids, mu.tolist(), strict=True)),
        sd=dict(zip(ids, sd.tolist(), strict=True)),
    )


def attach_stockout(release_folder: Path, engine: Any | None, recs: Any | None) -> StockoutSignal | None:
    """Give the loaded search engine and recommender the release's signal (``stockout`` attribute,
    read by their one hook each); None when the setting is off."""
    signal = load_signal(release_folder)
    if signal is not None:
        signal.live = engine
    for target in (engine, recs):
        if target is not None:
            target.stockout = signal
    return signal
