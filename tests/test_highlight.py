"""Highlighting marks the words whose analysed terms match, escapes HTML, handles Chinese."""

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.search.highlight import highlight, match_spans, snippet
from shopmind.text.analysis import Analyzer

AN = Analyzer()


def terms(q: str) -> list[str]:
    return AN.tokens(q)


def test_stemmed_words_are_marked_and_others_not():
    out = highlight("Running shoes for runners", terms("run shoe"), AN)
    assert out == "<mark>Running</mark> <mark>shoes</mark> for runners"


def test_units_match_their_canonical_form():
    out = highlight('Pipe 1/2 In. x 10 ft. and 3/4"', terms("1/2 inch pipe"), AN)
    assert out.startswith("<mark>Pipe</mark> <mark>1/2 In.</mark> x 10 ft.")
    assert "3/4" in out and "<mark>3/4" not in out


def test_html_is_escaped():
    out = highlight("<b>Drill</b> & bits", terms("drill"), AN)
    assert out == "&lt;b&gt;<mark>Drill</mark>&lt;/b&gt; &amp; bits"


def test_chinese_terms_marked_as_substrings():
    out = highlight("Velvet 持久粉色哑光口红", terms("粉色口红"), AN)
    assert out == "Velvet 持久<mark>粉色</mark>哑光<mark>口红</mark>"


def test_full_width_and_case_keep_original_text():
    out = highlight("ＤＲＩＬＬ Kit", terms("drill"), AN)
    assert out == "<mark>ＤＲＩＬＬ</mark> Kit"


def test_corrected_term_is_marked():
    # the engine passes the corrected term ("stainless"'s stem), not the typo
    out = highlight("Stainless steel sink", terms("stainless"), AN)
    assert out == "<mark>Stainless</mark> steel sink"


def test_no_terms_or_no_text():
    assert highlight("a < b", [], AN) == "a &lt; b"
    assert highlight(None, ["x"], AN) == ""
    assert match_spans("abc", ["zzz"], AN) == []


def test_snippet_window_around_matches():
    text = "filler " * 60 + "the cordless drill is here " + "tail " * 60
    out = snippet(text, terms("cordless drill"), AN, width=80)
    assert out.startswith("…") and out.endswith("…")
    assert "<mark>cordless</mark> <mark>drill</mark>" in out
    assert len(re.sub("<[^>]+>", "", out)) <= 80 + 25


def test_short_snippet_is_whole_text():
    assert snippet("Red drill", terms("drill"), AN) == "Red <mark>drill</mark>"


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80), st.text(max_size=20))
def test_removing_marks_gives_back_the_text(text, query):
    out = highlight(text, terms(query), AN)
    assert html.unescape(out.replace("<mark>", "").replace("</mark>", "")) == text
    assert out.count("<mark>") == out.count("</mark>")
