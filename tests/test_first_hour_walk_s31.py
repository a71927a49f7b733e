"""Defects found walking a new user's first hour on a clean clone (session 31, t1n).

Each test failed before its fix: the command or page did something a new user would call wrong.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def shopmind(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shopmind.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


# ------------------------------------------------------------------ shopmind mapping on what is no export
@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        # was: exit 0 and a draft saying no column looks like product_id or title (the file's
        # one object is cut off: nothing of it was read)
        ("cut.json", '{"product_id": "P1", "title": "a"', "cut.json: no line could be read"),
        ("words.json", "not json at all\n", "line 1: invalid JSON"),
        # was: "cannot tell the format of afolder from its extension '(none)'"
        ("afolder", None, "afolder is a folder, not a file"),
    ],
)
def test_mapping_of_no_readable_export_is_one_line_exit_2(
    tmp_path: Path, name: str, content: str | None, says: str
) -> None:
    target = tmp_path / name
    if content is None:
        target.mkdir()
    else:
        target.write_text(content, encoding="utf-8")
    run = shopmind("mapping", name, cwd=tmp_path)
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert says in " ".join(run.stderr.split()), run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""


def test_mapping_of_a_json_file_with_one_bad_line_still_drafts_from_the_good_ones(tmp_path: Path) -> None:
    (tmp_path / "p.jsonl").write_text(
        '{"product_id": "P1", "title": "a"}\n{"product_id": \n', encoding="utf-8"
    )
    run = shopmind("mapping", "p.jsonl", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert 'product_id = "product_id"' in run.stdout and 'title = "title"' in run.stdout


# ------------------------------------------------------------------ the storefront's price bands
@pytest.fixture(scope="module")
def storefront(tmp_path_factory: pytest.TempPathFactory):
    from browser_util import HAVE_BROWSER, SKIP_REASON, browser, shop_with_policies

    if not HAVE_BROWSER:
        pytest.skip(SKIP_REASON)
    with shop_with_policies(tmp_path_factory.mktemp("ws")) as url, browser("1280,1000") as d:
        yield url, d


@pytest.mark.parametrize(("lang", "sign"), [("en", "$"), ("zh", "US$")])
def test_the_price_bands_name_their_currency(storefront, lang: str, sign: str) -> None:
    """Was: "0 – 50" and "50+" with no currency, beside CN¥ and $ prices on the demo's pages (the
    bands are in the result set's most common currency, and so is a band's filter)."""
    from selenium.webdriver.common.by import By

    from browser_util import wait_until

    base, d = storefront
    d.get(f"{base}/?lang={lang}&q=lamp")
    wait_until(
        d, lambda d: d.find_elements(By.CSS_SELECTOR, "#facet-price li .facet-label"), "the price bands"
    )
    labels = [e.text for e in d.find_elements(By.CSS_SELECTOR, "#facet-price li .facet-label")]
    assert len(labels) >= 2, labels
    assert all(label.startswith(sign) for label in labels), labels
    assert all(label.count(sign) == (1 if label.endswith("+") else 2) for label in labels), labels


# ------------------------------------------------------------------ a mistyped setting names the one meant
@pytest.mark.parametrize(
    ("toml", "says"),
    [
        (
            '[gate]\nunknwn_items = "flag"\n',
            "unknown setting gate.unknwn_items - did you mean gate.unknown_items?",
        ),
        (
            "[gate.bot]\nmax_rate_per_sec = 1\n",
            "gate.bot.max_rate_per_sec - did you mean gate.bot.max_rate_per_s?",
        ),
        ('[gate]\nzzz = "flag"\n', "unknown setting gate.zzz (known: "),
    ],
)
def test_a_mistyped_gate_setting_says_the_nearest_one_first(tmp_path: Path, toml: str, says: str) -> None:
    """Was: 'unknown setting gate.unknwn_items (known: ...)' and 24 names to search for it."""
    from shopmind.config import ConfigError, load_config

    (tmp_path / "gate.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "gate.toml")
    assert says in str(err.value)


def test_a_mistyped_shop_setting_says_the_nearest_one_first() -> None:
    from shopmind.release.component_base import ReleaseError, config_from
    from shopmind.search.engine import SearchConfig

    with pytest.raises(
        ReleaseError, match=r"\[search\] has unknown setting\(s\) encodr - did you mean encoder\?"
    ):
        config_from(SearchConfig, "search", {"encodr": "e5"})


# ------------------------------------------------------------------ the router's own 404 and 405
def test_a_wrong_route_or_method_names_what_was_asked(tmp_path: Path) -> None:
    """Was: {"message": "Not Found"} and {"message": "Method Not Allowed"}, naming neither the
    path nor the methods the route takes (the Allow header had them)."""
    from fastapi.testclient import TestClient

    from shopmind.serve.app import create_app

    with TestClient(create_app(tmp_path, {"poll_seconds": 60})) as c:
        wrong = c.delete("/v1/search")
        assert wrong.status_code == 405 and wrong.headers["allow"] == "GET"
        assert wrong.json()["error"]["message"] == "DELETE is not allowed on /v1/search; it takes GET"
        assert wrong.json()["error"]["code"] == "method_not_allowed"
        missing = c.get("/v1/serch", headers={"Accept": "application/json"})
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
        assert missing.json()["error"]["message"] == "nothing at /v1/serch (the API's routes: /docs)"
