from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.text import Analyzer, normalize

A = Analyzer()


def test_units_and_numbers_are_single_tokens():
    assert A.tokens("1/2 in. x 10 ft. PVC Pipe") == ["1/2in", "10ft", "pvc", "pipe"]
    assert A.tokens("1/2 inch") == A.tokens('1/2"') == A.tokens("1/2 in.") == ["1/2in"]
    assert A.tokens("3-pack") == ["3pack"]
    assert A.tokens("60 cm") == A.tokens("60cm") == ["60cm"]
    assert A.tokens("2x4") == A.tokens("2 x 4") == ["2x4"]
    assert A.tokens("1-1/2 in. copper 1,000 watts 3.50 lbs") == ["1-1/2in", "copper", "1000w", "3.5lb"]


def test_english_stemming_and_stop_words():
    assert A.tokens("The Running Shoes for men") == ["run", "shoe", "men"]
    assert Analyzer(stop_words=False).tokens("the shoes") == ["the", "shoe"]
    assert Analyzer(stem=False).tokens("running") == ["running"]


def test_unicode_normalisation():
    assert A.tokens("ＲＥＤ　Ｓｈｏｅｓ １２３") == ["red", "shoe", "123"]
    assert normalize("  Ａ  B ") == "a b"


def test_chinese_and_mixed_text():
    toks = A.tokens("红色连衣裙 Nike跑鞋 size 42")
    assert "连衣裙" in toks and "红色" in toks and "跑鞋" in toks
    assert "nike" in toks and "size" in toks and "42" in toks
    # search-mode cut also emits the shorter words inside a long one
    assert "连衣" in toks or "衣裙" in toks
    # no jieba in "en" mode: ideographs become single characters
    assert Analyzer("en").tokens("红色") == ["红", "色"]


def test_deterministic_and_shared():
    text = "女士红色长裙 2024新款 3-pack"
    assert A.tokens(text) == Analyzer().tokens(text) == A.tokens(text)


def test_empty_and_none():
    assert A.tokens("") == [] and A.tokens(None) == [] and A.tokens("   ,,, !!") == []


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises_and_tokens_are_non_empty(text):
    for lang in ("auto", "en", "zh"):
        toks = Analyzer(lang).tokens(text)
        assert all(isinstance(t, str) and t and t.strip() == t for t in toks)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalisation_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8")))
def test_tokens_of_normalised_text_are_the_same(text):
    assert A.tokens(normalize(text)) == A.tokens(text)
