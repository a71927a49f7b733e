"""Requests drawn from the served shop, and the traffic mix and goals of a load run."""

from __future__ import annotations

import json
import random
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

#: Share of each request kind in mixed traffic (the issue's 60/30/10 split).
MIXED = {"search": 0.60, "recs": 0.30, "events": 0.10}
#: How the recommendations share splits over its routes.
RECS_SPLIT = {"recs_user": 0.5, "recs_similar": 0.3, "recs_bought": 0.2}
GOALS = {
    "search": {"p99_ms": 30.0, "rps": 200.0},
    "recs": {"p99_ms": 15.0, "rps": 500.0},
    "rss_growth_pct": 5.0,
}
GROUP_OF = {
    "search": "search",
    "recs_user": "recs",
    "recs_similar": "recs",
    "recs_bought": "recs",
    "events": "events",
}
REQUEST_TIMEOUT_S = 10.0
IDLE_REUSE_S = 4.0  # uvicorn closes keep-alive connections idle for 5 s (cli.serve)


@dataclass
class Request:
    kind: str
    method: str
    path: str
    body: bytes = b""
    n_events: int = 0


@dataclass
class TrafficModel:
    """Requests drawn from the served shop: its titles, past queries, users and items."""

    queries: list[str]
    query_weights: np.ndarray
    users: list[str]
    items: list[str]
    rng: random.Random
    run_tag: str
    stats: dict[str, Any] = field(default_factory=dict)
    _event_no: int = 0

    def make(self, kind: str) -> Request:
        r = self.rng
        if kind == "search":
            q = self.queries[int(np.searchsorted(self.query_weights, r.random(), side="right"))]
            return Request("search", "GET", "/v1/search?" + urllib.parse.urlencode({"q": q}))
        if kind == "recs":
            x, acc = r.random(), 0.0
            for kind2, share in RECS_SPLIT.items():
                acc += share
                if x < acc:
                    kind = kind2
                    break
            else:
                kind = "recs_bought"
        if kind == "recs_user":
            # 1 in 10 is a visitor the models never saw (the cold-start path is served too)
            user = r.choice(self.users) if r.random() >= 0.1 else f"new-visitor-{r.randrange(10**6)}"
            return Request(kind, "GET", f"/v1/users/{urllib.parse.quote(user, safe='')}/recommendations?k=10")
        if kind == "recs_similar":
            return Request(
                kind, "GET", f"/v1/items/{urllib.parse.quote(r.choice(self.items), safe='')}/similar?k=10"
            )
        if kind == "recs_bought":
            item = urllib.parse.quote(r.choice(self.items), safe="")
            return Request(kind, "GET", f"/v1/items/{item}/bought-together?k=10")
        if kind == "events":
            user = r.choice(self.users)
            now = datetime.now(UTC).isoformat()
            events = []
            for _ in range(r.randint(1, 5)):
                self._event_no += 1
                ev = {
                    "event_id": f"load-{self.run_tag}-{self._event_no}",
                    "type": r.choice(("view", "view", "view", "click", "add_to_cart", "purchase")),
                    "user_id": user,
                    "session_id": f"load-{self.run_tag}-{user}",
                    "item_id": r.choice(self.items),
                    "timestamp": now,
                }
                if ev["type"] == "purchase":
                    ev["quantity"] = 1
                events.append(ev)
            body = json.dumps({"events": events}, ensure_ascii=False).encode()
            return Request("events", "POST", "/v1/events", body, len(events))
        raise ValueError(f"unknown request kind {kind!r}")


def _title_queries(titles: list[tuple[str, str]], rng: random.Random, n: int) -> list[str]:
    """Queries a shopper might type: 1–3 consecutive words of a product title (jieba words for
    Chinese), so they hit the catalog the way real queries do, in both languages."""
    import jieba

    jieba.setLogLevel(60)
    out: list[str] = []
    for _ in range(n * 3):
        if len(out) >= n:
            break
        title, lang = titles[rng.randrange(len(titles))]
        if lang == "zh" or any("\u4e00" <= ch <= "\u9fff" for ch in title):
            words = [w for w in jieba.lcut(title) if w.strip()]
            joiner = ""
        else:
            words = [w for w in title.split() if any(c.isalnum() for c in w)]
            joiner = " "
        if not words:
            continue
        k = min(len(words), rng.randint(1, 3))
        start = rng.randrange(len(words) - k + 1)
        q = joiner.join(words[start : start + k]).strip()
        if q:
            out.append(q)
    return out


def traffic_model(ws: Path, seed: int, run_tag: str) -> TrafficModel:
    """Queries (half past queries by their frequency, half from titles), known users and items."""
    import duckdb
    import polars as pl

    from shopmind.release.releases import Releases

    rng = random.Random(seed)
    rel = Releases(ws).current()
    if rel is None:
        raise SystemExit(f"{ws} has no current release (run `shopmind build -w {ws}`)")
    products = pl.read_parquet(rel / "catalog" / "products.parquet")
    lang = products["language"] if "language" in products.columns else pl.Series([None] * products.height)
    titles = [(str(t), str(g or "")) for t, g in zip(products["title"], lang, strict=True) if t]
    items = [str(p) for p in products["product_id"]]
    con = duckdb.connect(str(ws / "shopmind.duckdb"), read_only=True)
    try:
        past = con.sql(
            "select query, count(*) n from events where type = 'search' and query is not null "
            "group by 1 order by n desc, query limit 2000"
        ).fetchall()
        users = [
            u for (u,) in con.sql("select distinct user_id from events where user_id is not null").fetchall()
        ]
    finally:
        con.close()
    users = sorted(str(u) for u in users)
    if len(users) > 20_000:
        users = rng.sample(users, 20_000)
    if not users:
        users = [f"visitor-{i}" for i in range(1000)]
    title_q = _title_queries(titles, rng, 3000)
    queries = [q for q, _ in past] + title_q
    past_total = sum(n for _, n in past)
    # past queries carry half the weight (by their observed frequency), title queries the other half
    w_past = [0.5 * n / past_total for _, n in past] if past else []
    w_title = [(1.0 - sum(w_past)) / len(title_q)] * len(title_q)
    weights = np.cumsum(np.array(w_past + w_title))
    weights /= weights[-1]

    def is_zh(s: str) -> bool:
        return any("\u4e00" <= ch <= "\u9fff" for ch in s)

    stats = {
        "products": len(items),
        "users": len(users),
        "distinct_queries": len(set(queries)),
        "past_queries": len(past),
        "title_queries": len(set(title_q)),
        "zh_queries": sum(is_zh(q) for q in set(queries)),
        "en_queries": sum(not is_zh(q) for q in set(queries)),
        "query_examples": rng.sample(queries, min(8, len(queries))),
        "release": rel.name,
    }
    return TrafficModel(queries, weights, users, items, random.Random(seed + 1), run_tag, stats)
