"""A shop TOML's `[search]` / `[recs]` values of the wrong kind or out of range, as a new user
writes them: each passed the build's settings check and failed later - `[recs] explore_share = 2`
as a ValueError traceback from the build's child process, after a first (progressive) release had
been published and made current. Each is now one line naming the file and the setting, exit 2,
before the build writes anything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from shopmind.cli.common import UsageError
from shopmind.cli.release import build_settings

BAD = [
    ("[recs]\nexplore_share = 2\n", "[recs]: explore_share must be within [0, 0.5], not 2"),
    ('[recs]\nexplore_share = "a"\n', "[recs] explore_share must be a finite number, not 'a'"),
    ("[recs]\ndepth = -5\n", "[recs]: depth must be >= 1, not -5"),
    ('[recs]\ndepth = "x"\n', "[recs] depth must be a whole number, not 'x'"),
    ("[recs]\nseed = 1.5\n", "[recs] seed must be a whole number, not 1.5"),
    ('[recs]\nranker = "yes"\n', "[recs] ranker must be true or false, not 'yes'"),
    ("[recs]\nrecency_decay = -1\n", "[recs]: recency_decay must be within [0, 1], not -1"),
    ("[recs]\ncontent_neighbours = 0\n", "[recs]: content_neighbours must be >= 1, not 0"),
    ('[recs]\nevent_weights = {view = "x"}\n', "[recs]: event_weights.view must be a number >= 0, not 'x'"),
    ('[recs]\ngenerators = {covisit = {window = "x"}}\n', "[recs.generators.covisit] window must be a whole number"),
    ("[recs]\ngenerators = {covisit = {windw = 3}}\n", "[recs] generators.covisit: unknown parameter(s) windw"),
    ('[recs.rules]\nin_stock_only = "yes"\n', "[recs.rules] in_stock_only must be true or false, not 'yes'"),
    ("[search]\nmax_size = -1\n", "[search]: max_size must be >= 1, not -1"),
    ('[search]\nrrf_k = "x"\n', "[search] rrf_k must be a finite number, not 'x'"),
    ("[search]\nrrf_k = nan\n", "[search] rrf_k must be a finite number, not nan"),
    ("[search]\nmin_match = 2\n", "[search]: min_match must be within [0, 1], not 2"),
    ('[search]\nunderstand = "no"\n', "[search] understand must be true or false, not 'no'"),
    ('[profiles]\nhalf_life_days = "x"\n', "[profiles] half_life_days must be a finite number, not 'x'"),
    ("[release]\nkepe = 2\n", "[release] has unknown setting(s) kepe; known: keep"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "says"), BAD, ids=[t.split("\n")[1] for t, _ in BAD])
def test_a_bad_value_is_refused_by_the_settings_check(tmp_path: Path, text: str, says: str) -> None:
    shop = tmp_path / "shop.toml"
    shop.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError) as err:
        build_settings(shop)
    assert str(err.value).startswith(f"{shop}: {says}"), str(err.value)


GOOD = [
    '[search]\nencoder = "none"\ndense_floor = 0.2\nfacet_size = 0\nann_threshold = 100\nbm25 = {k1 = 1.2}\n',
    '[recs]\nencoder = "none"\nexplore_share = 0\nrrf_c = 20\nrecent = 0\nevent_weights = {view = 1, purchase = 4.5}\n',
    "[recs]\ngenerators = { covisit = { window = 5, gap_half_life_s = 600 }, popularity = {}, sasrec = { epochs = 22 } }\n",
    "[recs.rules]\nin_stock_only = true\nmax_per_category = 3\n",
]


@pytest.mark.parametrize("text", GOOD)
def test_documented_and_in_range_values_still_pass(tmp_path: Path, text: str) -> None:
    shop = tmp_path / "shop.toml"
    shop.write_text(text, encoding="utf-8")
    build_settings(shop)  # raises on a refusal


def test_build_with_a_bad_recs_value_is_one_line_exit_2_and_publishes_nothing(tmp_path: Path) -> None:
    (tmp_path / "products.csv").write_text("product_id,title\nP1,Red mug\nP2,Blue mug\n", encoding="utf-8")
    (tmp_path / "shop.toml").write_text(
        '[search]\nencoder = "none"\n[recs]\nexplore_share = 2\n', encoding="utf-8"
    )

    def shopmind(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "shopmind.cli", *args], cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)  # fmt: skip

    assert shopmind("ingest", "products.csv", "-w", "ws").returncode == 0
    run = shopmind("build", "-w", "ws", "--config", "shop.toml")
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert "Traceback" not in run.stderr + run.stdout
    assert " ".join(run.stderr.split()) == (
        "error: shop.toml: [recs]: explore_share must be within [0, 0.5], not 2"
    ), run.stderr
    assert not (tmp_path / "ws" / "releases").exists()  # no release, no progress file, no lock


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            '[gate]\nnear_duplicate_seconds = "two"\n',
            "gate.near_duplicate_seconds must be a finite number, got str 'two'",
        ),
        ('[checks.NOPE_CODE]\naction = "flag"\n', "unknown check code [checks.NOPE_CODE]"),
    ],
)
def test_the_gate_tables_are_checked_by_build_and_serve_too(tmp_path: Path, text: str, says: str) -> None:
    """One shop TOML goes to every command; its [gate] / [checks] values were checked by ingest
    alone, so a wrong type there passed build, serve and demo without a word."""
    from shopmind.cli.serve import serve_settings

    shop = tmp_path / "shop.toml"
    shop.write_text(text, encoding="utf-8")
    for read in (build_settings, serve_settings):
        with pytest.raises(UsageError) as err:
            read(shop)
        assert str(err.value) == f"{shop}: {says}", str(err.value)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[assistant]\nphraser_ulr = "http://127.0.0.1:8080/v1"\n', "unknown [assistant] setting(s): phraser_ulr"),
        ('[assistant]\nphraser_url = "http://127.0.0.1:8080/v1"\nphraser_api_key = 123\n',
         "[assistant] phraser_api_key must be text, not 123"),
        ('[assistant]\nphraser_url = "http://127.0.0.1:8080/v1"\nphraser_model = 4\n',
         "[assistant] phraser_model must be text, not 4"),
    ],
)  # fmt: skip
def test_the_assistant_table_is_checked_by_serve(tmp_path: Path, text: str, says: str) -> None:
    """A mistyped `[assistant]` key left the phraser off without a word; a number for the model or
    the API key was sent as text."""
    from shopmind.cli.serve import serve_settings

    shop = tmp_path / "shop.toml"
    shop.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError) as err:
        serve_settings(shop)
    assert str(err.value).startswith(f"{shop}: {says}"), str(err.value)
