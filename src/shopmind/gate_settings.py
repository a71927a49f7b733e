"""Which quality-gate settings an evaluation uses: the ones the shop's data went through (session 32, t1f).

``shopmind evaluate search/recs/forecast`` run their dataset through the quality gate (what a build would publish is
what is scored) and used the default settings even for a workspace whose batches went through its own ``gate.toml``
(``ingest --config``: thresholds, severities, the bot rules): the figures were for another gate than the shop's. Now
``ingest`` keeps the gate tables it ran with in ``<workspace>/gate_settings.json``, and an evaluation uses, in order:
``--config FILE`` (a shop TOML's ``[gate]``/``[checks.CODE]`` tables), the workspace's last ingest's settings, the
defaults, and says which.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from shopmind.config import ConfigError, GateConfig, config_from_dict, load_config

SETTINGS_FILE = "gate_settings.json"
#: The shop TOML's tables the gate reads (``config.config_from_dict``).
GATE_TABLES = ("gate", "checks")


def remember(workspace: Path, config: Path | None) -> None:
    """Keep the gate tables ``ingest`` ran with (none: the defaults) as the workspace's settings."""
    tables: dict[str, Any] = {}
    if config is not None:
        data = tomllib.loads(Path(config).read_text(encoding="utf-8"))
        tables = {k: data[k] for k in GATE_TABLES if k in data}
    record = {"from": None if config is None else str(Path(config).resolve()), "tables": tables}
    tmp = workspace / f".{SETTINGS_FILE}.tmp"
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(workspace / SETTINGS_FILE)


def resolve(workspace: Path | None, config: Path | None) -> tuple[GateConfig, str]:
    """The gate settings an evaluation uses and where they came from, in words."""
    if config is not None:
        return load_config(config), f"{config} (--config)"
    path = None if workspace is None else Path(workspace) / SETTINGS_FILE
    if path is not None and path.is_file():
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            cfg = config_from_dict(dict(record.get("tables") or {}), where=str(path))
        except (OSError, ValueError, AttributeError) as exc:
            raise ConfigError(f"{path}: cannot read the workspace's gate settings: {exc}") from exc
        origin = record.get("from")
        what = f"those of {origin}" if origin else "the default settings"
        return cfg, f"the workspace's ({workspace}: its last ingest ran with {what})"
    return GateConfig(), "the default settings (no --config, and no ingest in the workspace)"
