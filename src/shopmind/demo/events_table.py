"""The events table: the simulated click stream as canonical rows, with event defects injected.

Why a module of its own: event defects need the stream's structure (purchases with enough
clean siblings so an item's median price stays clean, duplicates arriving after their
original, bot sessions, unlinked returns) and the table's ids are assigned in arrival order
after injection; that is one job apart from the simulation that produced the stream.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from shopmind.data.model import ROW, SCHEMAS
from shopmind.demo import vocab as V
from shopmind.demo.catalog import _Catalog
from shopmind.demo.clock import _DAY, _HOUR, _SECOND, _ts_series
from shopmind.demo.defects import EVENT_DEFECTS, _budget
from shopmind.demo.shoppers import _Stream


def _events_frame(
    rng: np.random.Generator,
    stream: _Stream,
    linked: set[int],
    cat: _Catalog,
    usable: np.ndarray,
    n_users: int,
    rate: float,
    start_us: int,
    end_us: int,
) -> tuple[pl.DataFrame, list[tuple[int, str]]]:
    rows = [list(r) for r in stream.rows]
    n = len(rows)
    ts = np.array([r[4] for r in rows], dtype=np.int64)
    types = np.array([r[2] for r in rows], dtype=object)
    items = np.array([r[3] for r in rows], dtype=np.int64)
    k = _budget(rate, n, len(EVENT_DEFECTS))
    used = np.zeros(n, dtype=bool)
    is_vc = (types == "view") | (types == "click")
    is_purchase = types == "purchase"
    link = np.zeros(n, dtype=bool)
    link[list(linked)] = True
    n_purch = np.bincount(items[is_purchase], minlength=cat.n)
    hit = np.zeros(cat.n, dtype=np.int64)  # purchase defects per item
    # arrival key per row (new rows are appended with their own key)
    arrival = ts.astype(np.float64).tolist()
    code_of: dict[int, str] = {}
    exact_of: dict[int, int] = {}

    def take(mask: np.ndarray, count: int, per_item: int = 0) -> list[int]:
        """Up to ``count`` unused rows of ``mask``. With ``per_item``: only items bought at least
        that often, and at most one defect per ``per_item`` purchases of the item (so the item's
        median stays clean); without: rows of items that have no defect yet come first."""
        cand = rng.permutation(np.flatnonzero(mask & ~used))
        if not per_item:
            cand = cand[np.argsort(hit[items[cand]] > 0, kind="stable")]
        out: list[int] = []
        for i in cand.tolist():
            if len(out) >= count:
                break
            it = items[i]
            if per_item and (n_purch[it] < per_item or hit[it] >= n_purch[it] // per_item):
                continue
            if it >= 0:
                hit[it] += 1
            out.append(i)
            used[i] = True
        return out

    def add(row: list, key: float, code: str) -> int:
        rows.append(row)
        arrival.append(key)
        code_of[len(rows) - 1] = code
        return len(rows) - 1

    if k:
        # in-place defects on purchases first (they need items with enough clean purchases)
        clean_purchase = is_purchase & ~link
        # a price-unit error (x100) on a line at today's list price: the gate reads one against the product's
        # price, and a promotion's 35 % off times 100 is no unit error it can tell (demo/prices.py, session 33)
        listed = np.array(
            [r[6] == float(cat.price[r[3]]) if r[6] is not None and r[3] >= 0 else False for r in rows]
        )
        for n_done, i in enumerate(take(clean_purchase & listed, 2 * k, per_item=5)):
            if n_done % 2 == 0:
                rows[i][6] = round(rows[i][6] * 100, 2)
                code_of[i] = "EVT_PRICE_UNIT"
            else:
                rows[i][5] = int(rng.integers(500, 5001))
                code_of[i] = "EVT_QTY_OUTLIER"
        for i in take(clean_purchase, k):
            rows[i][5] = -rows[i][5]
            code_of[i] = "EVT_QTY_SIGN"
        for i in take(clean_purchase, k):
            rows[i][6] = 0.0 if rng.random() < 0.5 else -rows[i][6]
            code_of[i] = "EVT_PRICE_NONPOSITIVE"
        for i in take((clean_purchase | (types == "add_to_cart")), k):
            rows[i][0] = -1
            code_of[i] = "EVT_USER_MISSING"
        for i in take(is_vc, k):
            rows[i][2] = str(rng.choice(V.UNKNOWN_EVENT_TYPES))
            code_of[i] = "EVT_TYPE_UNKNOWN"
        for i in take(is_vc, k):
            rows[i][4] = end_us + int(rng.uniform(1.0, 5.0) * 365 * _DAY) // 1000 * 1000
            code_of[i] = "EVT_TS_FUTURE"
        for i in take(is_vc, k):
            rows[i][3] = f"P{int(rng.integers(10000, 100000))}x" if rng.random() < 0.5 else f"SKU-{int(rng.integers(10**5, 10**6))}"  # fmt: skip
            code_of[i] = "EVT_ITEM_UNKNOWN"
        for i in take(is_vc, k):
            rows[i][4] = int(cat.created[items[i]]) - int(rng.uniform(1.0, 30 * 24.0) * _HOUR) // 1000 * 1000
            code_of[i] = "EVT_BEFORE_PRODUCT"
        # new rows
        for i in take(is_vc, k):
            copy = list(rows[i])
            copy[4] = rows[i][4] + int(rng.uniform(0.3, 1.5) * 1000) * 1000
            add(copy, float(copy[4]), "EVT_DUP_NEAR")
        for i in take(types != "return", k):
            j = add(list(rows[i]), float(ts[i]) + rng.uniform(0.5, 600.0) * _SECOND, "EVT_DUP_EXACT")
            exact_of[j] = i
        users_with_events = np.unique([r[0] for r in stream.rows])
        bought: dict[int, set[int]] = {}
        for r in stream.rows:
            if r[2] == "purchase":
                bought.setdefault(r[0], set()).add(r[3])
        usable_items = np.flatnonzero(usable)
        cur = cat.currency
        made, attempts = 0, 0
        while made < k and attempts < 50 * k and len(usable_items) and len(users_with_events):
            attempts += 1
            u = int(rng.choice(users_with_events))
            item = int(rng.choice(usable_items))
            if item in bought.get(u, set()):
                continue
            made += 1
            t = int(rng.integers(start_us, end_us - 120 * _SECOND)) // 1000 * 1000
            row = [u, stream.sessions, "return", item, t, -1, float(cat.price[item]), str(cur[item]), None, None, -1, None]  # fmt: skip
            stream.sessions += 1
            add(row, float(t), "EVT_RETURN_UNLINKED")
        # bot sessions: a new user viewing hundreds of distinct products, exactly 1 s apart
        n_bot_rows, bot = 0, 0
        while n_bot_rows < k or bot == 0:
            size = min(int(rng.integers(300, 1001)), len(usable_items))
            if size == 0:
                break
            picks = rng.choice(usable_items, size, replace=False)
            t0 = int(rng.integers(start_us, end_us - (size + 120) * _SECOND)) // 1000 * 1000
            sid = stream.sessions
            stream.sessions += 1
            for j, item in enumerate(picks.tolist()):
                t = t0 + j * _SECOND
                add([n_users + bot, sid, "view", item, t, None, None, None, None, None, -1, None], float(t), "EVT_BOT_SESSION")  # fmt: skip
            n_bot_rows += size
            bot += 1

    n_all = len(rows)
    if n_all == 0:
        return pl.DataFrame(schema={ROW: pl.Int64, **SCHEMAS["events"].columns}), []
    order = np.argsort(np.array(arrival), kind="stable")
    position = np.empty(n_all, dtype=np.int64)
    position[order] = np.arange(n_all)
    # event ids in arrival order; an exact duplicate repeats the id of its original
    exact = np.zeros(n_all, dtype=bool)
    exact[list(exact_of)] = True
    number = np.cumsum(~exact[order])
    for j, i in exact_of.items():
        number[position[j]] = number[position[i]]
    cols = list(zip(*[rows[j] for j in order.tolist()], strict=True))
    user, sess, type_, item, t, qty, price, cur, query, rating, order_no, pos = cols
    item_known = np.array([-1 if isinstance(x, str) else x for x in item], dtype=np.int64)
    item_text = [x if isinstance(x, str) else None for x in item]
    raw = pl.DataFrame(
        {
            "number": number,
            "user": np.array(user, dtype=np.int64),
            "sess": _first_seen_rank(np.array(sess, dtype=np.int64)),
            "order_no": _first_seen_rank(np.array(order_no, dtype=np.int64)),
            "item": item_known,
            "item_text": pl.Series(item_text, dtype=pl.Utf8),
        }
    )
    width = max(7, len(str(n_all)))
    uwidth = max(4, len(str(n_users + 100)))
    pwidth = max(5, len(str(cat.n)))

    def ident(col: str, prefix: str, w: int, offset: int = 0) -> pl.Expr:
        c = pl.col(col)
        text = pl.lit(prefix) + (c + offset).cast(pl.Utf8).str.zfill(w)
        return pl.when(c >= 0).then(text).otherwise(None)

    ids = raw.select(
        ident("number", "E", width).alias("event_id"),
        ident("user", "U", uwidth, 1).alias("user_id"),
        ident("sess", "S", 6, 1).alias("session_id"),
        pl.coalesce(pl.col("item_text"), ident("item", "P", pwidth, 1)).alias("item_id"),
        ident("order_no", "O", 7, 1).alias("order_id"),
    )
    columns = SCHEMAS["events"].columns
    values = {"type": type_, "quantity": qty, "price": price, "currency": cur, "query": query, "rating": rating, "position": pos}  # fmt: skip
    data: dict[str, pl.Series] = {ROW: pl.Series(np.arange(n_all), dtype=pl.Int64)}
    for name, dtype in columns.items():
        if name == "timestamp":
            data[name] = _ts_series(list(t))
        elif name in ids.columns:
            data[name] = ids[name]
        else:
            data[name] = pl.Series(list(values[name]), dtype=dtype)
    defects = sorted((int(position[j]), code) for j, code in code_of.items())
    return pl.DataFrame(data), defects


def _first_seen_rank(keys: np.ndarray) -> np.ndarray:
    """Rank of each key by its first appearance (0, 1, ...); negative keys stay -1."""
    uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(uniq))
    out = rank[inverse]
    neg = uniq < 0
    if neg.any():
        # ranks were counted including the negative key; remove it
        bad = rank[neg][0]
        out = np.where(out > bad, out - 1, out)
        out[keys < 0] = -1
    return out
