"""docs/API.md shows a whole experiment definition, and it is valid as written.

The README says `shopmind experiments add exp.toml`, and `experiments list` sends a new user to
docs/API.md "Experiments" to write one; that section only named a source file
(`shopmind/experiments/definition.py`), so a user had to read Python to learn the TOML's shape.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from shopmind.experiments.definition import parse_experiments

API = Path(__file__).resolve().parents[1] / "docs" / "API.md"


def test_the_experiments_section_holds_a_valid_definition() -> None:
    text = API.read_text(encoding="utf-8")
    section = text.split("\n## Experiments\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```toml\n(.*?)```", section, flags=re.S)
    assert blocks, "no TOML example in docs/API.md's Experiments section"
    exps = parse_experiments(tomllib.loads(blocks[0])).experiments
    assert len(exps) == 1 and [v.name for v in exps[0].variants] == ["control", "treatment"]
    assert exps[0].variants[1].overrides == {"search": {"ltr": "off"}}
