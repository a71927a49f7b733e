"""Where ``shopmind evaluate search|recs|assistant|forecast`` write: ``<workspace>/evaluation``.

Why one place: the evaluation dashboard (``/dashboard/evaluation``, ``GET /v1/evaluation``) reads the
``evaluation/`` folder of the shop it serves. Every evaluate command takes the same ``--workspace/-w``
(default ``shopmind-data``, as every other command) and writes there unless ``--out`` says otherwise;
``assistant`` and ``forecast`` wrote to ``shopmind-data/reports`` whatever the shop, which no page read.
After ``make demo`` the served shop is ``shopmind-data/demo``: a report written to
``shopmind-data/evaluation`` would be on no dashboard, so each command then says where the shop is,
with the line every other command prints (``shopmind.cli.common.workspace_note``).

Outside ``shopmind.cli`` on purpose: the evaluate commands live with what they measure and are
imported while the CLI package loads (a top-level import of it from them is circular).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

DEFAULT_WORKSPACE = Path("shopmind-data")
FOLDER = "evaluation"
WORKSPACE = typer.Option(
    "--workspace",
    "-w",
    help="The shop's folder: the report goes to its evaluation/, which its evaluation dashboard shows.",
)
#: ``--out`` of the commands that write a folder (search, recs, assistant)
OUT = typer.Option(
    "--out",
    help="Folder for the report (default: <workspace>/evaluation, which the evaluation dashboard shows).",
)


#: ``--config`` of evaluate search/recs/forecast: the quality gate's settings (``gate_settings.resolve``)
GATE_CONFIG = typer.Option(
    "--config",
    "-c",
    help="Shop TOML whose gate and checks tables gate the data (default: the settings of the workspace's last "
    "ingest, else the defaults).",
)


def evaluation_folder(workspace: Path) -> Path:
    """``<workspace>/evaluation``: the folder ``GET /v1/evaluation`` reads."""
    return Path(workspace) / FOLDER


def say_where_the_shop_is(workspace: Path, out_given: bool, echo: Callable[[str], Any]) -> None:
    """When the report went to ``workspace`` by default and that folder holds no shop but a
    sub-folder does (``make demo``), say so with ``echo``: no dashboard shows this report."""
    if out_given:
        return
    from shopmind.cli.common import workspace_note

    note = workspace_note(workspace)
    if note is not None:
        echo(
            f"{note} (this report is in {evaluation_folder(workspace)}, which that shop's dashboard does not read)"
        )
