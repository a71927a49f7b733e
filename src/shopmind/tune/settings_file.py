"""Write tuned settings into a copy of the shop TOML; the original file is never touched.

tomlkit (not a hand-written writer) because it keeps the shop's own comments and layout in
the copy: the tuned file is the old one plus the changed keys and a marked comment saying
which study chose them. The copy is re-read with ``tomllib`` before it is left on disk, so a
file the build could not parse is never written.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shopmind.tune.study import INSTALL_HINT, TuneError


def tuned_path(config: Path | None, target: str) -> Path:
    """Where the tuned copy goes: ``<stem>.tuned.toml`` beside ``config`` (or ``shop.tuned.toml``)."""
    if config is None:
        return Path("shop.tuned.toml")
    return config.with_name(f"{config.stem}.tuned.toml")


def _merge(table: Any, values: Mapping[str, Any]) -> None:
    import tomlkit

    for key, value in values.items():
        if isinstance(value, Mapping):
            sub = table.get(key)
            if sub is None or not isinstance(sub, Mapping):
                sub = tomlkit.table()
                table[key] = sub
            _merge(sub, value)
        else:
            table[key] = value


def write_tuned(config: Path | None, out: Path, section: str, values: Mapping[str, Any], note: str) -> Path:
    """``config`` (or an empty document) with ``[section]`` updated by ``values``, written to
    ``out`` atomically; ``note`` becomes a comment above the section. Refuses ``out == config``."""
    try:
        import tomlkit
    except ImportError:  # pragma: no cover
        raise TuneError(INSTALL_HINT) from None
    if config is not None and out.resolve() == config.resolve():
        raise TuneError(f"--out {out} is the shop TOML itself; the tuned settings go to a new file")
    if config is not None:
        try:
            doc = tomlkit.parse(config.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise TuneError(f"config file {config} does not exist") from None
        except tomlkit.exceptions.ParseError as exc:
            raise TuneError(f"{config}: not valid TOML: {exc}") from None
    else:
        doc = tomlkit.document()
    table = doc.get(section)
    if table is None:
        table = tomlkit.table()
        doc[section] = table
    table.comment(note)
    _merge(table, values)
    text = tomlkit.dumps(doc)
    tomllib.loads(text)  # what the build reads must parse: never leave an unreadable file
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, out)
    return out
