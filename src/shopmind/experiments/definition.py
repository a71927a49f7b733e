"""Experiment definitions: parsed from TOML/JSON-like mappings and validated before anything is assigned.

A definition that is wrong must fail loudly with the field that is wrong (``experiments[1].variants[0].weight``),
because a silently mis-split experiment wastes weeks of traffic. Parsing never half-applies: it returns a
complete ``ExperimentSet`` or raises ``ExperimentError``.

Format (the ``[experiments]`` part of a shop TOML, or a file of its own)::

    holdout = 0.05                # share of units that never enter any experiment (global holdout)
    enabled = true                # global kill switch: false = every unit gets the defaults

    [[experiment]]
    name = "ltr-on"
    layer = "search"              # experiments in one layer are mutually exclusive
    unit = "user"                 # user | session: the id that is hashed
    salt = "ltr-on-1"             # default: the name; change it to reshuffle
    traffic = 0.5                 # share of the layer's units in this experiment
    status = "running"            # draft | running | stopped (per-experiment kill switch)
    kind = "ab"                   # ab | interleave
    method = "optimized"          # interleave only: optimized | probabilistic | team-draft (see METHODS)
    [[experiment.variant]]
    name = "control"
    weight = 1
    [[experiment.variant]]
    name = "treatment"
    weight = 1
    overrides = { search = { ltr = "off" } }   # only settings a request can switch (apply.py)
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
UNITS = ("user", "session")
STATUSES = ("draft", "running", "stopped")
KINDS = ("ab", "interleave")
#: How an interleave experiment merges its two rankings (``interleave_opt`` / ``interleave_prob`` /
#: ``interleave``). Probabilistic was the default from round 8 (28 % fewer sessions than team draft,
#: 7 of 8 simulated settings). ``optimized`` (``interleave_opt``: prefix-constrained lists, the linear
#: rank-difference credit, exactly unbiased under position-only clicks) needed fewer sessions than
#: probabilistic + controls in 8 of 8 real settings (rounds 11 - 13; -31 % on held-out query halves);
#: round 13's rule kept it off the default only for its cold LP's CPU p99 (12.7 ms > 10 ms).
#: Default since session 18 by that rule: the same LP solved more cheaply has cold CPU p99 6.2 / 6.0 ms.
METHODS = ("probabilistic", "team-draft", "optimized")
DEFAULT_METHOD = "optimized"
TOP_KEYS = {"holdout", "enabled", "experiment", "holdout_salt"}
EXPERIMENT_KEYS = {
    "name",
    "layer",
    "unit",
    "salt",
    "traffic",
    "status",
    "kind",
    "variant",
    "description",
    "method",
}
VARIANT_KEYS = {"name", "weight", "overrides"}


class ExperimentError(ValueError):
    """A definition error; the message starts with the path of the offending field."""


@dataclass(frozen=True)
class Variant:
    """One arm: its share of the experiment's units and the shop-TOML overrides it applies."""

    name: str
    weight: float
    overrides: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Experiment:
    """A validated experiment. ``variants[0]`` is the control (the readout compares against it)."""

    name: str
    layer: str
    unit: Literal["user", "session"]
    salt: str
    traffic: float
    status: Literal["draft", "running", "stopped"]
    kind: Literal["ab", "interleave"]
    variants: tuple[Variant, ...]
    description: str = ""
    method: str = DEFAULT_METHOD  # an interleave experiment's merge (METHODS); unused by A/B

    @property
    def control(self) -> Variant:
        return self.variants[0]


@dataclass(frozen=True)
class ExperimentSet:
    """All experiments of a shop plus the global holdout and kill switch."""

    experiments: tuple[Experiment, ...] = ()
    holdout: float = 0.0
    enabled: bool = True
    holdout_salt: str = "holdout"

    def by_name(self, name: str) -> Experiment:
        for exp in self.experiments:
            if exp.name == name:
                return exp
        raise KeyError(name)

    def layers(self) -> dict[str, tuple[Experiment, ...]]:
        out: dict[str, list[Experiment]] = {}
        for exp in self.experiments:
            out.setdefault(exp.layer, []).append(exp)
        return {k: tuple(v) for k, v in out.items()}


