"""The pages' own words in English and Chinese: message catalogs and the reader's language.

shopmind serves Chinese and English shops, and a Chinese shop cannot put an English-only
storefront in front of its customers, nor English-only dashboards in front of its planners and
merchandisers. Every word the storefront pages, the dashboards and their scripts show (buttons,
labels, placeholders, table heads, chart titles and legends, empty states, the chat panel's
chrome, banners, errors) is a key in ``serve/i18n/<language>.json`` (the dashboards' keys start
with ``dash.``: the storefront pages leave them out of the catalog they carry); the templates call ``t(key, **params)`` and the scripts
``SM.t(key, params)`` over the same catalog, put in the page as JSON in a ``<meta>`` (the
page's CSP allows no inline script, not even a data block). Product data — titles,
brands, categories, attribute names — and ids, codes, metric and method names are shown as
they are, never translated (the dashboards mark them ``translate="no"``).

A flat JSON table per language, not gettext/Babel: the scripts need the same strings as the
templates, Babel adds a compile step (.po -> .mo) and a dependency for ~150 strings, and a
JSON file is what a translator edits. ``tests/test_i18n.py`` checks both catalogs carry the
same keys and placeholders and that no English literal is left in a template or script.

Which language a page is in (:func:`choose_language`): ``?lang=zh|en`` on the URL (then
remembered in a cookie for a year), else the remembered choice, else the shop's
``[storefront] language`` when it names one, else the browser's ``Accept-Language``, else
English. The dashboards choose the same way with the same setting and cookie: the shop's
language is its staff's in the usual case, and a reader who wants the other one switches once
(remembered a year, for the storefront in that browser too).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

CATALOG_DIR = Path(__file__).parent / "i18n"
#: The languages the storefront speaks: BCP 47 tag of ``<html lang>`` -> catalog file stem.
LANGUAGES = ("en", "zh-Hans")
#: What ``?lang=`` and ``[storefront] language`` accept for each (short forms a shop owner writes).
ALIASES = {"en": "en", "zh": "zh-Hans", "zh-hans": "zh-Hans", "zh-cn": "zh-Hans", "zh-sg": "zh-Hans"}
#: ``[storefront] language``: a language, or ``auto`` (the browser decides).
SETTING_VALUES = ("auto", "en", "zh")
#: The cookie that remembers a shopper's switch (not HttpOnly-only data: just the language).
COOKIE = "shopmind_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
#: The switch's label for each language, in that language (never translated: a reader of the
#: other language must recognise their own).
SELF_NAMES = {"en": "English", "zh-Hans": "中文"}
#: The short code ``?lang=`` takes for each language.
SHORT = {"en": "en", "zh-Hans": "zh"}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class CatalogError(ValueError):
    """A catalog file is missing, not JSON, or not a flat table of text."""


@cache
def catalog(lang: str) -> dict[str, str]:
    """The flat ``key -> text`` table of one language (read once per process)."""
    path = CATALOG_DIR / f"{lang}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CatalogError(f"message catalog {path}: {exc}") from exc
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise CatalogError(f"message catalog {path}: must be one JSON object of text values")
    return data


def placeholders(text: str) -> set[str]:
    """The ``{name}`` parameters a message takes (both languages must take the same ones)."""
    return set(_PLACEHOLDER.findall(text))


def translate(lang: str, key: str, **params: Any) -> str:
    """The message ``key`` in ``lang`` with its ``{name}`` parameters filled in.

    A key missing from the catalog is a ``KeyError`` (a test renders every page in both
    languages, so a typo fails there, not in front of a shopper)."""
    text = catalog(lang)[key]
    if not params:
        return text
    return _PLACEHOLDER.sub(lambda m: str(params[m.group(1)]) if m.group(1) in params else m.group(0), text)


def translate_markup(lang: str, key: str, **params: Any) -> Any:
    """:func:`translate` for a template sentence with markup in it (a ``<code>`` command, a
    ``<b>`` word): the message is escaped, each parameter too unless it is already ``Markup``
    (``'<code>…</code>'|safe`` written in the template), so the words can move in the sentence
    the way each language orders them while the markup stays the template's."""
    from markupsafe import Markup, escape

    text = escape(catalog(lang)[key])
    return Markup(
        _PLACEHOLDER.sub(
            lambda m: str(escape(params[m.group(1)])) if m.group(1) in params else m.group(0), text
        )
    )


def code_markup(text: str) -> Any:
    """A command or an id inside a sentence (``tm(key, command=code('shopmind ingest'))``): a
    ``<code>`` element, escaped, marked ``translate="no"`` (shown as it is in every language).
    Why: a template may not write markup into a string (``|safe`` is refused by test_security)."""
    from markupsafe import Markup

    return Markup('<code translate="no">{}</code>').format(text)


def reword(lang: str, text: str, rules: tuple[tuple[re.Pattern[str], str], ...]) -> str:
    """An English sentence the build or a model wrote (a manifest's reason) in ``lang``: the
    message of the first rule whose pattern matches it whole, filled with the pattern's named
    groups (numbers, names kept); as written when no rule knows it, and always in English."""
    if lang != "en":
        for pattern, key in rules:
            if (m := pattern.fullmatch(text or "")) is not None:
                return translate(lang, key, **m.groupdict())
    return text or ""


