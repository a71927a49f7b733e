"""A labelled question set read from a file: ``shopmind evaluate assistant --questions FILE``.

Why: issue 13 measures the assistant "on the demo shop's labelled questions and the maintainers' own
held-out set written against the demo shop", but every set was a module inside the package, so a set
written outside it could not be run. A file holds the same lists a held-out module holds
(``demo.assistant_heldout21`` shows every kind), either as JSON (the lists' names as keys, each
item a list) or as a ``.py`` file in exactly a held-out module's layout. The demo's question
builders (``demo.assistant_questions``) then fill it from the demo shop as they fill the built-in
sets: order ids, product titles, prices, stock, colours, search matches and the cheaper product are
read from the shop's data, so the file types no answer. The set draws from its own random stream and
is never one the assistant learns from.

Every item is checked before the shop is built: a wrong kind, language, policy section, product
field or template field is refused naming the file, the list and the item.
"""

from __future__ import annotations

import importlib.util
import json
import re
import string
from pathlib import Path
from types import SimpleNamespace
from typing import Any

#: the languages a question is labelled with
LANGS = ("en", "zh", "mixed")
#: the product facts a product question may ask for
FIELDS = ("price", "stock", "colour")
#: the template fields each kind of question may use (filled from the demo shop); None: plain text
_ORDER_IDS = ("o", "ol", "od", "on", "ow")
#: list name -> (the item's parts, the template fields its templates may use)
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...] | None]] = {
    "ORDER_Q": (("lang", "template"), _ORDER_IDS),
    "ORDER_FOLLOWUP_Q": (("lang", "history", "template"), ("o",)),
    "ORDER_POLICY_Q": (("lang", "template", "section"), ("o",)),
    "PRIVACY_Q": (("lang", "template"), ("o",)),
    "POLICY_FOLLOWUP_Q": (("lang", "history", "text", "section"), None),
    "TWO_SECTION_Q": (("lang", "text", "sections"), None),
    "PRODUCT_Q": (("lang", "field", "template", "on_page"), ("t",)),
    "PRODUCT_TWO_Q": (("lang", "fields", "template", "on_page"), ("t",)),
    "SEARCH_Q": (("lang", "template"), ("c", "czh", "col", "colzh", "p")),
    "SEARCH_FOLLOWUP_Q": (("lang", "template", "template"), ("c", "czh", "col", "colzh", "p")),
    "COMPARE_Q": (("lang", "template"), ("a", "b")),
    "COMPLAINT_Q": (("lang", "text"), None),
    "GREETING_Q": (("lang", "text"), None),
    "OOS_Q": (("lang", "text"), None),
}
#: the policy questions: section id -> [[lang, text], ...]
POLICY_KEY = "POLICY_Q"


class QuestionFileError(ValueError):
    """A question file that cannot be read as a labelled set; the message names file, list and item."""


def policy_sections() -> set[str]:
    """The demo shop's policy section ids (``{#shipping-times}`` anchors in its policy documents)."""
    from shopmind.demo.policies import policy_files

    return {m for text in policy_files().values() for m in re.findall(r"\{#([a-z0-9-]+)\}", text)}


def load_question_file(path: Path) -> SimpleNamespace:
    """The file's lists, checked, as a held-out module's attributes (missing lists are empty)."""
    path = Path(path)
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "no such file"  # a folder was "no such file"
        raise QuestionFileError(f"{path}: {what} (a .json or .py question set)")
    raw = _read(path)
    unknown = sorted(set(raw) - set(KINDS) - {POLICY_KEY})
    if unknown:
        raise QuestionFileError(
            f"{path.name}: unknown list {unknown[0]!r}; valid: {', '.join([POLICY_KEY, *KINDS])}"
        )
    sections = policy_sections()
    out: dict[str, Any] = {name: [] for name in KINDS}
    out[POLICY_KEY] = _policy(path.name, raw.get(POLICY_KEY, {}), sections)
    for name, (parts, fields) in KINDS.items():
        items = raw.get(name, [])
        if not isinstance(items, (list, tuple)):
            raise QuestionFileError(
                f"{path.name}: {name} must be a list of items, not {type(items).__name__}"
            )
        out[name] = [
            _item(f"{path.name}: {name}[{i}]", it, parts, fields, sections) for i, it in enumerate(items)
        ]
    if not any(out.values()):
        raise QuestionFileError(f"{path.name}: no questions (lists: {', '.join([POLICY_KEY, *KINDS])})")
    return SimpleNamespace(**out)


