"""A vector cache saving new rows re-reads its folder only when another writer changed it since
this process read or wrote it (issue 17: every save of a Home Depot rebuild re-read ~55k
vectors to append 546); rows another process appended meanwhile are still kept."""

from __future__ import annotations

import numpy as np

from shopmind.search.dense_cache import VectorCache

DIM = 8


def _enc(texts: list[str]) -> np.ndarray:
    """A deterministic toy encoder: a vector from the text's characters."""
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for i, t in enumerate(texts):
        for j, ch in enumerate(t):
            out[i, j % DIM] += (ord(ch) % 97) / 97.0
    return out


def _texts(prefix: str, n: int) -> list[str]:
    return [f"{prefix} item {i}" for i in range(n)]


def test_a_save_after_a_read_does_not_read_the_folder_again(tmp_path, monkeypatch) -> None:
    VectorCache(tmp_path).get_or_encode("toy", DIM, _texts("a", 50), _enc)
    cache = VectorCache(tmp_path)
    reads: list[str] = []
    read = VectorCache._read

    def counted(self, d, dim):  # noqa: ANN001, ANN202
        reads.append(str(d))
        return read(self, d, dim)

    monkeypatch.setattr(VectorCache, "_read", counted)
    got = cache.get_or_encode("toy", DIM, _texts("a", 50) + _texts("b", 5), _enc)
    assert len(reads) == 1  # the load; the save appended to what it had read
    np.testing.assert_array_equal(got, _enc(_texts("a", 50) + _texts("b", 5)))
    again = VectorCache(tmp_path)
    np.testing.assert_array_equal(again.get_or_encode("toy", DIM, _texts("b", 5), _enc), _enc(_texts("b", 5)))
    assert again.stats["encoded"] == 0 and again.count("toy", DIM) == 55


def test_rows_another_writer_saved_meanwhile_are_kept(tmp_path) -> None:
    VectorCache(tmp_path).get_or_encode("toy", DIM, _texts("a", 20), _enc)
    first, second = VectorCache(tmp_path), VectorCache(tmp_path)
    assert first.count("toy", DIM) == second.count("toy", DIM) == 20
    second.get_or_encode("toy", DIM, _texts("other", 7), _enc)  # saved by another writer
    first.get_or_encode("toy", DIM, _texts("mine", 3), _enc)  # must merge, not overwrite
    merged = VectorCache(tmp_path)
    assert merged.count("toy", DIM) == 30
    want = _texts("a", 20) + _texts("other", 7) + _texts("mine", 3)
    np.testing.assert_array_equal(merged.get_or_encode("toy", DIM, want, _enc), _enc(want))
    assert merged.stats["encoded"] == 0
    # and the first writer's next save, after its merge, appends without losing either
    first.get_or_encode("toy", DIM, _texts("later", 2), _enc)
    assert VectorCache(tmp_path).count("toy", DIM) == 32