def term(lang: str, prefix: str, value: Any) -> str:
    """An enumerated value the API writes in English (a run status, a check action, a segment)
    in ``lang``: the message ``prefix + value`` when the catalog has one, else the value itself
    (a new value shows as it is rather than failing the page)."""
    return catalog(lang).get(f"{prefix}{value}", str(value))


def percent(lang: str, share: float | None, digits: int = 1) -> str:
    """``share`` (0.125) as a percentage the language's way: ``12.5 %`` in English as the
    project writes it, ``12.5%`` in Chinese (no space); ``–`` for no value."""
    if share is None:
        return "–"
    text = f"{100 * float(share):.{digits}f}"
    return text + ("%" if lang == "zh-Hans" else " %")


def number(lang: str, value: float | None, digits: int | None = 0) -> str:
    """A count or figure grouped by thousands as both languages write it (``12,800``; the
    scripts' ``SM.num`` / ``toLocaleString`` give the same); ``–`` for no value. ``digits=None``:
    a whole value without decimals ("7 days", not "7.0 days"), another with up to two."""
    if value is None:
        return "–"
    v = float(value)
    if digits is None:
        text = f"{v:,.2f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    return f"{v:,.{digits}f}"


def normalise(value: str | None) -> str | None:
    """``"zh"``, ``"zh-CN"``, ``"EN"`` ... -> a language of :data:`LANGUAGES`, or None."""
    if not value:
        return None
    v = value.strip().lower()
    if v in ALIASES:
        return ALIASES[v]
    base = v.split("-")[0].split("_")[0]
    if base == "en":
        return "en"
    if base == "zh" and not re.search(r"-(hant|tw|hk|mo)\b", v):
        return "zh-Hans"  # Traditional Chinese readers get the simplified text only when they ask
    return None


def from_accept_language(header: str | None) -> str | None:
    """The first language of an ``Accept-Language`` header (by its q values) the storefront
    speaks: ``"zh-CN,zh;q=0.9,en;q=0.8"`` -> zh-Hans; ``"fr, de"`` -> None."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((header or "").split(",")):
        tag, _, rest = part.strip().partition(";")
        q = 1.0
        m = re.match(r"\s*q\s*=\s*([0-9.]+)", rest)
        if m:
            try:
                q = float(m.group(1))
            except ValueError:
                q = 0.0
        if tag and q > 0:
            ranked.append((-q, i, tag))
    for _q, _i, tag in sorted(ranked):
        if (lang := normalise(tag)) is not None:
            return lang
        if tag.strip().lower().startswith("zh"):
            return "zh-Hans"  # zh-TW: simplified reads better to them than English
    return None


def check_setting(value: Any, where: str) -> str:
    """``[storefront] language`` checked: ``"auto"``, ``"en"`` or ``"zh"`` (``ValueError`` naming
    the file and the value otherwise)."""
    if isinstance(value, str) and value.strip().lower() in ("auto", *ALIASES):
        v = value.strip().lower()
        return "auto" if v == "auto" else SHORT[ALIASES[v]]
    raise ValueError(
        f"{where}: [storefront] language must be one of {', '.join(SETTING_VALUES)}, not {value!r}"
    )


def choose_language(
    query_lang: str | None, cookie: str | None, shop_default: str | None, accept_language: str | None
) -> tuple[str, bool]:
    """The page's language and whether to remember it (the URL asked for one it speaks).

    The shopper's explicit choice wins (this URL's ``?lang``, then the remembered one), then the
    shop's configured language, then what the browser asks for, then English."""
    if (lang := normalise(query_lang)) is not None:
        return lang, True
    if (lang := normalise(cookie)) is not None:
        return lang, False
    if shop_default and shop_default != "auto" and (lang := normalise(shop_default)) is not None:
        return lang, False
    return from_accept_language(accept_language) or "en", False


def switch_links(path: str, query: Mapping[str, str] | list[tuple[str, str]]) -> list[dict[str, str]]:
    """The language switch's links: this page with ``lang`` set (the rest of the query kept)."""
    from urllib.parse import urlencode

    pairs = [(k, v) for k, v in (query.items() if isinstance(query, Mapping) else query) if k != "lang"]
    return [
        {
            "lang": lang,
            "short": SHORT[lang],
            "name": SELF_NAMES[lang],
            "href": path + "?" + urlencode([*pairs, ("lang", SHORT[lang])]),
        }
        for lang in LANGUAGES
    ]


def script_messages(lang: str, dashboard: bool = False) -> dict[str, Any]:
    """What the page's scripts get: the language, its catalog (a storefront page without the
    dashboards' ``dash.*`` keys: a shopper's page stays small), the recommender's English
    reason templates (so a reason sentence can be re-worded with the item name it carries), and
    its crowd reason codes (the "For you" row tells a catalog-only cold start from a popular row
    by them; given here so the page holds no copy of the set to drift from it)."""
    from shopmind.recommend.explain import CROWD_REASONS, TEMPLATES

    messages = catalog(lang)
    if not dashboard:
        messages = {k: v for k, v in messages.items() if not k.startswith("dash.")}
    return {
        "lang": lang,
        "messages": messages,
        "reasonTemplates": TEMPLATES,
        "crowdReasons": sorted(CROWD_REASONS),
    }
