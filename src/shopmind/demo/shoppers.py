"""Simulated shoppers with latent tastes, and the clean click stream their sessions produce.

Why a module of its own: the simulation (sessions, searches, views, carts, purchases, then
returns and ratings days later) is the demo's largest and slowest part; kept apart it can be
read and profiled on its own. ``_Stream`` is what the events table turns into rows and
defects (``events_table``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from shopmind.demo import vocab as V
from shopmind.demo.catalog import _Catalog, _grade
from shopmind.demo.clock import _DAY, _HOUR, _SECOND
from shopmind.demo.prices import PriceBook
from shopmind.demo.tree import (
    _COLOUR_KEYS,
    _COLOUR_WEIGHT,
    _COMPLEMENTS,
    _CONCEPTS,
    _LEAF_COLOUR_SETS,
    _LEAF_CONCEPT,
    _LEAF_GROUP,
    _LEAF_MATERIALS,
    _LEAF_MEDIAN,
    _LEAF_TOP,
    _LEAF_WEIGHT,
    _NL,
    _TOP_BRANDS,
    _TOP_NAMES,
    _TOP_WEIGHT,
    _render,
    _Spec,
)

#: Relative session starts per local hour (night is quiet, evening is busy).
# fmt: off
_HOUR_WEIGHTS = np.array([1.0, 0.6, 0.35, 0.25, 0.2, 0.3, 0.6, 1.0, 1.5, 2.0, 2.2, 2.3,
                          2.5, 2.3, 2.2, 2.2, 2.3, 2.5, 2.8, 3.2, 3.5, 3.2, 2.5, 1.6])
# fmt: on
_HOUR_WEIGHTS = _HOUR_WEIGHTS / _HOUR_WEIGHTS.sum()


@dataclass
class _Users:
    n: int
    lang: np.ndarray  # 0 en, 1 zh
    tz: np.ndarray  # hours east of UTC
    tastes: list[np.ndarray]  # preferred leaves
    colours: np.ndarray  # (n, 2) preferred colours
    level: np.ndarray  # price level (1.0 = the leaf's median)
    rate: np.ndarray  # sessions per day


def _build_users(rng: np.random.Generator, n: int) -> _Users:
    lang = (rng.random(n) < 0.4).astype(np.int64)
    tz = np.where(lang == 1, 8, rng.choice(np.array([-8, -5, 0, 1]), n, p=[0.25, 0.35, 0.25, 0.15]))
    top_w = _TOP_WEIGHT / _TOP_WEIGHT.sum()
    persona = rng.choice(len(_TOP_NAMES), n, p=top_w)
    k = rng.integers(2, 4, n)
    tastes = []
    owns = [np.flatnonzero(t == _LEAF_TOP) for t in range(len(_TOP_NAMES))]
    every = np.arange(_NL)

    def taken(pool: np.ndarray, chosen: list[int]) -> np.ndarray:
        """``np.isin(pool, chosen)`` for the 1-3 chosen leaves (isin's set-up cost dominated)."""
        mask = pool == chosen[0]
        for c in chosen[1:]:
            mask |= pool == c
        return mask

    for u in range(n):
        own = owns[persona[u]]
        chosen: list[int] = []
        while len(chosen) < k[u]:
            pool = own if (not chosen or rng.random() < 0.6) else every
            w = _LEAF_WEIGHT[pool].copy()
            if chosen:
                w[taken(pool, chosen)] = 0.0
            if w.sum() == 0:
                pool, w = every, _LEAF_WEIGHT.copy()
                w[taken(pool, chosen)] = 0.0
            chosen.append(int(rng.choice(pool, p=w / w.sum())))
        tastes.append(np.array(chosen))
    cw = _COLOUR_WEIGHT / _COLOUR_WEIGHT.sum()
    colours = np.array([rng.choice(len(_COLOUR_KEYS), 2, replace=False, p=cw) for _ in range(n)])
    level = np.exp(rng.normal(0.0, 0.25, n))
    rate = np.exp(rng.normal(math.log(0.19), 0.7, n))
    return _Users(n, lang, tz, tastes, colours, level, rate)


class _Stream:
    """Clean events as they happen, one tuple per event."""

    # columns: user, session, type, item, ts, quantity, price, currency, query, rating, order, position
    def __init__(self, limit: int) -> None:
        self.rows: list[tuple] = []
        self.limit = limit
        self.sessions = 0
        self.orders = 0

    def emit(self, user, session, type_, item, ts, qty=None, price=None, cur=None, query=None, rating=None, order=-1, pos=None) -> int:  # fmt: skip
        if ts > self.limit:
            return -1
        self.rows.append((user, session, type_, item, ts, qty, price, cur, query, rating, order, pos))
        return len(self.rows) - 1


class _Draws:
    """Buffered scalar draws: numpy's scalar calls are slow, its vector calls are not."""

    def __init__(self, rng: np.random.Generator, size: int = 1 << 15) -> None:
        self.rng, self.size = rng, size
        self._u: list[float] = []
        self._g: list[int] = []

    def u(self) -> float:
        """A uniform draw in [0, 1)."""
        if not self._u:
            self._u = self.rng.random(self.size).tolist()
        return self._u.pop()

    def gap(self) -> int:
        """Seconds to minutes between two actions of a session, in microseconds (ms steps)."""
        if not self._g:
            s = np.clip(self.rng.lognormal(math.log(20.0), 0.8, self.size), 3.0, 600.0)
            self._g = ((s * 1000).astype(np.int64) * 1000).tolist()
        return self._g.pop()

    def between(self, lo: float, hi: float) -> int:
        """Microseconds (ms steps) uniform between ``lo`` and ``hi`` seconds."""
        return int((lo + (hi - lo) * self.u()) * 1000) * 1000

    def index(self, n: int) -> int:
        return min(int(self.u() * n), n - 1)


class _Simulator:
    def __init__(self, rng: np.random.Generator, cat: _Catalog, users: _Users, usable: np.ndarray, start_us: int, end_us: int, days: int, book: PriceBook | None = None) -> None:  # fmt: skip
        self.rng, self.cat, self.users = rng, cat, users
        self.book = book  # the prices over time and the demand's answer to them (demo/prices.py)
        self.draw = _Draws(rng)
        self.start_us, self.end_us, self.days = start_us, end_us, days
        self.stream = _Stream(end_us - 60 * _SECOND)
        self.leaf_items = [np.flatnonzero((cat.leaf == lf) & usable) for lf in range(_NL)]
        self.concept_items = [
            np.concatenate([self.leaf_items[lf] for lf in c.leaves + c.siblings]) for c in _CONCEPTS
        ]
        self.log_pop = np.log(cat.pop)
        self.currency = cat.currency.tolist()
        self.price = cat.price.tolist()
        self.colour = cat.colour.tolist()
        self.leaf = cat.leaf.tolist()
        self.log_ratio = np.log(cat.price_usd / _LEAF_MEDIAN[cat.leaf])
        self.leaf_cdf = np.cumsum(_LEAF_WEIGHT)
        self.user_colours = [tuple(int(c) for c in row) for row in users.colours]
        self.user_tastes = [[int(lf) for lf in t] for t in users.tastes]
        self.followups: list[
            tuple[int, int, int, int]
        ] = []  # (purchase row, kind 0 return / 1 rate, user, units asked)
        self.linked: set[int] = set()  # purchase rows a return refers to
        self.cache: dict[int, np.ndarray] = {}  # leaf -> pick weights of the current user
        self.aff = np.zeros(cat.n)  # affinity of the current user to every product (see run)
        self.graded: dict[_Spec, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}  # see search_candidates
        self.arange = np.arange(1, 21, dtype=np.int64)
        self.all_items = np.arange(cat.n)

    # -- helpers
    def affinity(self, u: int, items: np.ndarray) -> np.ndarray:
        cat, us = self.cat, self.users
        col = cat.colour[items]
        c0, c1 = self.user_colours[u]
        w = np.where((col == c0) | (col == c1), 3.0, 1.0)
        w = w * np.where(cat.lang[items] == us.lang[u], 1.0, 0.25)
        d = self.log_ratio[items] - math.log(us.level[u])
        return w * np.exp(-(d**2) / (2 * 0.3**2))

    def search_candidates(self, spec: _Spec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Products a search for ``spec`` can show (grade >= 2), their grades and the fixed part
        of their score (``3 * grade + log popularity``), computed once per distinct spec: about
        10k searches ask ~1k distinct specs, and grading was ~0.3 s of numpy calls on small arrays."""
        hit = self.graded.get(spec)
        if hit is None:
            cand = self.concept_items[spec.concept]
            if len(cand):
                g = _grade(self.cat, spec, cand)
                cand, g = cand[g >= 2], g[g >= 2]
            else:
                g = np.zeros(0, dtype=np.int64)
            hit = self.graded[spec] = (cand, g, 3.0 * g + self.log_pop[cand])
        return hit

    def sample(self, weights: np.ndarray, k: int) -> np.ndarray:
        """Positions of ``k`` draws without replacement, proportional to ``weights``."""
        keys = self.rng.exponential(1.0, len(weights)) / np.maximum(weights, 1e-300)
        k = min(k, int(np.count_nonzero(weights)))
        return keys.argsort(kind="stable")[:k]

    def pick(self, u: int, leaf: int, k: int, extra: np.ndarray | None = None) -> list[int]:
        items = self.leaf_items[leaf]
        if len(items) == 0 or k <= 0:
            return []
        w = self.cache.get(leaf)
        if w is None:
            w = self.cache[leaf] = self.cat.pop[items] * self.aff[items]
        if extra is not None:
            w = w * extra
        return items[self.sample(w, k)].tolist()

    def user_spec(self, u: int, leaf: int) -> _Spec:
        d, lv = self.draw, V.LEAVES[leaf]
        concept = _LEAF_CONCEPT[leaf]
        if _LEAF_GROUP[leaf] >= 0 and d.u() < 0.3:
            concept = _LEAF_GROUP[leaf]
        colour = material = brand = -1
        size, cap = "", 0
        liked = [c for c in self.user_colours[u] if c in _LEAF_COLOUR_SETS[leaf]]
        if liked and d.u() < 0.45:
            colour = liked[d.index(len(liked))]
        mats = _LEAF_MATERIALS[leaf]
        if len(mats) and not _CONCEPTS[concept].material_in_term and d.u() < 0.08:
            material = int(mats[d.index(len(mats))])
        if d.u() < 0.06:
            brands = _TOP_BRANDS[_LEAF_TOP[leaf]]
            brand = int(brands[d.index(len(brands))])
        if lv.size and d.u() < 0.06:
            values = V.SIZE_KINDS[lv.size].values
            size = values[d.index(len(values))]
        if d.u() < 0.06:
            want = lv.price_usd * self.users.level[u] * 1.1
            cap = next((c for c in (20, 30, 50, 100, 150, 200, 300, 500, 1000, 1500) if c >= want), 2000)
        return _Spec(concept, colour, material, brand, size, cap)

    # -- one session
    def session(self, u: int, t: int) -> int:
        d, cat, st, us = self.draw, self.cat, self.stream, self.users
        sid = st.sessions
        st.sessions += 1
        tastes = self.user_tastes[u]
        liked = self.user_colours[u]
        if d.u() < 0.8:
            leaf = tastes[d.index(len(tastes))]
        else:
            leaf = min(int(np.searchsorted(self.leaf_cdf, d.u(), side="right")), _NL - 1)
        viewed: list[int] = []
        if d.u() < 0.45:
            spec = self.user_spec(u, leaf)
            st.emit(u, sid, "search", -1, t, query=_render(spec, "zh" if us.lang[u] == 1 else "en"))
            cand, _, fixed = self.search_candidates(spec)
            if len(cand):
                noise = self.rng.gumbel(0.0, 1.0, len(cand))
                score = fixed + noise + (cat.lang[cand] == us.lang[u])
                results = cand[np.argsort(-score, kind="stable")[:20]]
                k = 1 + int(self.rng.poisson(1.2))
                w = self.aff[results] / self.arange[: len(results)]
                for r in np.sort(self.sample(w, k)).tolist():
                    item = int(results[r])
                    t += d.gap()
                    st.emit(u, sid, "click", item, t, pos=r + 1)
                    t += d.between(3.0, 8.0)
                    st.emit(u, sid, "view", item, t)
                    viewed.append(item)
        else:
            for item in self.pick(u, leaf, 1 + int(self.rng.poisson(3.5))):
                t += d.gap()
                st.emit(u, sid, "view", item, t)
                viewed.append(item)
        if d.u() < 0.2:  # a look at another favourite category
            other = tastes[d.index(len(tastes))]
            for item in self.pick(u, other, 1 + int(self.rng.poisson(1.5))):
                t += d.gap()
                st.emit(u, sid, "view", item, t)
                viewed.append(item)
        cart: list[tuple[int, int]] = []
        in_cart: set[int] = set()
        for item in dict.fromkeys(viewed):
            p = 0.06 + 0.10 * (self.colour[item] in liked) + 0.06 * (self.leaf[item] in tastes)
            if d.u() < p:
                t += d.gap()
                q = 1 if d.u() < 0.85 else 2
                if st.emit(u, sid, "add_to_cart", item, t, qty=q) >= 0:
                    cart.append((item, q))
                    in_cart.add(item)
            elif d.u() < 0.03:
                t += d.gap()
                st.emit(u, sid, "wishlist", item, t)
        bought = [(item, q) for item, q in cart if d.u() < 0.55]
        if not bought:
            return t
        extra: list[tuple[int, int]] = []
        for item, _ in bought:
            comps = _COMPLEMENTS[self.leaf[item]]
            if not comps or d.u() >= 0.45:
                continue
            comp = comps[d.index(len(comps))]
            same = np.where(cat.colour[self.leaf_items[comp]] == self.colour[item], 3.0, 1.0)
            pick = self.pick(u, comp, 1, same)
            if not pick or pick[0] in in_cart:
                continue
            ci = pick[0]
            t += d.gap()
            st.emit(u, sid, "view", ci, t)
            t += d.gap()
            if st.emit(u, sid, "add_to_cart", ci, t, qty=1) >= 0:
                extra.append((ci, 1))
                in_cart.add(ci)
        order = st.orders
        st.orders += 1
        for item, q in bought + extra:
            t += d.between(5.0, 40.0)
            if d.u() < 0.03:
                q += 1
            price, units = self.price[item], q
            if (
                self.book is not None
            ):  # the price of the day, and the demand's answer to it (own random stream)
                price, units = self.book.at(item, t), self.book.answered(item, t, q)
            row = st.emit(u, sid, "purchase", item, t, qty=units, price=price, cur=self.currency[item], order=order)  # fmt: skip
            if row < 0:
                continue
            if d.u() < 0.05:
                self.followups.append((row, 0, u, q))
            if d.u() < 0.1:
                self.followups.append((row, 1, u, q))
        return t

    def run(self) -> _Stream:
        rng, us, st = self.rng, self.users, self.stream
        for u in range(us.n):
            n_s = max(1, int(rng.poisson(us.rate[u] * self.days)))
            day = rng.integers(0, self.days, n_s)
            hour = (rng.choice(24, n_s, p=_HOUR_WEIGHTS) - us.tz[u]) % 24
            starts = self.start_us + day * _DAY + hour * _HOUR + (rng.random(n_s) * _HOUR).astype(np.int64)
            starts = np.sort(np.minimum(starts, self.end_us - 3 * _HOUR)) // 1000 * 1000
            prev_end = -(10**18)
            self.cache = {}
            # one vector call per user instead of one per pick/search (elementwise, so the same values)
            self.aff = self.affinity(u, self.all_items)
            for s in starts.tolist():
                t0 = max(s, prev_end + 15 * 60 * _SECOND)
                prev_end = self.session(u, t0)
        # returns and ratings, each in a short session of its own, days after the purchase
        for row, kind, u, qty in self.followups:  # qty: the units asked (the draws as before prices moved)
            _, _, _, item, ts, bought, price, cur, _, _, order, _ = st.rows[row]
            if kind == 0:
                t = ts + int(rng.uniform(1.0, 14.0) * _DAY) // 1000 * 1000
                if t <= st.limit:
                    back = max(
                        -bought, -int(rng.integers(1, qty + 1)) if qty > 1 else -1
                    )  # never more than bought
                    st.emit(u, st.sessions, "return", item, t, qty=back, price=price, cur=cur, order=order)
                    st.sessions += 1
                    self.linked.add(row)
            else:
                t = ts + int(rng.uniform(2.0, 20.0) * _DAY) // 1000 * 1000
                if t <= st.limit:
                    r = float(np.clip(round(rng.normal(self.cat.rating[item], 0.8)), 1, 5))
                    st.emit(u, st.sessions, "rate", item, t, rating=r)
                    st.sessions += 1
        return st
