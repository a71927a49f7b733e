"""Profiles as a release serves them: loaded from the build's files, updated by live events.

The build writes every user's profile (``profiles.parquet``), what a profile needs of each
product (``items.parquet``) and the reference time, RFM cut points and config
(``meta.json``). A server loads them and applies the live log's events as they arrive (the
same replay as the recommenders' live state): a user an event touches gets an overlay record
(first/last seen, counts, money, interest weights added at ``2^((t - ref) / half_life)``), so
loading stays one Parquet read whatever the number of users, and an update is a few dict
operations. The next build recomputes everything from the store.

Live counts are exact for events, purchases and money; ``sessions`` and ``orders`` count a
session/order id once per server process (one spanning a build may be counted twice until the
next build).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from shopmind.profiles.model import (
    KINDS,
    SEGMENTS,
    ProfileConfig,
    _days,
    compute_profiles,
    item_table,
    present,
    segment,
)
from shopmind.recommend.base import EVENT_WEIGHTS

PROFILES_FILE = "profiles.parquet"
ITEMS_FILE = "items.parquet"
META_FILE = "meta.json"


def _ts(value: Any) -> datetime | None:
    """An event's timestamp (a datetime, or ISO text from the live log) in UTC."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            t = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return t if t.tzinfo else t.replace(tzinfo=UTC)
    return None


