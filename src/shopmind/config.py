"""One configuration for the whole gate, loaded from TOML with embedded defaults.

Every threshold a check uses lives here, so a shop tunes the gate in one file instead of in
code, and the run history records the exact settings a batch was judged with.
"""

from __future__ import annotations

import difflib
import math
import tomllib
import zoneinfo
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
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
    # free text longer than this is not text a person wrote (TEXT_TOO_LONG): a real query is a
    # few words, the longest real title measured is ~500 characters, a description a few KB
    max_query_chars: int = 1000
    max_title_chars: int = 2000  # also brand and category_path (the API accepts titles this long)
    max_description_chars: int = 100_000
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
#: The actions a code may be given, by its own kind. A row check quarantines or flags; a value
#: repair is always applied (the audit records it; its severity and threshold decide whether the
#: share repaired holds the batch); a batch check holds or warns. Any other override was accepted
#: and silently did nothing (a repair "quarantined" nothing, a row check set to "repair" or "batch"
#: stopped quarantining without a word), so it is refused when the file is loaded.
_ACTIONS_OF = {"quarantine": ("quarantine", "flag"), "flag": ("quarantine", "flag"), "repair": ("repair",),
               "batch": ("batch",)}  # fmt: skip
_WHY = {
    "quarantine": "a row check quarantines or flags its rows",
    "flag": "a row check quarantines or flags its rows",
    "repair": "a repair is always applied and audited; set its severity or threshold instead",
    "batch": "a batch check holds or warns by its severity",
}


def _one_of(values: tuple[str, ...]) -> str:
    return repr(values[0]) if len(values) == 1 else " or ".join(repr(v) for v in values)


#: Settings whose numbers must be strictly positive (a zero would make every row fail or divide by 0).
_POSITIVE = {"price_mad_k", "qty_mad_k", "min_group_size", "max_query_chars", "max_title_chars",
             "max_description_chars"}  # fmt: skip


#: Every table a shop TOML may hold. One file serves every command (README: "Settings live in one
#: TOML"): ``ingest`` reads gate, checks, engine and privacy; ``build`` search, recs, release,
#: profiles, forecast and pricing; ``serve`` serve, storefront and assistant; ``ads settings`` ads;
#: and the experiment / campaign files' ``[[experiment]]`` / ``[[campaign]]`` may share it. Each command
#: picks its own tables, so a mistyped one (``[serach]``) was read by nothing, without a word.
SHOP_TABLES = ("gate", "checks", "engine", "privacy", "search", "recs", "release", "profiles", "forecast",
               "pricing", "serve", "storefront", "assistant", "ads", "experiment", "campaign")  # fmt: skip


#: an experiments definition's top-level settings, which may sit above the shop TOML's tables
EXPERIMENT_SETTINGS = ("holdout", "enabled", "holdout_salt")


def check_shop_tables(data: dict[str, Any], where: str) -> None:
    """Refuse a top-level name of a shop TOML that no command reads (``ConfigError`` naming it,
    with the nearest known table): a mistyped table, or a setting written above every header."""
    for name, value in data.items():
        if name in SHOP_TABLES or name in EXPERIMENT_SETTINGS:
            continue
        close = difflib.get_close_matches(name, SHOP_TABLES, n=1, cutoff=0.6)
        hint = f" (did you mean [{close[0]}]?)" if close else ""
        if isinstance(value, dict | list):
            raise ConfigError(
                f"{where}: unknown table [{name}]{hint}; a shop TOML's tables: {', '.join(SHOP_TABLES)}"
            )
        raise ConfigError(
            f"{where}: {name} = {value!r} is outside every table; write it under its table's header "
            f"({', '.join(f'[{t}]' for t in SHOP_TABLES[:8])}, ...)"
        )


def did_you_mean(name: str, known: Iterable[str], prefix: str = "") -> str:
    """ " - did you mean gate.unknown_items?" for a mistyped setting name, else "": the nearest
    known name said first, not left to be found in a list of two dozen."""
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return f" - did you mean {prefix}{close[0]}?" if close else ""


def load_config(path: Path | None) -> GateConfig:
    """Read ``[gate]``, ``[gate.bot]`` and ``[checks.CODE]`` tables from a TOML file.

    Every value is checked here, when the file is loaded, so a wrong type or an unknown time
    zone is one message naming the setting (exit 2), not a failure deep inside a check.
    """
    if path is None:
        return GateConfig()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    check_shop_tables(data, str(path))
    return config_from_dict(data, where=str(path))


