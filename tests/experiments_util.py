"""A small simulated shop for the experiment tests: exposures and events with a known effect."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from shopmind.experiments.metrics import EXPOSURE_SCHEMA

T0 = datetime(2026, 11, 1, tzinfo=UTC)
#: One A/B experiment on the search layer, its treatment with the re-ranker off (shopmind experiments add):
#: the CLI tests and the served shop of the API sweeps (api_bad_input_util) define it alike
AB_LTR_OFF = """
[[experiment]]
name = "ab"
layer = "search"
[[experiment.variant]]
name = "control"
[[experiment.variant]]
name = "treatment"
overrides = { search = { ltr = "off" } }
"""


def shop(
    n_users: int, conv: dict[str, float], share_b: float = 0.5, seed: int = 0
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Exposures + events: each user has 1-3 sessions over 7 days, a search per session, clicks, carts, purchases."""
    rng = np.random.default_rng(seed)
    exp_rows, ev_rows = [], []
    for u in range(n_users):
        variant = "treatment" if rng.random() < share_b else "control"
        for s in range(int(rng.integers(1, 4))):
            ts = T0 + timedelta(days=float(rng.uniform(0, 7)))
            sid = f"s{u}-{s}"
            n_res = 0 if rng.random() < 0.1 else 10
            exp_rows.append(("ab", variant, f"u{u}", sid, f"r{u}-{s}", "search", n_res, ts))
            if rng.random() < 0.4:
                ev_rows.append((f"e{u}-{s}-c", "click", ts + timedelta(seconds=20), f"u{u}", sid, None, None))
            if rng.random() < conv[variant]:
                ev_rows.append(
                    (f"e{u}-{s}-a", "add_to_cart", ts + timedelta(seconds=40), f"u{u}", sid, 10.0, 1)
                )
                ev_rows.append((f"e{u}-{s}-p", "purchase", ts + timedelta(seconds=60), f"u{u}", sid, 10.0, 2))
        # pre-period: the user's history, correlated with nothing in particular
        if rng.random() < 0.5:
            ts = T0 - timedelta(days=float(rng.uniform(1, 20)))
            ev_rows.append((f"e{u}-pre", "purchase", ts, f"u{u}", f"pre{u}", 10.0, int(rng.integers(1, 4))))
    exposures = pl.DataFrame(exp_rows, schema=EXPOSURE_SCHEMA, orient="row")
    events = pl.DataFrame(
        ev_rows,
        schema={
            "event_id": pl.Utf8,
            "type": pl.Utf8,
            "timestamp": pl.Datetime("us", "UTC"),
            "user_id": pl.Utf8,
            "session_id": pl.Utf8,
            "price": pl.Float64,
            "quantity": pl.Int64,
        },  # fmt: skip
        orient="row",
    )
    return exposures, events


def ab_experiment(name: str = "ab"):
    """A running search experiment ``name`` on all traffic: ``control`` and ``treatment``."""
    from shopmind.experiments.definition import parse_experiments

    # fmt: off
    return parse_experiments(
        {"experiment": [{"name": name, "layer": "search", "traffic": 1.0, "status": "running",
                         "variant": [{"name": "control"}, {"name": "treatment"}]}]}
    )
    # fmt: on


def cli_readout_args(tmp_path, exposures: pl.DataFrame, events: pl.DataFrame) -> list[str]:
    """Experiment "ab" (control, treatment; running) added to a workspace in ``tmp_path`` with
    `shopmind experiments add`, and the `experiments readout` arguments that read these frames."""
    from typer.testing import CliRunner

    from shopmind.cli import app

    exposures.write_parquet(tmp_path / "x.parquet")
    events.write_parquet(tmp_path / "e.parquet")
    (tmp_path / "exp.toml").write_text(
        '[[experiment]]\nname = "ab"\nlayer = "search"\ntraffic = 1.0\nstatus = "running"\n'
        '[[experiment.variant]]\nname = "control"\n[[experiment.variant]]\nname = "treatment"\n',
        encoding="utf-8",
    )
    ws = ["-w", str(tmp_path / "ws")]
    added = CliRunner().invoke(app, ["experiments", "add", str(tmp_path / "exp.toml"), *ws])
    assert added.exit_code == 0, added.output
    return ["experiments", "readout", "ab", *ws, "--exposures", str(tmp_path / "x.parquet"),
            "--events", str(tmp_path / "e.parquet")]  # fmt: skip
