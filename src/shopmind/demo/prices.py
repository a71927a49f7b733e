"""The demo shop's price history: a few list-price changes and promotions per product, and demand that answers them.

Until session 33 every demo purchase was at the product's one price, so the pricing component found no price
variation and the pricing page had no suggestion ("an elasticity is never invented"). Now each product's price moves
over the generated days as a shop's does: 0-3 earlier list prices (each 4-15 % from the next, the last being today's
catalog price, so the products table is unchanged) and 0-2 promotions of 3-9 days at 10-35 % off, ended before the
last day. Prices keep the catalog's endings (USD x.99, CNY ...9 above 50). Each top category has a true elasticity
(-1.4 to -2.8; its leaves within about 0.1 of it): a purchase at price ``p`` of a product listed at ``p0`` is answered with ``(p / p0) ** e`` times
the demand: the units of a purchase line (1 to 3; the orders themselves are the shoppers' as before).

All of it is drawn from a random stream of its own (``generator.generate``'s ninth), so the shoppers' views, clicks,
searches and carts are the ones they were; only the purchases' prices and units move.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shopmind.demo import vocab as V
from shopmind.demo.clock import _DAY
from shopmind.demo.tree import _LEAF_TOP

#: How many earlier list prices a product has (0-3) and how many promotions (0-2), with their chances.
CHANGES = ((0, 1, 2, 3), (0.2, 0.4, 0.3, 0.1))
PROMOS = ((0, 1, 2), (0.45, 0.4, 0.15))
#: A list-price change's size (fraction of the next price), a promotion's discount and length in days.
STEP = (0.04, 0.15)
DISCOUNT = (0.10, 0.35)
PROMO_DAYS = (3, 9)
#: The most units of a clean purchase line (a promotion's extra units stop there).
MAX_UNITS = 3
#: The true price elasticity of a top category's demand is drawn from this range; its leaves' spread around it.
ELASTICITY = (-2.8, -1.4)
LEAF_SPREAD = 0.1


@dataclass
class PriceBook:
    """Per product: the times (microseconds) its price changed and the price from each, and its true elasticity."""

    times: list[np.ndarray]
    prices: list[np.ndarray]
    listed: np.ndarray
    elasticity: np.ndarray
    rng: np.random.Generator

    def at(self, item: int, t: int) -> float:
        """The price of ``item`` at time ``t``."""
        k = int(np.searchsorted(self.times[item], t, side="right")) - 1
        return float(self.prices[item][max(k, 0)])

    def answered(self, item: int, t: int, qty: int) -> int:
        """The units bought at ``t`` by a shopper who would buy ``qty`` at the listed price, ``qty`` times
        ``(p / p0) ** e`` in expectation: more below the listed price, fewer above it, but at least 1 and at most
        ``MAX_UNITS`` (the order and its lines are the shopper's either way: the demo's orders stay the ones the
        assistant's questions are drawn from)."""
        m = (self.at(item, t) / float(self.listed[item])) ** float(self.elasticity[item])
        if m >= 1.0:
            return min(MAX_UNITS, qty + int(self.rng.poisson((m - 1.0) * qty)))
        return max(1, int(self.rng.binomial(qty, m)))


def _rounded(value: float, lang: int) -> float:
    """A price as the catalog writes it: CNY whole (...9 from 50), USD ending in .99."""
    if lang == 1:
        cny = float(np.round(value))
        return float(np.floor(cny / 10) * 10 + 9) if cny >= 50 else max(cny, 1.0)
    return float(np.floor(value)) + 0.99


def price_book(rng: np.random.Generator, price: np.ndarray, lang: np.ndarray, leaf: np.ndarray, start_us: int, end_us: int) -> PriceBook:  # fmt: skip
    """Every product's price history over [start_us, end_us] ending at its catalog ``price``."""
    top_e = rng.uniform(ELASTICITY[0], ELASTICITY[1], len(V.TOPS))  # a top category's shoppers alike
    leaf_e = top_e[_LEAF_TOP] + rng.normal(0.0, LEAF_SPREAD, len(V.LEAVES))
    span = end_us - start_us
    times: list[np.ndarray] = []
    prices: list[np.ndarray] = []
    for i in range(len(price)):
        p0 = float(price[i])
        k = int(rng.choice(CHANGES[0], p=CHANGES[1]))
        changes = np.sort(rng.uniform(start_us + 3 * _DAY, end_us - 3 * _DAY, k)).astype(np.int64) if span > 6 * _DAY else np.zeros(0, np.int64)  # fmt: skip
        levels = [1.0]
        for _ in range(len(changes)):  # backwards from today's price
            step = rng.uniform(*STEP) * (1 if rng.random() < 0.5 else -1)
            levels.insert(0, levels[0] * (1.0 + step))
        promos = []
        for _ in range(int(rng.choice(PROMOS[0], p=PROMOS[1]))):
            days = int(rng.integers(PROMO_DAYS[0], PROMO_DAYS[1] + 1))
            latest = end_us - (days + 1) * _DAY
            if latest <= start_us:
                continue
            s = int(rng.uniform(start_us, latest))
            promos.append((s, s + days * _DAY, 1.0 - rng.uniform(*DISCOUNT)))
        cuts = sorted({start_us, *changes.tolist(), *(x for s, e, _ in promos for x in (s, e))})
        seg_times, seg_prices = [], []
        for c in cuts:
            level = levels[int(np.searchsorted(changes, c, side="right"))]
            off = min((f for s, e, f in promos if s <= c < e), default=1.0)
            value = p0 if level == 1.0 and off == 1.0 else _rounded(p0 * level * off, int(lang[i]))
            if not seg_prices or value != seg_prices[-1]:
                seg_times.append(c)
                seg_prices.append(value)
        times.append(np.asarray(seg_times, dtype=np.int64))
        prices.append(np.asarray(seg_prices, dtype=np.float64))
    return PriceBook(times, prices, np.asarray(price, dtype=np.float64), leaf_e[leaf], rng)
