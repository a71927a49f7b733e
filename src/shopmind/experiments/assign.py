"""Deterministic, sticky assignment of a unit (user or session id) to experiment variants.

Why hashing and not a table: any worker process, any release, any replay computes the same variant
from (id, salt) alone, with nothing to store or synchronise. The scheme (as in Google's overlapping
experiments paper, Tang et al. 2010):

- global holdout: ``u(holdout_salt, id) < holdout`` -> no experiment at all (the long-term baseline);
- each layer hashes the id into ``BUCKETS`` buckets; the layer's experiments own contiguous bucket
  ranges in definition order, so experiments in one layer are mutually exclusive and raising an
  experiment's traffic only *adds* units (a ramp never moves an assigned unit to another variant);
- the variant is chosen by an independent hash ``u(salt, id)`` against cumulative weights, so the
  split within an experiment does not depend on its traffic or its neighbours.

Kill switch: a ``stopped`` (or ``draft``) experiment and ``enabled = false`` assign nobody: the
unit is served the defaults and no exposure is logged.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from hashlib import blake2b
from typing import Any

from shopmind.experiments.definition import Experiment, ExperimentSet

BUCKETS = 10_000
_SCALE = float(2**64)


def _key(salt: str) -> bytes:
    """blake2b's key is at most 64 bytes; longer salts are hashed down first (still deterministic)."""
    raw = salt.encode()
    return raw if len(raw) <= 64 else hashlib.blake2b(raw).digest()


def _hash(key: bytes, uid: bytes) -> int:
    return int.from_bytes(blake2b(uid, digest_size=8, key=key).digest(), "big")


def unit_hash(salt: str, unit_id: str) -> int:
    """A 64-bit keyed blake2b of the id with the salt as key: stable across processes and Python
    versions (unlike hash()), and an id can never collide with a salt by concatenation."""
    return _hash(_key(salt), unit_id.encode())


def unit_uniform(salt: str, unit_id: str) -> float:
    """The hash mapped to [0, 1)."""
    return unit_hash(salt, unit_id) / _SCALE


@dataclass(frozen=True, slots=True)
class Assignment:
    """One unit's place in one experiment (what an exposure record carries)."""

    experiment: str
    variant: str
    layer: str
    unit: str
    kind: str


@dataclass(frozen=True)
class _Layer:
    name: str
    key: bytes
    unit: str
    starts: tuple[int, ...]  # bucket range starts of the experiments, ascending
    ends: tuple[int, ...]
    experiments: tuple[Experiment, ...]
    cumulative: tuple[tuple[float, ...], ...]  # per experiment: cumulative variant weights / total
    salt_keys: tuple[bytes, ...]


class Assigner:
    """Assignment for one ``ExperimentSet``; build once per release, call ``assign`` per request."""

    def __init__(self, exps: ExperimentSet) -> None:
        self.exps = exps
        layers: list[_Layer] = []
        for name, members in exps.layers().items():
            starts, ends, cum, live = [], [], [], []
            offset = 0
            for e in members:
                width = round(e.traffic * BUCKETS)
                if e.status == "running" and width > 0:
                    total = sum(v.weight for v in e.variants)
                    acc, c = 0.0, []
                    for v in e.variants:
                        acc += v.weight / total
                        c.append(acc)
                    c[-1] = 1.0
                    starts.append(offset)
                    ends.append(offset + width)
                    cum.append(tuple(c))
                    live.append(e)
                offset += width  # stopped/draft experiments keep their range: the others do not move
            if live:
                keys = tuple(_key(e.salt) for e in live)
                layers.append(
                    _Layer(
                        name,
                        _key(name),
                        members[0].unit,
                        tuple(starts),
                        tuple(ends),
                        tuple(live),
                        tuple(cum),
                        keys,
                    )
                )
        self._layers = tuple(layers)
        from shopmind.experiments.apply import surfaces  # apply imports definition, as this module does

        self._surfaces = {e.name: surfaces(e) for e in exps.experiments}
        self._holdout_key = _key(exps.holdout_salt)
        self._holdout = exps.holdout * _SCALE

    @property
    def active(self) -> bool:
        return self.exps.enabled and bool(self._layers)

    def assign(self, user_id: str | None, session_id: str | None = None) -> list[Assignment]:
        """The unit's assignments, one per layer it falls into an experiment of (possibly none).

        An experiment by user falls back to the session id for anonymous traffic; with neither id
        there is nothing to hash and the request gets the defaults.
        """
        if not self.active:
            return []
        out: list[Assignment] = []
        in_holdout: dict[str, bool] = {}
        for layer in self._layers:
            uid = (user_id or session_id) if layer.unit == "user" else session_id
            if not uid:
                continue
            raw = uid.encode()
            held = in_holdout.get(uid)
            if held is None:
                held = in_holdout[uid] = self._holdout > 0 and _hash(self._holdout_key, raw) < self._holdout
            if held:
                continue
            bucket = _hash(layer.key, raw) % BUCKETS
            i = bisect.bisect_right(layer.starts, bucket) - 1
            if i < 0 or bucket >= layer.ends[i]:
                continue
            exp = layer.experiments[i]
            j = bisect.bisect_right(layer.cumulative[i], _hash(layer.salt_keys[i], raw) / _SCALE)
            variant = exp.variants[min(j, len(exp.variants) - 1)]
            out.append(Assignment(exp.name, variant.name, layer.name, layer.unit, exp.kind))
        return out

    def covering(self, assignments: list[Assignment], surface: str) -> list[Assignment]:
        """The assignments whose experiment covers ``surface`` (``apply.surfaces``): only those are
        applied to, and logged as exposures of, a response of that surface."""
        return [a for a in assignments if surface in self._surfaces.get(a.experiment, ())]

    def overrides(self, assignments: list[Assignment]) -> dict[str, Any]:
        """The shop-TOML overrides of the assigned variants, deep-merged in layer order."""
        merged: dict[str, Any] = {}
        for a in assignments:
            v = next(v for v in self.exps.by_name(a.experiment).variants if v.name == a.variant)
            deep_merge(merged, v.overrides)
        return merged


def deep_merge(into: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``extra`` into ``into`` (tables recursively, other values replaced); returns ``into``."""
    for k, v in extra.items():
        if isinstance(v, Mapping) and isinstance(into.get(k), dict):
            deep_merge(into[k], v)
        else:
            into[k] = dict(v) if isinstance(v, Mapping) else v
    return into
