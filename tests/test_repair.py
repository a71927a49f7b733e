"""Repairs are idempotent: repairing repaired data changes nothing, value by value and batch-wide."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.config import GateConfig
from shopmind.data.model import ROW, Batch
from shopmind.quality.gate import run_gate
from shopmind.quality.repair import (
    fix_mojibake,
    normalise_space,
    repair_value,
    strip_controls,
    strip_html,
    to_simplified,
)

# text that looks like shop data: words, CJK, accents, tags, entities, odd spaces, mojibake
_pieces = st.sampled_from(
    ["Red", "dress", "红色", "連衣裙", "café", "CafÃ©", "°C", "Â°C", "<p>", "</p>", "<br/>", "&amp;", "&lt;b&gt;",
     "&#39;", "  ", "\t", "\u3000", "Ｒｅｄ", "½", "™", "—", "\u00a0", "x", "1/2 in", "&", "\x00", "\x07",
     "\x1b[0m", "\x7f", "\x85", "\r\n"]
)  # fmt: skip
shop_text = st.lists(st.one_of(_pieces, st.text(max_size=4)), max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(shop_text, st.booleans())
def test_repair_value_is_idempotent(text, t2s):
    once = repair_value(text, t2s=t2s)
    assert repair_value(once, t2s=t2s) == once


@settings(max_examples=200, deadline=None)
@given(shop_text)
def test_each_step_is_idempotent(text):
    for step in (fix_mojibake, strip_controls, strip_html, normalise_space, to_simplified):
        once = step(text)
        assert step(once) == once, step.__name__


def test_known_repairs():
    assert fix_mojibake("CafÃ© Â°C") == "Café °C"
    assert strip_html("<p>Soft &amp; warm</p><br>Machine wash") == "Soft & warm Machine wash"
    assert normalise_space("  Ｒｅｄ\u3000dress \t") == "Red dress"
    assert to_simplified("紅色連衣裙") == "红色连衣裙"
    assert strip_html("5 < 7 and 8 > 3") == "5 < 7 and 8 > 3"  # not HTML: left alone
    assert strip_controls("Red\x00 dress\x07\x1b\x7f\x9f\ttab\nline") == "Red dress\ttab\nline"


@settings(max_examples=200, deadline=None)
@given(shop_text)
def test_no_control_character_survives_the_repairs(text):
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in repair_value(text))


@settings(max_examples=40, deadline=None)
@given(st.lists(shop_text, min_size=1, max_size=8))
def test_gate_repairs_are_idempotent_batch_wide(titles):
    products = pl.DataFrame(
        {"product_id": [f"P{i}" for i in range(len(titles))], "title": titles, "description": titles}
    )
    cfg = GateConfig(traditional_to_simplified=True)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    first = run_gate(Batch("r", products=products), cfg, None, now=now).tables["products"]
    again_input = first.accepted.select("product_id", "title", "description")
    second = run_gate(Batch("r", products=again_input), cfg, None, now=now).tables["products"]
    assert second.audit.is_empty()
    assert (
        second.accepted.sort(ROW)
        .select("title", "description")
        .equals(first.accepted.sort(ROW).select("title", "description"))
    )


def test_script_and_style_elements_are_removed_with_their_code() -> None:
    """ "<script>alert(1)</script>" became the text "<script>alert(1)": only closing tags were
    stripped generically, and the opening script tag is no formatting tag."""
    from shopmind.quality.repair import strip_html

    assert strip_html("<b>Bold</b> and <script>alert(1)</script>") == "Bold and"
    assert strip_html('x <SCRIPT type="a">alert(1)\n</script > y <style>p{color:red}</style>z') == "x y z"
    assert strip_html("lone <script src=x> tag") == "lone tag"
    for escaped in (
        "a &lt;script&gt;alert(1)&lt;/script&gt; b",
        "a &amp;lt;style&amp;gt;x&amp;lt;/style&amp;gt; b",
    ):
        once = strip_html(escaped)
        assert once == "a b" and strip_html(once) == once  # idempotent after unescaping
    assert strip_html("5 < 6 and 7 > 2") == "5 < 6 and 7 > 2"  # no tag: untouched