class ProfileIndex:
    """Every user's profile, readable by id, updated in place by events."""

    def __init__(
        self, frame: pl.DataFrame, items: pl.DataFrame, meta: Mapping[str, Any], cfg: ProfileConfig
    ) -> None:
        self.frame = frame
        self.meta = dict(meta)
        self.cfg = cfg
        self.ref = _ts(meta.get("ref"))
        self.as_of = _ts(meta.get("as_of"))
        self._pos = {u: i for i, u in enumerate(frame["user_id"].to_list())}
        self._items = {
            r[0]: r[1:]
            for r in items.select("item_id", "category", "brand", "language", "price_pos").iter_rows()
        }
        self._overlay: dict[str, dict[str, Any]] = {}

    # ---------------------------------------------------------------- build / files
    @classmethod
    def build(
        cls, events: pl.DataFrame, products: pl.DataFrame, cfg: ProfileConfig | None = None
    ) -> ProfileIndex:
        cfg = cfg or ProfileConfig()
        frame, meta = compute_profiles(events, products, cfg)
        return cls(frame, item_table(products), meta, cfg)

    def save(self, folder: Path | str) -> Path:
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        self.frame.write_parquet(out / PROFILES_FILE)
        items = pl.DataFrame(
            [(k, *v) for k, v in self._items.items()],
            schema={"item_id": pl.Utf8, "category": pl.Utf8, "brand": pl.Utf8, "language": pl.Utf8,
                    "price_pos": pl.Float64},
            orient="row",
        )  # fmt: skip
        items.write_parquet(out / ITEMS_FILE)
        (out / META_FILE).write_text(json.dumps(self.meta, default=str), encoding="utf-8")
        return out

    @classmethod
    def load(cls, folder: Path | str) -> ProfileIndex:
        folder = Path(folder)
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        cfg = ProfileConfig(**meta.get("config", {}))
        return cls(pl.read_parquet(folder / PROFILES_FILE), pl.read_parquet(folder / ITEMS_FILE), meta, cfg)

    # ---------------------------------------------------------------- reads
    def __len__(self) -> int:
        return len(self._pos) + sum(1 for u in self._overlay if u not in self._pos)

    def __contains__(self, user_id: object) -> bool:
        return user_id in self._overlay or user_id in self._pos

    def _row(self, user_id: str) -> dict[str, Any] | None:
        if user_id in self._overlay:
            return _as_pairs(self._overlay[user_id], self.cfg.top_k)
        i = self._pos.get(user_id)
        return None if i is None else self.frame.row(i, named=True)

    def get(self, user_id: str) -> dict[str, Any] | None:
        """The profile of ``user_id`` read now (see :func:`shopmind.profiles.model.present`),
        or None for a user without an accepted event."""
        row = self._row(user_id)
        if row is None or self.as_of is None or self.ref is None:
            return None
        return present(row, self.meta, self.cfg, self.as_of, self.ref)

    def segment_of(self, user_id: str) -> str | None:
        """The lifecycle segment of a user (None if unknown): an experiment stratum."""
        row = self._row(user_id)
        if row is None or self.as_of is None:
            return None
        return segment(_days(self.as_of, row["last_seen"]), _days(self.as_of, row["first_seen"]), self.cfg)

    def segment_counts(self) -> dict[str, Any]:
        """Users per segment now, and per segment their median RFM value (for the dashboard).

        ``median_spend``: per currency, the median of the buyers whose spend is in it (a user's
        spend is in their most used currency: a shop selling in two has two medians; the one
        ``median_monetary`` of all buyers adds both as they are)."""
        counts = dict.fromkeys(SEGMENTS, 0)
        money: dict[str, list[tuple[str | None, float]]] = {s: [] for s in SEGMENTS}
        buyers = dict.fromkeys(SEGMENTS, 0)
        if self.as_of is not None:
            cols = ("user_id", "first_seen", "last_seen", "monetary", "orders", "currency")
            for uid, first, last, monetary, orders, cur in self.frame.select(cols).iter_rows():
                if uid in self._overlay:
                    continue
                self._tally(counts, money, buyers, first, last, monetary, orders, cur)
            for r in self._overlay.values():
                self._tally(
                    counts, money, buyers, r["first_seen"], r["last_seen"], r["monetary"], r["orders"],
                    r.get("currency"),
                )  # fmt: skip
        total = sum(counts.values())
        return {
            "as_of": self.as_of,
            "users": total,
            "segments": [
                {
                    "segment": s,
                    "users": counts[s],
                    "share": round(counts[s] / total, 4) if total else 0.0,
                    "buyers": buyers[s],
                    "median_monetary": round(_median([m for _c, m in money[s]]), 2) if money[s] else None,
                    "median_spend": _medians_by_currency(money[s]),
                }
                for s in SEGMENTS
            ],
            "config": self.cfg.as_dict(),
        }

    def _tally(
        self, counts: dict[str, int], money: dict[str, list[tuple[str | None, float]]], buyers: dict[str, int],
        first: datetime, last: datetime, monetary: float | None, orders: int | None, currency: str | None,
    ) -> None:  # fmt: skip
        assert self.as_of is not None
        s = segment(_days(self.as_of, last), _days(self.as_of, first), self.cfg)
        counts[s] += 1
        if orders:
            buyers[s] += 1
            money[s].append((currency, float(monetary or 0.0)))

    # ---------------------------------------------------------------- live updates
    def record(self, events: Iterable[Mapping[str, Any]], products: Mapping[str, Any] | None = None) -> int:
        """Apply events (dicts as the live log holds them); returns how many touched a profile.

        ``products`` (the served catalog by id) describes items the build did not know."""
        n = 0
        for e in events:
            uid = e.get("user_id")
            t = _ts(e.get("timestamp"))
            if uid in (None, "") or t is None:
                continue
            uid = str(uid)
            if self.ref is None:
                self.ref = t
                self.meta["ref"] = t.isoformat()
            if self.as_of is None or t > self.as_of:
                self.as_of = t
            self._apply(self._materialise(uid, t), e, t, products)
            n += 1
        return n

    def _materialise(self, uid: str, t: datetime) -> dict[str, Any]:
        rec = self._overlay.get(uid)
        if rec is not None:
            return rec
        row = self._row(uid)
        if row is None:
            row = {
                "user_id": uid, "first_seen": t, "last_seen": t, "last_purchase": None, "events": 0,
                "sessions": 0, "orders": 0, "currency": None, "price_wsum": 0.0, "price_w": 0.0,
                "monetary": 0.0, **{k: [] for k in KINDS},
            }  # fmt: skip
        rec = dict(row)
        for k in KINDS:  # name -> weight, for additions
            rec[k] = {p["name"]: float(p["w"]) for p in (row.get(k) or [])}
        rec["_seen"] = set()
        self._overlay[uid] = rec
        return rec

    def _apply(
        self, rec: dict[str, Any], e: Mapping[str, Any], t: datetime, products: Mapping[str, Any] | None
    ) -> None:
        assert self.ref is not None
        etype = str(e.get("type") or "")
        decay = (
            2.0 ** (_days(t, self.ref) / self.cfg.half_life_days)
            if t >= self.ref
            else 2.0 ** (-_days(self.ref, t) / self.cfg.half_life_days)
        )
        w = float(EVENT_WEIGHTS.get(etype, 0.0)) * decay
        rec["first_seen"] = min(rec["first_seen"], t)
        rec["last_seen"] = max(rec["last_seen"], t)
        rec["events"] = int(rec["events"] or 0) + 1
        sid = e.get("session_id")
        if sid and ("s", sid) not in rec["_seen"]:
            rec["_seen"].add(("s", sid))
            rec["sessions"] = int(rec["sessions"] or 0) + 1
        item = e.get("item_id")
        info = self._items.get(str(item)) if item is not None else None
        if info is None and item is not None and products is not None:
            p = products.get(str(item))
            if p is not None:
                info = (p.get("category_path"), p.get("brand"), None, None)
        if etype in ("purchase", "return"):
            self._money(rec, e, t, etype)
        if info is not None and w > 0:
            category, brand, lang, pos = info
            for kind, name in (("categories", category), ("brands", brand), ("languages", lang)):
                if name:
                    rec[kind][name] = rec[kind].get(name, 0.0) + w
            if pos is not None:
                rec["price_wsum"] = float(rec["price_wsum"] or 0.0) + pos * w
                rec["price_w"] = float(rec["price_w"] or 0.0) + w
        elif etype == "search" and e.get("query"):
            lang = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in str(e["query"])) else "en"
            rec["languages"][lang] = rec["languages"].get(lang, 0.0) + decay

    @staticmethod
    def _money(rec: dict[str, Any], e: Mapping[str, Any], t: datetime, etype: str) -> None:
        if etype == "purchase":
            rec["last_purchase"] = t if rec["last_purchase"] is None else max(rec["last_purchase"], t)
            order = e.get("order_id") or e.get("session_id") or t.isoformat()
            if ("o", order) not in rec["_seen"]:
                rec["_seen"].add(("o", order))
                rec["orders"] = int(rec["orders"] or 0) + 1
        price = e.get("price")
        if price in (None, ""):
            return
        cur = e.get("currency") or None
        if rec["currency"] is None and cur is not None:
            rec["currency"] = cur
        if cur is None or rec["currency"] is None or cur == rec["currency"]:
            qty = e.get("quantity")
            rec["monetary"] = float(rec["monetary"] or 0.0) + float(price) * (
                float(qty) if qty not in (None, "") else 1.0
            )


def _medians_by_currency(spend: list[tuple[str | None, float]]) -> list[dict[str, Any]]:
    """Per currency (most buyers first; a buyer without one: ``None``): buyers and their median spend."""
    by: dict[str | None, list[float]] = {}
    for cur, m in spend:
        by.setdefault(cur, []).append(m)
    order = sorted(by, key=lambda c: (-len(by[c]), c or ""))
    return [{"currency": c, "buyers": len(by[c]), "median": round(_median(by[c]), 2)} for c in order]


def _median(values: list[float]) -> float:
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


# the overlay keeps interests as name -> weight dicts; present() reads lists of {name, w}
def _as_pairs(rec: Mapping[str, Any], top_k: int) -> dict[str, Any]:
    out = dict(rec)
    for k in KINDS:
        if isinstance(out.get(k), dict):
            pairs = sorted(out[k].items(), key=lambda x: (-x[1], x[0]))[:top_k]
            out[k] = [{"name": n, "w": w} for n, w in pairs]
    return out
