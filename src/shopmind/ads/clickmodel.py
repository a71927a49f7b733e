"""Predicted click probability for a sponsored slot: a position-based click model (PBM).

``P(click | product p at position r) = theta[r] * quality[p]``: a shopper examines position ``r``
with probability ``theta[r]`` and clicks an examined product with probability ``quality[p]``.
The factorisation is what makes the generalized second-price auction well defined (ranking by
``bid x quality`` is the same at every position) and lets a product's quality be learnt from
clicks at any position: ``quality = (clicks + prior x strength) / (sum of theta over its
impressions + strength)`` — an examination-corrected, Beta-smoothed click rate, so a product
seen twice is not priced as if two clicks told the truth.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


def default_theta(n: int = 20, eta: float = 1.0) -> tuple[float, ...]:
    """Examination probabilities ``1 / (r + 1) ** eta`` for positions 0..n-1 (a common PBM shape)."""
    return tuple(1.0 / (r + 1) ** eta for r in range(n))


@dataclass
class PositionClickModel:
    """Per-position examination ``theta`` and per-product quality learnt from an impression log."""

    theta: tuple[float, ...] = field(default_factory=default_theta)
    prior_ctr: float = 0.05
    prior_strength: float = 20.0
    _clicks: dict[str, float] = field(default_factory=dict)
    _exams: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.theta or any(not 0 < t <= 1 for t in self.theta):
            raise ValueError("theta: examination probabilities must be in (0, 1]")
        if not 0 < self.prior_ctr < 1 or self.prior_strength <= 0:
            raise ValueError("prior_ctr must be in (0, 1) and prior_strength > 0")

    def examination(self, position: int) -> float:
        """``theta`` at a 0-based position (the last value beyond the table)."""
        return self.theta[min(position, len(self.theta) - 1)]

    def observe(self, log: Iterable[tuple[str, int, bool]]) -> None:
        """Add ``(product_id, position, clicked)`` impressions."""
        for pid, pos, clicked in log:
            self._exams[pid] = self._exams.get(pid, 0.0) + self.examination(pos)
            if clicked:
                self._clicks[pid] = self._clicks.get(pid, 0.0) + 1.0

    def quality(self, pid: str) -> float:
        """Smoothed examination-corrected click rate of ``pid`` (the prior when never seen)."""
        s = self.prior_strength
        q = (self._clicks.get(pid, 0.0) + self.prior_ctr * s) / (self._exams.get(pid, 0.0) + s)
        return min(q, 1.0)

    def ctr(self, pid: str, position: int) -> float:
        """Predicted click probability of ``pid`` shown at ``position``."""
        return self.examination(position) * self.quality(pid)

    def qualities(self, pids: Sequence[str]) -> list[float]:
        return [self.quality(p) for p in pids]

    def set_counts(self, rows: Iterable[tuple[str, int, int, int]]) -> None:
        """Replace what was learnt with ``(product, position, impressions, clicks)`` aggregates
        (the ads ledger's counts: the same estimate as ``observe`` over the impressions one by one)."""
        self._exams, self._clicks = {}, {}
        for pid, pos, n, clicks in rows:
            self._exams[pid] = self._exams.get(pid, 0.0) + n * self.examination(pos)
            if clicks:
                self._clicks[pid] = self._clicks.get(pid, 0.0) + float(clicks)
