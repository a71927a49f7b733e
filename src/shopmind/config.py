"""One configuration for the whole gate, loaded from TOML with embedded defaults.

Every threshold a check uses lives here, so a shop tunes the gate in one file instead of in
code, and the run history records the exact settings a batch was judged with.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from shopmind.quality.codes import CODES, Code

ISO_4217 = frozenset(
    [
        "AED",
        "AUD",
        "BGN",
        "BRL",
        "CAD",
        "CHF",
        "CLP",
        "CNY",
        "COP",
        "CZK",
        "DKK",
        "EGP",
        "EUR",
        "GBP",
        "HKD",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "ISK",
        "JPY",
        "KRW",
        "KWD",
        "MAD",
        "MXN",
        "MYR",
        "NGN",
        "NOK",
        "NZD",
        "PEN",
        "PHP",
        "PKR",
        "PLN",
        "QAR",
        "RON",
        "RSD",
        "RUB",
        "SAR",
        "SEK",
        "SGD",
        "THB",
        "TRY",
        "TWD",
        "UAH",
        "USD",
        "VND",
        "ZAR",
    ]
)

PLACEHOLDER_TITLES = (
    "test", "testing", "test product", "n/a", "na", "none", "null", "nan", "tbd", "todo", "untitled",
    "no title", "title", "product", "product name", "new product", "item", "sample", "placeholder",
    "dummy", "tmp", "temp", "foo", "bar", "lorem ipsum", "asdf", "qwerty", "abc", "a", "aa", "aaa",
    "aaaa", "x", "xx", "xxx", "xxxx", "zzz", "zzzz", "样品", "测试", "无", "暂无", "标题", "商品",
)  # fmt: skip


class ConfigError(ValueError):
    """A configuration file or value a user gave is wrong; the message says where."""


@dataclass(frozen=True)
class BotRules:
    """Thresholds for automated sessions; any one rule is enough to flag a session."""

    min_events: int = 30  # rate and breadth rules look only at sessions at least this long
    max_rate_per_s: float = 0.5  # sustained events per second above which a session is not human
    regular_min_events: int = 20
    regular_cv: float = 0.05  # gaps' coefficient of variation below which timing is machine-regular
    max_distinct_items: int = 300
    types: tuple[str, ...] = ("view", "click", "search", "add_to_cart", "wishlist")


@dataclass(frozen=True)
class GateConfig:
    default_currency: str | None = None  # filled into empty currencies (audited) when set
    near_duplicate_seconds: float = 2.0
    near_duplicate_types: tuple[str, ...] = ("view", "click", "add_to_cart", "wishlist", "search")
    require_user_types: tuple[str, ...] = ("purchase", "add_to_cart", "return")
    unknown_items: str = "quarantine"  # or "flag"
    traditional_to_simplified: bool = False
    future_tolerance_seconds: float = 300.0
    rating_scale: tuple[float, float] = (1.0, 5.0)
    relevance_scale: tuple[float, float] = (0.0, 3.0)
    price_mad_k: float = 6.0  # robust z on log price within a category
    qty_mad_k: float = 5.0  # robust z on log quantity within an item (floor 0.5 on the scale)
    min_group_size: int = 5  # MAD needs this many rows in a group to judge one
    price_unit_tolerance: float = 0.05  # |log10(ratio) - 2| below this (in decades) = a x100 error
    min_title_chars: int = (
        1  # titles shorter than this are placeholders (1 = only the word list and no-letter rule)
    )
    placeholder_titles: tuple[str, ...] = PLACEHOLDER_TITLES
    freshness_days: float = 2.0
    volume_change: float = 0.5
    drift_psi: float = 0.2
    drift_js: float = 0.1
    completeness_min: float = 0.5
    timezone: str = "UTC"  # zone of naive timestamps unless the adapter says otherwise
    bot: BotRules = field(default_factory=BotRules)
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)  # per code: action/severity/threshold

    def code(self, code: str) -> Code:
        """The code with this configuration's overrides applied."""
        base = CODES[code]
        extra = dict(self.overrides.get(code, {}))
        if code == "EVT_ITEM_UNKNOWN":  # the named policy is the default; an explicit override wins
            extra.setdefault("action", self.unknown_items)
        return replace(base, **extra) if extra else base

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_OVERRIDABLE = {"action": {"quarantine", "flag", "repair", "batch"}, "severity": {"warn", "error"}}


def load_config(path: Path | None) -> GateConfig:
    """Read ``[gate]``, ``[gate.bot]`` and ``[checks.CODE]`` tables from a TOML file."""
    if path is None:
        return GateConfig()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return config_from_dict(data, where=str(path))


def config_from_dict(data: dict[str, Any], where: str = "config") -> GateConfig:
    gate = dict(data.get("gate", {}))
    bot = gate.pop("bot", {})
    known = {f.name for f in fields(GateConfig)} - {"bot", "overrides"}
    for key in gate:
        if key not in known:
            raise ConfigError(f"{where}: unknown setting gate.{key} (known: {', '.join(sorted(known))})")
    bot_known = {f.name for f in fields(BotRules)}
    for key in bot:
        if key not in bot_known:
            raise ConfigError(f"{where}: unknown setting gate.bot.{key}")
    gate = {k: tuple(v) if isinstance(v, list) else v for k, v in gate.items()}
    bot = {k: tuple(v) if isinstance(v, list) else v for k, v in bot.items()}
    if gate.get("unknown_items", "quarantine") not in ("quarantine", "flag"):
        raise ConfigError(f"{where}: gate.unknown_items must be 'quarantine' or 'flag'")
    overrides: dict[str, dict[str, Any]] = {}
    for code, values in data.get("checks", {}).items():
        if code not in CODES:
            raise ConfigError(f"{where}: unknown check code [checks.{code}]")
        for key, value in values.items():
            if key == "threshold":
                if not isinstance(value, int | float) or value < 0:
                    raise ConfigError(f"{where}: checks.{code}.threshold must be a number >= 0")
            elif key in _OVERRIDABLE:
                if value not in _OVERRIDABLE[key]:
                    raise ConfigError(
                        f"{where}: checks.{code}.{key} must be one of {sorted(_OVERRIDABLE[key])}"
                    )
            else:
                raise ConfigError(f"{where}: unknown key checks.{code}.{key}")
        overrides[code] = dict(values)
    try:
        return GateConfig(**gate, bot=BotRules(**bot), overrides=overrides)
    except TypeError as exc:
        raise ConfigError(f"{where}: {exc}") from exc
