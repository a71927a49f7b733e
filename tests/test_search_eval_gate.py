"""``evaluate search`` reads its catalog through the quality gate (search/eval_gate.py), as ``build`` does.

Before: the adapter's products were searched as they came - a placeholder title, a second version of an id
and a raw HTML title were in the evaluated corpus though a build would never publish them, and a judged
query whose product the gate refuses was not said to have lost it.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from shopmind.cli import app
from shopmind.search.evaluate import evaluate, load_dataset, make_methods

PRODUCTS = (
    "product_uid,product_title\n"
    "100001,Angle Bracket\n"
    "100002,??\n"  # PRD_TITLE_PLACEHOLDER: quarantined, its id has no other row
    "100003,Shower <b>Faucet</b>\n"  # TEXT_HTML: repaired
    "100004,Deck Stain Old\n"  # PRD_DUP_ID: the latest row of the id is kept
    "100004,Deck Stain Cedar\n"
    "100005,n/a\n"  # a placeholder word
)
JUDGMENTS = (
    "id,search_term,product_uid,relevance\n"
    "1,angle bracket,100001,3\n"
    "2,angle bracket,100002,1\n"  # a judged product quarantined: the query keeps 100001
    "3,mystery,100002,2\n"  # every judged product quarantined: the query is no longer scored
    "4,mystery,100005,3\n"
    "5,deck stain,100004,3\n"
    "6,shower faucet,100003,3\n"
)


def _folder(tmp_path: Path) -> Path:
    (tmp_path / "products.csv").write_text(PRODUCTS)
    (tmp_path / "judgments_dev.csv").write_text(JUDGMENTS)
    return tmp_path


def test_the_catalog_searched_is_the_gates_accepted_rows(tmp_path: Path) -> None:
    data = load_dataset("home-depot", _folder(tmp_path))
    titles = dict(zip(data.products["product_id"].to_list(), data.products["title"].to_list(), strict=True))
    assert titles == {"100001": "Angle Bracket", "100003": "Shower Faucet", "100004": "Deck Stain Cedar"}
    g = data.gate
    assert (g["input_products"], g["accepted_products"], g["quarantined_products"]) == (6, 3, 3)
    assert g["quarantined_by_code"] == {"PRD_TITLE_PLACEHOLDER": 2, "PRD_DUP_ID": 1}
    assert g["failed_by_code"]["TEXT_HTML"] == 1 and g["product_ids_lost"] == 2
    lost = g["judged_queries_quarantined"]
    assert (lost["judgments"], lost["queries"], lost["queries_unscored"]) == (3, 2, ["mystery"])
    assert lost["by_query"] == {
        "angle bracket": {"100002": ["PRD_TITLE_PLACEHOLDER"]},
        "mystery": {"100002": ["PRD_TITLE_PLACEHOLDER"], "100005": ["PRD_TITLE_PLACEHOLDER"]},
    }
    assert data.qrels == {
        "angle bracket": {"100001": 3.0},
        "deck stain": {"100004": 3.0},
        "shower faucet": {"100003": 3.0},
    }
    assert data.notes[1] == (
        "quality gate: 6 product rows, 3 accepted, 3 quarantined (PRD_TITLE_PLACEHOLDER 2, PRD_DUP_ID 1); "
        "text repaired: TEXT_HTML 1"
    )
    assert data.notes[2] == (
        "3 judgment(s) of 2 judged query(ies) name a product the gate quarantined, left out: 'angle bracket', "
        "'mystery'; 1 of them kept no judged product and are not scored"
    )
    assert not any("not in the corpus" in n for n in data.notes)  # counted once, by the gate's line


def test_without_the_gate_the_old_corpus(tmp_path: Path) -> None:
    """The before arm (bench/search_eval_gate.py): every id, the first row of a duplicate, no gate account."""
    data = load_dataset("home-depot", _folder(tmp_path), gate=False)
    titles = dict(zip(data.products["product_id"].to_list(), data.products["title"].to_list(), strict=True))
    assert titles["100002"] == "??" and titles["100004"] == "Deck Stain Old" and len(titles) == 5
    assert data.gate == {} and set(data.qrels) == {"angle bracket", "mystery", "deck stain", "shower faucet"}


def test_evaluate_search_reports_the_gate_in_its_json_and_output(tmp_path: Path) -> None:
    data = load_dataset("home-depot", _folder(tmp_path))
    summary = evaluate(data, make_methods(["ours"]), ("retrieval",), progress=False)
    assert summary["gate"]["accepted_products"] == 3 and summary["n_queries"] == 3
    out = tmp_path / "out"
    res = CliRunner().invoke(
        app,
        ["evaluate", "search", str(tmp_path), "-f", "home-depot", "--methods", "ours", "--out", str(out),
         "--no-progress", "--workspace", str(tmp_path / "ws")],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert res.stdout.count("quality gate: 6 product rows, 3 accepted, 3 quarantined") == 1  # the summary
    assert "kept no judged product and are not scored" in res.stdout
    report = json.loads(next(out.glob("search-home-depot-*.json")).read_text())
    assert report["gate"]["quarantined_by_code"] == {"PRD_TITLE_PLACEHOLDER": 2, "PRD_DUP_ID": 1}
    assert report["gate"]["judged_queries_quarantined"]["queries_unscored"] == ["mystery"]