def config_from_dict(data: dict[str, Any], where: str = "config") -> GateConfig:
    gate = _table(data, "gate", where)
    bot = _table(gate, "bot", where, "gate.bot")
    gate.pop("bot", None)
    gate_defaults = GateConfig()
    known = {f.name for f in fields(GateConfig)} - {"bot", "overrides"}
    for key in gate:
        if key not in known:
            raise ConfigError(
                f"{where}: unknown setting gate.{key}{did_you_mean(key, known, 'gate.')} "
                f"(known: {', '.join(sorted(known))})"
            )
    bot_known = {f.name for f in fields(BotRules)}
    for key in bot:
        if key not in bot_known:
            raise ConfigError(
                f"{where}: unknown setting gate.bot.{key}{did_you_mean(key, bot_known, 'gate.bot.')} "
                f"(known: {', '.join(sorted(bot_known))})"
            )
    gate = {k: _setting(where, f"gate.{k}", v, getattr(gate_defaults, k)) for k, v in gate.items()}
    bot = {k: _setting(where, f"gate.bot.{k}", v, getattr(gate_defaults.bot, k)) for k, v in bot.items()}
    if gate.get("unknown_items", "quarantine") not in ("quarantine", "flag"):
        raise ConfigError(f"{where}: gate.unknown_items must be 'quarantine' or 'flag'")
    if "timezone" in gate:
        check_timezone(gate["timezone"], f"{where}: gate.timezone")
    if gate.get("default_currency") is not None and gate["default_currency"] not in ISO_4217:
        raise ConfigError(
            f"{where}: gate.default_currency {gate['default_currency']!r} is not an ISO 4217 code"
        )
    for name in ("rating_scale", "relevance_scale"):
        if name in gate and not gate[name][0] < gate[name][1]:
            raise ConfigError(f"{where}: gate.{name} must be [low, high] with low < high")
    for name in _POSITIVE & set(gate):
        if gate[name] <= 0:
            raise ConfigError(f"{where}: gate.{name} must be greater than 0")
    overrides = {
        code: _override(where, code, values) for code, values in _table(data, "checks", where).items()
    }
    return GateConfig(**gate, bot=BotRules(**bot), overrides=overrides)


def _table(data: dict[str, Any], key: str, where: str, name: str | None = None) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: [{name or key}] must be a table, got {type(value).__name__}")
    return dict(value)


def _setting(where: str, name: str, value: Any, default: Any) -> Any:
    """``value`` checked against the type of the setting's default (the dataclass is the schema)."""

    def wrong(expected: str) -> ConfigError:
        return ConfigError(f"{where}: {name} must be {expected}, got {type(value).__name__} {value!r}")

    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise wrong("true or false")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise wrong("a whole number")
        if value < 0:
            raise wrong("a number >= 0")
        return value
    if isinstance(default, float):
        return _number(value, wrong)
    if isinstance(default, str) or default is None:
        if not isinstance(value, str):
            raise wrong("text" + (" (or left out)" if default is None else ""))
        return value
    if isinstance(default, tuple):
        if not isinstance(value, list):
            raise wrong("a list")
        if default and isinstance(default[0], float):
            if len(value) != len(default):
                raise wrong(f"a list of {len(default)} numbers")
            return tuple(_number(v, wrong, signed=True) for v in value)
        if not all(isinstance(v, str) for v in value):
            raise wrong("a list of text values")
        return tuple(value)
    raise AssertionError(f"no validation for setting {name}")  # pragma: no cover - a new setting type


def _number(value: Any, wrong: Any, signed: bool = False) -> float:
    """A finite TOML number (an integer is fine where a float is expected); >= 0 unless ``signed``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise wrong("a finite number")
    if value < 0 and not signed:
        raise wrong("a number >= 0")
    return float(value)


def _override(where: str, code: str, values: Any) -> dict[str, Any]:
    if code not in CODES:
        raise ConfigError(f"{where}: unknown check code [checks.{code}]")
    if not isinstance(values, dict):
        raise ConfigError(f"{where}: [checks.{code}] must be a table, got {type(values).__name__}")
    for key, value in values.items():
        if key == "threshold":
            if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
                raise ConfigError(f"{where}: checks.{code}.threshold must be a number >= 0")
            # a row check's or repair's threshold is a share of the table's rows: `threshold = 5`
            # (meant as 5 %) was accepted and could never be crossed, so the check never held a batch
            if CODES[code].action != "batch" and value > 1:
                raise ConfigError(
                    f"{where}: checks.{code}.threshold is a share of the table's rows, from 0 to 1 "
                    f"(0.05 = 5 %), not {value!r}"
                )
        elif key == "min_rows":
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"{where}: checks.{code}.min_rows must be a whole number >= 0")
        elif key == "action":
            allowed = _ACTIONS_OF[CODES[code].action]
            if value not in allowed:
                raise ConfigError(f"{where}: checks.{code}.action must be {_one_of(allowed)}, not {value!r} "
                                  f"({_WHY[CODES[code].action]})")  # fmt: skip
        elif key in _OVERRIDABLE:
            if value not in _OVERRIDABLE[key]:
                raise ConfigError(f"{where}: checks.{code}.{key} must be one of {sorted(_OVERRIDABLE[key])}")
        else:
            raise ConfigError(
                f"{where}: unknown key checks.{code}.{key} (known: action, severity, threshold, min_rows)"
            )
    return dict(values)


def check_timezone(name: str, where: str) -> str:
    """``name`` if Polars (which converts the timestamps) knows the zone, else a ConfigError."""
    import polars as pl  # lazily: every ``shopmind`` command imports this module (issue 17)

    try:
        pl.Series([datetime(2020, 1, 1)]).dt.replace_time_zone(name)
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException) as exc:
        close = difflib.get_close_matches(name, sorted(_zone_names()), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else " (use an IANA name like Europe/Berlin)"
        raise ConfigError(f"{where}: unknown time zone {name!r}{hint}") from exc
    return name


def _zone_names() -> set[str]:
    try:
        return zoneinfo.available_timezones()
    except Exception:  # pragma: no cover - no tz database on the system: suggest nothing
        return set()
