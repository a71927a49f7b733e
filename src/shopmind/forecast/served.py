"""Reading a release's ``forecast`` folder for serving: one product's history, forecast and stock
projection, and the reorder list. Loaded once per release folder (the files are immutable: a new
release is a new folder) and shared by the API routes and the inventory dashboard."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from shopmind.forecast.release import FORECAST, HISTORY, META, POLICY, reorder_rows


class NoForecast(LookupError):
    """The release has no forecasts (skipped, switched off, or built before forecasts existed)."""


@dataclass
class ServedForecast:
    """The saved frames of one release, partitioned by product for O(1) lookups."""

    meta: dict[str, Any]
    history: dict[str, pl.DataFrame]
    forecast: dict[str, pl.DataFrame]
    policy: dict[str, dict[str, Any]]
    reorder: list[dict[str, Any]]

    def product(self, product_id: str) -> dict[str, Any] | None:
        """History, forecast with 80/95 % intervals, stock projection and policy of one product."""
        fc = self.forecast.get(product_id)
        if fc is None:
            return None
        hist = self.history.get(product_id)
        pol = self.policy.get(product_id, {})
        rows = fc.with_columns(pl.col("date").cast(pl.Utf8)).to_dicts()
        return {
            "product_id": product_id,
            "as_of": self.meta["as_of"],
            "grain": self.meta["grain"],
            "history": []
            if hist is None
            else hist.with_columns(pl.col("date").cast(pl.Utf8))
            .select("date", "value")
            .to_dicts(),  # fmt: skip
            "forecast": [{k: r[k] for k in ("date", "mean", "lo80", "hi80", "lo95", "hi95")} for r in rows],
            "stock": {
                "on_hand": pol.get("on_hand"),
                "projection": [
                    {"date": r["date"], "expected": r["stock_expected"], "low95": r["stock_low95"]}
                    for r in rows
                ],
            },
            "policy": {k: v for k, v in pol.items() if k != "product_id"},
        }


def _by_product(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    return {
        str(k[0]): part.drop("product_id")
        for k, part in frame.partition_by("product_id", as_dict=True).items()
    }


@functools.lru_cache(maxsize=4)
def load_served(folder: str) -> ServedForecast:
    """The forecast of the release at ``folder`` (its ``forecast`` component folder's parent)."""
    base = Path(folder) / "forecast"
    if not (base / META).exists():
        raise NoForecast(folder)
    pol = pl.read_parquet(base / POLICY)
    return ServedForecast(
        meta=json.loads((base / META).read_text(encoding="utf-8")),
        history=_by_product(pl.read_parquet(base / HISTORY)),
        forecast=_by_product(pl.read_parquet(base / FORECAST)),
        policy={r["product_id"]: r for r in pol.to_dicts()},
        reorder=reorder_rows(pol),
    )


def why_none(manifest: dict[str, Any]) -> str:
    """Why a release has no forecasts, from its manifest."""
    if manifest.get("parts", {}).get("forecast") == "pending":
        return "forecasts are still building: they come with the complete release (see /readyz)"
    facts = manifest.get("components", {}).get("forecast")
    if facts is None:
        return "the current release was built without forecasts (rebuild with `shopmind build`)"
    return f"the current release has no forecasts: {facts.get('reason', facts.get('forecast'))}"
