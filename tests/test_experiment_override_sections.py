"""An experiment variant overriding a section that does not exist (`recs` mistyped `rec`) is refused
naming the field and every section a variant may override.

The message named `[search]` alone ("only [search] settings switch per request ... allowed:
search.fusion, ..."), though `[recs]`, `[pricing]` and `[ads]` variants are valid: a user who
mistyped `recs` was told recommendations could not be tested at all.
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from shopmind.cli import app

DEFINITION = """
[[experiment]]
name = "recs-explore"
layer = "recs"
traffic = 0.5
[[experiment.variant]]
name = "control"
[[experiment.variant]]
name = "more-explore"
overrides = {{ {section} = {{ explore_share = 0.2 }} }}
"""


def _validate(tmp_path: Path, section: str) -> tuple[int, str]:
    f = tmp_path / "exp.toml"
    f.write_text(DEFINITION.format(section=section), encoding="utf-8")
    res = CliRunner().invoke(app, ["experiments", "validate", str(f)])
    return res.exit_code, res.output


def test_an_unknown_section_names_every_section_a_variant_may_override(tmp_path: Path) -> None:
    code, out = _validate(tmp_path, "rec")
    assert code == 2
    assert "experiment[0].variant[1].overrides.rec: not a section a variant may override" in out
    for section in ("search", "recs", "pricing", "ads"):
        assert section in out.split("the sections are", 1)[1]
    assert "explore_share" in out  # the recs keys, so the user sees the fix
    assert "Traceback" not in out


def test_the_section_spelt_right_is_valid(tmp_path: Path) -> None:
    code, out = _validate(tmp_path, "recs")
    assert code == 0, out
