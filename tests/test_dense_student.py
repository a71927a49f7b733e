"""The contextual student encoder (search/dense_student.py, issue 17 item 2, session 32)."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from shopmind.search.dense_encoders import l2_normalise
from shopmind.search.dense_student import StudentEncoder, features, tokens

WORDS = [
    "toro",
    "snow",
    "blower",
    "drill",
    "cordless",
    "ryobi",
    "vanity",
    "top",
    "sink",
    "pex",
    "fitting",
    "brass",
    "valve",
    "inch",
    "volt",
    "saw",
]


class WordTeacher:
    """A deterministic teacher: a text's vector is a fixed mean + the sum of its words' seeded
    vectors (so a student can generalise to unseen combinations of seen words)."""

    name = "word-teacher"
    dim = 16

    def _word(self, w: str) -> np.ndarray:
        return np.random.default_rng(zlib.crc32(w.encode())).normal(size=self.dim)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        mean = np.full(self.dim, 3.0)
        return l2_normalise(np.vstack([mean + sum(self._word(w) for w in t.split()) for t in texts]))

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode_passages([text])[0]


def catalog(n: int = 240, seed: int = 5) -> list[str]:
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, size=4, replace=False)) + f" {i % 9}0" for i in range(n)]


def fitted(**kw: object) -> StudentEncoder:
    enc = StudentEncoder(teacher=WordTeacher(), max_titles=120, **kw)  # type: ignore[arg-type]
    enc.fit(catalog())
    return enc


def test_tokens_and_context_features() -> None:
    assert tokens("Toro SS7000 24in. 1/2-in PEX") == ["toro", "ss7000", "24in", "1/2-in", "pex"]
    assert tokens("电动螺丝刀 12v") == ["电", "动", "螺", "丝", "刀", "12v"]
    groups = {"w": 1.0, "b": 1.0, "n": 1.0, "c": 1.0}
    f = features("60 vanity with top", groups)
    assert {g for g, _ in f.values()} == {"w", "b", "n", "c"}
    # the number's context changes the features; the words alone do not
    assert set(features("60 vanity", groups)) != set(features("vanity 60", groups))
    assert set(features("60 vanity", {"w": 1.0})) == set(features("vanity 60", {"w": 1.0}))


def test_unfitted_refuses_to_encode() -> None:
    enc = StudentEncoder(teacher=WordTeacher())
    with pytest.raises(RuntimeError, match="no fit yet"):
        enc.encode_passages(["drill"])
    with pytest.raises(ValueError, match="at least"):
        enc.fit(["drill", "saw"])


def test_seeded_fit_gives_equal_vectors_and_name() -> None:
    a, b = fitted(), fitted()
    texts = catalog(30, seed=9)
    assert a.name == b.name and a.name.startswith("student-word-teacher-n120-")
    np.testing.assert_array_equal(a.encode_passages(texts), b.encode_passages(texts))
    assert a.name != fitted(ridge=1.0).name


def test_fit_titles_close_to_teacher_and_unseen_titles_generalise() -> None:
    enc = fitted(keep_teacher=False)
    teacher = WordTeacher()
    from shopmind.search.dense_static_fit import fit_sample

    sample = fit_sample(catalog(), 120)
    y = teacher.encode_passages(catalog())
    centre = teacher.encode_passages(sample).mean(axis=0)
    ys = l2_normalise(teacher.encode_passages(sample) - centre)
    cos_fit = np.sum(enc.encode_passages(sample) * ys, axis=1)
    assert cos_fit.mean() > 0.95
    assert enc.fit_info["fit_cosine_to_teacher"] == pytest.approx(cos_fit.mean(), abs=1e-3)
    unseen = [t for t in catalog() if t not in set(sample)]
    yu = l2_normalise(teacher.encode_passages(unseen) - centre)
    cos_unseen = np.sum(enc.encode_passages(unseen) * yu, axis=1)
    shuffled = np.sum(enc.encode_passages(unseen) * np.roll(yu, 1, axis=0), axis=1)
    assert cos_unseen.mean() > 0.6 > shuffled.mean() + 0.3
    assert len(y) == 240
    # keep_teacher: the fit titles take their own centred teacher vector exactly
    own = fitted().encode_passages(sample)
    np.testing.assert_allclose(own, ys, atol=1e-6)


def test_save_load_round_trip(tmp_path) -> None:  # noqa: ANN001
    enc = fitted()
    texts = catalog(40, seed=11)
    enc.save_state(tmp_path / "enc")
    back = StudentEncoder(teacher=WordTeacher(), max_titles=120)
    assert back.load_state(tmp_path / "enc")
    assert back.name == enc.name and back.fit_info == enc.fit_info
    np.testing.assert_array_equal(back.encode_passages(texts), enc.encode_passages(texts))
    other = StudentEncoder(teacher=WordTeacher(), max_titles=120, degree=3)
    assert not other.load_state(tmp_path / "enc") and not other.fitted


def test_queries_take_the_teacher_path() -> None:
    enc = fitted()
    q = enc.encode_query("cordless drill")
    np.testing.assert_allclose(q, WordTeacher().encode_query("cordless drill"), atol=1e-6)
    np.testing.assert_allclose(enc.encode_queries(["cordless drill"])[0], q, atol=1e-6)


def test_static_fit_base_learns_the_residual_and_round_trips(tmp_path) -> None:  # noqa: ANN001
    from test_dense_static_fit import TitleTeacher, titles

    cat = titles(300, seed=1)

    def make() -> StudentEncoder:
        return StudentEncoder(teacher=TitleTeacher(), max_titles=120, base="static-fit", keep_teacher=False)

    a, b = make(), make()
    a.fit(cat)
    b.fit(list(reversed(cat)))
    assert a.name == b.name and "-sf-" in a.name
    unseen = titles(40, seed=7)
    np.testing.assert_array_equal(a.encode_passages(unseen), b.encode_passages(unseen))
    # the static-fit guess plus the kernel's residual is at least as close to the teacher as the
    # static-fit guess alone (held-out titles, centred on the fit sample's mean)
    from shopmind.search.dense_static_fit import fit_sample

    teacher = TitleTeacher()
    centre = teacher.encode_passages(fit_sample(cat, 120)).mean(axis=0)
    target = l2_normalise(teacher.encode_passages(unseen) - centre)
    mine = np.sum(a.encode_passages(unseen) * target, axis=1).mean()
    assert a.static is not None
    alone = np.sum(a.static.encode_passages(unseen) * target, axis=1).mean()
    assert mine >= alone - 1e-3
    a.save_state(tmp_path / "s")
    back = make()
    assert back.load_state(tmp_path / "s") and back.name == a.name
    # (the static word table is saved at its own precision, as static-fit's test allows)
    np.testing.assert_allclose(back.encode_passages(unseen), a.encode_passages(unseen), atol=1e-3)
    with pytest.raises(ValueError, match="base"):
        StudentEncoder(teacher=TitleTeacher(), base="bogus")