def _share(value: Any, where: str, *, allow_zero: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ExperimentError(f"{where}: must be a number between 0 and 1, got {value!r}")
    v = float(value)
    if not math.isfinite(v) or v < 0 or v > 1 or (v == 0 and not allow_zero):
        bound = "(0, 1]" if not allow_zero else "[0, 1]"
        raise ExperimentError(f"{where}: must be in {bound}, got {value!r}")
    return v


def _name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not NAME_RE.match(value):
        raise ExperimentError(
            f"{where}: must be 1-64 characters of letters, digits, '_', '.', '-' (starting with a letter "
            f"or digit), got {value!r}"
        )
    return value


def _choice(value: Any, options: tuple[str, ...], where: str) -> str:
    if value not in options:
        raise ExperimentError(f"{where}: must be one of {', '.join(options)}, got {value!r}")
    return str(value)


def _unknown(raw: Mapping[str, Any], allowed: set[str], where: str) -> None:
    extra = sorted(set(raw) - allowed)
    if extra:
        raise ExperimentError(f"{where}.{extra[0]}: unknown field (allowed: {', '.join(sorted(allowed))})")


def _table(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ExperimentError(f"{where}: must be a table, got {type(value).__name__}")
    return value


def parse_variant(raw: Any, where: str) -> Variant:
    """One variant; weight defaults to 1 (equal split)."""
    raw = _table(raw, where)
    _unknown(raw, VARIANT_KEYS, where)
    if "name" not in raw:
        raise ExperimentError(f"{where}.name: required")
    name = _name(raw["name"], f"{where}.name")
    weight = raw.get("weight", 1)
    if (
        isinstance(weight, bool)
        or not isinstance(weight, int | float)
        or not math.isfinite(weight)
        or weight <= 0
    ):
        raise ExperimentError(f"{where}.weight: must be a positive number, got {weight!r}")
    overrides = _table(raw.get("overrides", {}), f"{where}.overrides")
    from shopmind.experiments.apply import check_overrides  # apply imports this module

    check_overrides(overrides, f"{where}.overrides")
    return Variant(name=name, weight=float(weight), overrides=dict(overrides))


def parse_experiment(raw: Any, where: str = "experiment") -> Experiment:
    """One experiment; a definition with fewer than two variants or duplicate names is refused."""
    raw = _table(raw, where)
    _unknown(raw, EXPERIMENT_KEYS, where)
    if "name" not in raw:
        raise ExperimentError(f"{where}.name: required")
    name = _name(raw["name"], f"{where}.name")
    layer = _name(raw.get("layer", "default"), f"{where}.layer")
    unit = _choice(raw.get("unit", "user"), UNITS, f"{where}.unit")
    salt = raw.get("salt", name)
    if not isinstance(salt, str) or not salt:
        raise ExperimentError(f"{where}.salt: must be a non-empty string, got {salt!r}")
    traffic = _share(raw.get("traffic", 1.0), f"{where}.traffic")
    status = _choice(raw.get("status", "draft"), STATUSES, f"{where}.status")
    kind = _choice(raw.get("kind", "ab"), KINDS, f"{where}.kind")
    if "method" in raw and kind != "interleave":
        raise ExperimentError(f"{where}.method: only an interleave experiment has a merge method")
    method = _choice(raw.get("method", DEFAULT_METHOD), METHODS, f"{where}.method")
    variants_raw = raw.get("variant")
    if not isinstance(variants_raw, list) or len(variants_raw) < 2:
        raise ExperimentError(
            f"{where}.variant: needs a list of at least 2 variants (the first is the control)"
        )
    if kind == "interleave" and len(variants_raw) != 2:
        raise ExperimentError(f"{where}.variant: an interleave experiment compares exactly 2 rankers")
    variants = tuple(parse_variant(v, f"{where}.variant[{i}]") for i, v in enumerate(variants_raw))
    seen: set[str] = set()
    for i, v in enumerate(variants):
        if v.name in seen:
            raise ExperimentError(f"{where}.variant[{i}].name: duplicate variant {v.name!r}")
        seen.add(v.name)
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise ExperimentError(f"{where}.description: must be a string")
    return Experiment(name, layer, unit, salt, traffic, status, kind, variants, description, method)  # type: ignore[arg-type]


def parse_experiments(raw: Any) -> ExperimentSet:
    """The whole set: names unique, and the running+draft traffic of a layer at most 100 %.

    Traffic of a layer is allocated to its experiments in definition order as contiguous bucket
    ranges (see ``assign.py``), so the sum must fit; stopped experiments keep their range so that
    the experiments after them do not reshuffle.
    """
    raw = _table(raw, "experiments")
    _unknown(raw, TOP_KEYS, "experiments")
    holdout = _share(raw.get("holdout", 0.0), "experiments.holdout")
    if holdout >= 1:
        raise ExperimentError("experiments.holdout: must be below 1 (a holdout of 100% runs nothing)")
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ExperimentError(f"experiments.enabled: must be true or false, got {enabled!r}")
    holdout_salt = raw.get("holdout_salt", "holdout")
    if not isinstance(holdout_salt, str) or not holdout_salt:
        raise ExperimentError("experiments.holdout_salt: must be a non-empty string")
    items = raw.get("experiment", [])
    if not isinstance(items, list):
        raise ExperimentError("experiments.experiment: must be a list of tables ([[experiment]])")
    exps = tuple(parse_experiment(e, f"experiment[{i}]") for i, e in enumerate(items))
    names: set[str] = set()
    layer_traffic: dict[str, float] = {}
    layer_unit: dict[str, str] = {}
    for i, e in enumerate(exps):
        if layer_unit.setdefault(e.layer, e.unit) != e.unit:
            raise ExperimentError(
                f"experiment[{i}].unit: layer {e.layer!r} already hashes by {layer_unit[e.layer]!r}; "
                "experiments in one layer must share a unit, or they would not be exclusive"
            )
        if e.name in names:
            raise ExperimentError(f"experiment[{i}].name: duplicate experiment {e.name!r}")
        names.add(e.name)
        layer_traffic[e.layer] = layer_traffic.get(e.layer, 0.0) + e.traffic
        if layer_traffic[e.layer] > 1 + 1e-9:
            raise ExperimentError(
                f"experiment[{i}].traffic: layer {e.layer!r} would hold {layer_traffic[e.layer]:.0%} of traffic; "
                "experiments in one layer are exclusive, so their traffic must sum to at most 100%"
            )
    return ExperimentSet(exps, holdout, enabled, holdout_salt)


def to_dict(exps: ExperimentSet) -> dict[str, Any]:
    """The inverse of ``parse_experiments`` (round-trips; used by the CLI to save a changed status)."""
    return {
        "holdout": exps.holdout,
        "enabled": exps.enabled,
        "holdout_salt": exps.holdout_salt,
        "experiment": [
            {
                "name": e.name,
                "layer": e.layer,
                "unit": e.unit,
                "salt": e.salt,
                "traffic": e.traffic,
                "status": e.status,
                "kind": e.kind,
                "description": e.description,
                **({"method": e.method} if e.kind == "interleave" else {}),
                "variant": [
                    {"name": v.name, "weight": v.weight, "overrides": dict(v.overrides)} for v in e.variants
                ],
            }
            for e in exps.experiments
        ],
    }
