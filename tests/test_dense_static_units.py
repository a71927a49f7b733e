"""Numbers with units as shared pieces in the static encoder (issue 17 item 2, round 4)."""

import numpy as np
import pytest

from shopmind.search.dense import StaticEncoder, VectorCache
from shopmind.search.dense_static_fit import FittedStaticEncoder
from shopmind.search.dense_static_units import UNIT_WORDS, number_pieces
from shopmind.text.analysis import UNITS
from test_dense_static import WordTeacher


@pytest.mark.parametrize(
    ("word", "pieces"),
    [
        ("3/4in", ["3/4", "inch"]),
        ("12-1/8in", ["12-1/8", "inch"]),
        ("40v", ["40", "volt"]),
        ("1.5sqft", ["1.5", "square", "feet"]),
        ("36x34.5x24", ["36", "34.5", "24"]),
        ("2x4", ["2", "4"]),
        ("ss7000", ["ss7000"]),
        ("2700k", ["2700k"]),
        ("90", ["90"]),
        ("drill", ["drill"]),
    ],
)
def test_number_pieces_split_a_number_from_its_readable_unit(word, pieces):
    assert number_pieces(word) == pieces


def test_every_analyzer_unit_has_a_readable_word():
    assert set(UNITS.values()) <= set(UNIT_WORDS)


def test_spellings_of_one_size_share_pieces_and_sizes_share_units(tmp_path):
    teacher = WordTeacher()
    enc = StaticEncoder(teacher=teacher, cache=VectorCache(tmp_path), number_units=True)
    plain = StaticEncoder(teacher=WordTeacher())
    assert enc.name != plain.name and "-nu" in enc.name  # cached vectors of the two never mix
    assert (
        enc.tokens("3/4 in. copper pipe")
        == enc.tokens("3/4-inch copper pipe")
        == ["3/4", "inch", "copper", "pipe"]
    )
    assert np.allclose(enc.encode_passages(["3/4 in. copper"]), enc.encode_passages(["3/4-inch copper"]))
    texts = ["1/2 in. copper pipe", "3/4 in. copper pipe", "1/2 ft. copper pipe", "3/4 ft. copper pipe"]
    enc.encode_passages(texts)
    plain.encode_passages(texts)
    sent = {w for call in teacher.calls for w in call}
    assert {"1/2", "3/4", "inch", "feet"} <= sent
    assert not {"1/2in", "3/4in", "1/2ft", "3/4ft"} & sent
    # four sizes: two numbers and two units instead of four opaque words
    assert len(enc) < len(plain)


def test_fitted_static_encoder_passes_number_units_and_keys_it_in_the_name(tmp_path):
    texts = [f"{n}/4 in. {w} pipe" for n in range(1, 4) for w in ("copper", "steel", "brass", "pvc")]
    fit = FittedStaticEncoder(teacher=WordTeacher(), cache=VectorCache(tmp_path), number_units=True)
    fit.prepare_passages(texts)
    other = FittedStaticEncoder(teacher=WordTeacher(), cache=VectorCache(tmp_path))
    other.prepare_passages(texts)
    assert fit.base.number_units and "-nu" in fit.name and "-nu" not in other.name
    got = fit.encode_passages(texts)
    assert got.shape == (len(texts), WordTeacher.dim)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
