"""The mapped jieba dictionary cuts exactly as jieba's own, and falls back when it cannot be built."""

from __future__ import annotations

import logging

import jieba
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.text import jieba_dict

jieba.setLogLevel(logging.WARNING)

SAMPLES = [
    "碎花连衣裙夏季新款女装",
    "无线蓝牙耳机降噪运动",
    "这款耳机支持降噪吗",
    "有没有比这个便宜的同款",
    "小米手机充电器快充",
    "中华人民共和国",
    "红色",
]


@pytest.fixture(scope="module")
def tokenizers(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("SHOPMIND_CACHE_DIR", str(cache))
    compact = jieba_dict.compact_tokenizer()
    mp.undo()
    plain = jieba.Tokenizer()
    plain.initialize()
    return compact, plain, cache


def test_compact_dictionary_is_built_once_and_small(tokenizers):
    compact, plain, cache = tokenizers
    assert isinstance(compact.FREQ, jieba_dict.CompactFreq)
    assert len(compact.FREQ) == len(plain.FREQ) and compact.total == plain.total
    (built,) = [p for p in cache.iterdir() if p.name.startswith("jieba-")]
    size = sum(f.stat().st_size for f in built.iterdir())
    assert size < 8_000_000  # vs ~62 MB of Python dict
    assert not [p for p in cache.iterdir() if p.name.startswith(".jieba-build-")]


@pytest.mark.parametrize("text", SAMPLES)
def test_same_cuts_as_jieba(tokenizers, text):
    compact, plain, _ = tokenizers
    for hmm in (True, False):
        assert list(compact.cut_for_search(text, HMM=hmm)) == list(plain.cut_for_search(text, HMM=hmm))
        assert list(compact.cut(text, HMM=hmm)) == list(plain.cut(text, HMM=hmm))


_HAN = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处府研"


@given(st.text(alphabet=st.sampled_from(list(_HAN)), min_size=1, max_size=30))
@settings(max_examples=200, deadline=None)
def test_same_cuts_on_generated_text(tokenizers, text):
    compact, plain, _ = tokenizers
    assert list(compact.cut_for_search(text, HMM=True)) == list(plain.cut_for_search(text, HMM=True))


def test_unwritable_cache_falls_back_to_jiebas_own(tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("SHOPMIND_CACHE_DIR", str(blocker / "cache"))
    with caplog.at_level(logging.WARNING):
        assert jieba_dict.compact_tokenizer() is None
    assert "using jieba's own" in caplog.text


def test_switched_off(monkeypatch):
    monkeypatch.setenv("SHOPMIND_JIEBA_COMPACT", "0")
    assert jieba_dict.compact_tokenizer() is None


def test_mismatched_files_are_refused(tokenizers, tmp_path):
    _, _, cache = tokenizers
    (built,) = [p for p in cache.iterdir() if p.name.startswith("jieba-")]
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in built.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    (bad / "freq.u32").write_bytes(b"\0" * 8)
    with pytest.raises(ValueError, match="disagree"):
        jieba_dict.load(bad)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="红色连衣裙手机壳耳机降噪蓝牙男女款棉质", min_size=1, max_size=12))
def test_memoised_cut_is_jiebas_cut_in_each_mode(text):
    """``analysis.cut_run`` memoises jieba per run: the words must be jieba's, mode by mode."""
    from shopmind.text.analysis import _jieba, cut_run

    tok = _jieba()
    assert cut_run(text, search=True) == tuple(tok.cut_for_search(text, HMM=True))
    assert cut_run(text, hmm=False) == tuple(tok.cut(text, HMM=False))
    assert cut_run(text) == tuple(tok.cut(text, HMM=True))