def _read(path: Path) -> dict[str, Any]:
    """The file's top-level lists: a JSON object, or a .py module's upper-case names."""
    if path.suffix == ".json":
        try:  # utf-8-sig: a set saved by a Windows editor starts with a BOM, refused as "not valid JSON"
            raw = json.loads(path.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise QuestionFileError(f"{path.name}: not valid UTF-8 JSON ({e})") from None
        if not isinstance(raw, dict):
            raise QuestionFileError(
                f'{path.name}: the JSON must be an object of lists (e.g. {{"OOS_Q": [...]}})'
            )
        return raw
    if path.suffix == ".py":
        spec = importlib.util.spec_from_file_location(f"shopmind_question_set_{path.stem}", path)
        if spec is None or spec.loader is None:
            raise QuestionFileError(f"{path.name}: cannot be loaded as a Python module")
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as e:  # the user's own file: say what failed, no traceback
            raise QuestionFileError(f"{path.name}: running it failed: {type(e).__name__}: {e}") from None
        return {k: v for k, v in vars(module).items() if k.isupper() and not k.startswith("_")}
    raise QuestionFileError(
        f"{path.name}: a question set is a .json or .py file, not {path.suffix or 'no suffix'!r}"
    )


def _policy(where: str, by_section: Any, sections: set[str]) -> dict[str, list[tuple[str, str]]]:
    if not isinstance(by_section, dict):
        raise QuestionFileError(f"{where}: {POLICY_KEY} must map a policy section to [[lang, text], ...]")
    out: dict[str, list[tuple[str, str]]] = {}
    for section, items in by_section.items():
        _section(f"{where}: {POLICY_KEY}", section, sections)
        if not isinstance(items, (list, tuple)):
            raise QuestionFileError(f"{where}: {POLICY_KEY}[{section!r}] must be a list of [lang, text]")
        checked = [_item(f"{where}: {POLICY_KEY}[{section!r}][{i}]", it, ("lang", "text"), None, sections) for i, it in enumerate(items)]  # fmt: skip
        out[str(section)] = checked  # type: ignore[assignment]
    return out


def _item(where: str, item: Any, parts: tuple[str, ...], fields: tuple[str, ...] | None, sections: set[str]) -> tuple:  # fmt: skip
    """One item checked part by part, as the tuple the builders read."""
    if not isinstance(item, (list, tuple)) or len(item) != len(parts):
        raise QuestionFileError(f"{where}: expected [{', '.join(parts)}], got {item!r}")
    out: list[Any] = []
    for part, value in zip(parts, item, strict=True):
        if part == "lang":
            if value not in LANGS:
                raise QuestionFileError(f"{where}: language {value!r}; valid: {', '.join(LANGS)}")
        elif part in ("text", "template"):
            if not isinstance(value, str) or not value.strip():
                raise QuestionFileError(f"{where}: the {part} must be non-empty text")
            if part == "template":
                _fields(where, value, fields or ())
        elif part == "history":
            if not isinstance(value, (list, tuple)) or not all(
                isinstance(h, str) and h.strip() for h in value
            ):
                raise QuestionFileError(f"{where}: history must be a list of the earlier messages' texts")
            for h in value:
                if fields is not None:  # plain-text history is not formatted
                    _fields(where, h, fields)
            value = list(value)
        elif part == "section":
            _section(where, value, sections)
        elif part == "sections":
            if not isinstance(value, (list, tuple)) or len(value) < 2:
                raise QuestionFileError(f"{where}: sections must list the two (or more) sections asked")
            for s in value:
                _section(where, s, sections)
            value = list(value)
        elif part == "field":
            if value not in FIELDS:
                raise QuestionFileError(f"{where}: product field {value!r}; valid: {', '.join(FIELDS)}")
        elif part == "fields":
            if not isinstance(value, (list, tuple)) or len(value) < 2 or any(f not in FIELDS for f in value):
                raise QuestionFileError(f"{where}: fields must list two or more of {', '.join(FIELDS)}")
            value = tuple(value)  # a tuple: every one must be stated (the builders' convention)
        elif part == "on_page" and not isinstance(value, bool):
            raise QuestionFileError(f"{where}: on_page must be true (asked on the product's page) or false")
        out.append(value)
    return tuple(out)


def _section(where: str, section: Any, sections: set[str]) -> None:
    if section not in sections:
        raise QuestionFileError(
            f"{where}: unknown policy section {section!r}; the demo shop's: {', '.join(sorted(sections))}"
        )


def _fields(where: str, template: str, allowed: tuple[str, ...]) -> None:
    """Every ``{field}`` of ``template`` is one the builder fills (``{o[0]}`` reads the field ``o``)."""
    try:
        names = [f for _t, f, _s, _c in string.Formatter().parse(template) if f is not None]
    except ValueError as e:
        raise QuestionFileError(
            f"{where}: bad template {template!r} ({e}; a literal brace is written twice)"
        ) from None
    for name in names:
        base = re.split(r"[.\[]", name, maxsplit=1)[0]
        if base not in allowed:
            valid = ", ".join("{" + a + "}" for a in allowed) or "none (plain text)"
            raise QuestionFileError(f"{where}: template field {{{name}}} is not filled here; valid: {valid}")
