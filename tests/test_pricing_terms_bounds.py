"""`shopmind pricing suggest --terms`: a row whose floor is above its ceiling is refused naming the
file and line, and no report is written.

It was accepted: no price lies in [floor, ceiling], so the product was kept with its bounds
reversed in the report (lower_bound 422.1, upper_bound 10.0 on the demo shop's P00001) and the
shop was never told which row of its terms file was wrong.
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from shopmind.cli import app
from test_pricing import _market


def _run(tmp_path: Path, terms: str) -> tuple[int, str, Path]:
    ev, _ = _market(5)
    ev.write_csv(tmp_path / "ev.csv")
    (tmp_path / "terms.csv").write_text(terms, encoding="utf-8")
    out = tmp_path / "rep"
    args = ["pricing", "suggest", str(tmp_path / "ev.csv"), "--terms", str(tmp_path / "terms.csv")]
    res = CliRunner().invoke(app, [*args, "--out", str(out)])
    return res.exit_code, res.output, out


def test_a_floor_above_the_ceiling_names_the_line(tmp_path: Path) -> None:
    code, out, rep = _run(tmp_path, "item_id,floor,ceiling\nc0i0,5,20\nc0i1,50,10\n")
    assert code == 2
    assert "terms.csv: line 3: floor '50' is above ceiling '10'" in " ".join(out.split())
    assert "Traceback" not in out
    assert not rep.exists()


def test_an_equal_floor_and_ceiling_is_a_fixed_price(tmp_path: Path) -> None:
    code, out, rep = _run(tmp_path, "item_id,floor,ceiling\nc0i0,10,10\n")
    assert code == 0, out
    assert (rep / "suggestions.csv").exists()


def test_suggest_says_each_long_step_as_it_ends(tmp_path: Path, monkeypatch) -> None:
    """The command printed nothing until its summary (~40 s silent on Online Retail); here every
    step counts as long."""
    import shopmind.cli.pricing as P

    monkeypatch.setattr(P, "SAY_AFTER_S", 0.0)
    code, out, rep = _run(tmp_path, "item_id,floor,ceiling\nc0i0,5,20\n")
    assert code == 0, out
    text = " ".join(out.split())
    assert "done reading the purchases in" in text and "done estimating price elasticities in" in text
    assert text.index("done estimating") < text.index("products:")  # before the summary
