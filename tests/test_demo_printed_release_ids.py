"""The release ids ``shopmind demo`` prints stay usable (session 32, t1f; closing31's first-hour list).

A progressive build publishes its first release, the complete one and the warm-up's, and prunes the
earlier stages at its end (they serve nothing the last lacks; a rollback must not land on a release
without vectors). The demo prints the first and the complete id as they land, so `shopmind rollback
--to <the id it printed>` answered "no finished release" once the demo ended. Now such an id reaches
the release its build was folded into (said so), and the demo ends naming the release it kept."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from typer.testing import CliRunner

import shopmind.cli.demo_follow as follow
from build_script_util import ingest_forced
from shopmind.cli import app
from shopmind.demo.generator import generate
from shopmind.release.build import build_release
from shopmind.release.components import default_components, default_vector_parts
from shopmind.release.releases import ReleaseError, Releases

SETTINGS = {"search": {"encoder": "use", "query_encoding": "inline"}, "recs": {"encoder": "use"}}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Two progressive builds of a small shop, every published manifest in order."""
    root = tmp_path_factory.mktemp("printed")
    ws = ingest_forced(root / "ws", generate(seed=11, n_products=240, n_users=150, days=20).batch)
    published: list[list[dict]] = []
    for _ in range(2):
        published.append([])
        build_release(ws, default_components(), settings=SETTINGS, force=True, cache_dir=root / "cache",
                      vector_parts=default_vector_parts(), on_publish=published[-1].append, keep=3)  # fmt: skip
    return ws, published


def test_rollback_to_a_printed_stage_id_reaches_its_build(built) -> None:
    ws, published = built
    rel = Releases(ws)
    first_build, second_build = published
    assert len(first_build) >= 3  # first release, complete, warm-up: the earlier two pruned
    kept = {m["id"] for m in rel.list()}
    assert first_build[-1]["id"] in kept and first_build[0]["id"] not in kept
    for stage in first_build[:-1]:
        assert rel.folded_into(stage["id"]) == first_build[-1]["id"]
    assert rel.folded_into(second_build[-1]["id"]) is None  # a kept release is itself
    assert rel.folded_into("r-nope") is None

    run = CliRunner().invoke(app, ["rollback", "--workspace", str(ws), "--to", first_build[0]["id"]])
    assert run.exit_code == 0, run.output
    assert (
        f"{first_build[0]['id']} was an earlier stage of the build that published {first_build[-1]['id']}"
        in run.output
    )
    assert rel.current_id() == first_build[-1]["id"]
    run = CliRunner().invoke(app, ["rollback", "--workspace", str(ws), "--to", second_build[1]["id"]])
    assert run.exit_code == 0, run.output
    assert rel.current_id() == second_build[-1]["id"]
    with pytest.raises(ReleaseError, match="no finished release"):
        rel.rollback(to="r-nope")


def test_demo_ends_naming_the_release_it_kept(built, monkeypatch) -> None:
    ws, published = built
    Releases(ws).switch(published[1][-1]["id"])
    out = io.StringIO()
    monkeypatch.setattr(follow, "console", Console(file=out, width=400, color_system=None))
    follow._say_kept(ws)
    last, stages = published[1][-1], [m["id"] for m in published[1][:-1]]
    assert out.getvalue().strip() == (
        f"serving release {last['id']} (its stages {', '.join(sorted(stages))} are folded into it); "
        f"`shopmind rollback` goes back to {published[0][-1]['id']}"
    )
