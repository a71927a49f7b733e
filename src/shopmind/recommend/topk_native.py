"""The content neighbours' tile selection in C (``topk_tiles.c``), loaded with ctypes.

Why: the numpy selection (``content._Selection``) read each 4096 x 4096 tile of the cosine
matrix five or six times — chunk maxima, compares, ``nonzero``, gathers — ~10 of the ~20 CPU-s
of Home Depot's lists, as much as the tile products themselves (issue 17). The C pass reads
each value once for its row and once for its column against their current n-th best (per-row
heaps) and gives the same lists: same values (the caller's tile products), same order (value,
then column). ``setup.py`` compiles it at install time into ``_topk*.so`` (an optional
extension); without it, or with ``SHOPMIND_TOPK_NUMPY=1``, ``available()`` is False and the
numpy selection runs. ctypes releases the GIL during the call, so the build's neighbour thread
does not hold up its main thread.
"""

from __future__ import annotations

import ctypes
import functools
import glob
import os

import numpy as np

_DIR = os.path.dirname(os.path.abspath(__file__))
_F32 = np.ctypeslib.ndpointer(dtype=np.float32, flags="C_CONTIGUOUS")
_I64 = np.ctypeslib.ndpointer(dtype=np.int64, flags="C_CONTIGUOUS")
_U8 = np.ctypeslib.ndpointer(dtype=np.uint8, flags="C_CONTIGUOUS")


def library_path() -> str | None:
    """The compiled selection (``_topk*.so`` next to this file), None when it was not built."""
    hits = sorted(glob.glob(os.path.join(_DIR, "_topk*.so")))
    return hits[0] if hits else None


@functools.cache
def _library() -> ctypes.CDLL | None:
    path = library_path()
    if path is None:
        return None
    try:
        lib = ctypes.CDLL(path)
    except OSError:  # built for another platform: the numpy selection
        return None
    i64 = ctypes.c_int64
    lib.topk_tile.restype = None
    lib.topk_tile.argtypes = [_F32, i64, i64, i64, i64, i64, _U8, ctypes.c_int, _F32, _I64, i64, _F32]
    lib.topk_finish.restype = None
    lib.topk_finish.argtypes = [_F32, _I64, i64, i64]
    return lib


def available() -> bool:
    """Whether the C selection is there and not switched off (``SHOPMIND_TOPK_NUMPY=1``)."""
    return os.environ.get("SHOPMIND_TOPK_NUMPY", "") != "1" and _library() is not None


class TileHeaps:
    """Each item's ``n`` best (value, column) pairs so far, offered tile by tile.

    ``offer(s, a, b)``: ``s`` holds the cosines of items ``a``.. (rows) with items ``b``..
    (columns), ``b >= a``; row items get the columns and, off the diagonal tile, column items
    get the rows. ``result()``: best first, ties in column order; -1 / -inf pad a row with
    fewer candidates. Exact: the lists of a full stable sort of the offered values."""

    def __init__(self, total: int, n: int, empty: np.ndarray) -> None:
        lib = _library()
        if lib is None:
            raise RuntimeError("the C selection (_topk*.so) is not built")
        self._lib, self.total, self.n = lib, total, n
        self.values = np.full((total, n), -np.inf, dtype=np.float32)
        self.columns = np.full((total, n), -1, dtype=np.int64)
        self.empty = np.ascontiguousarray(empty, dtype=np.uint8)
        self._scratch = np.empty(0, dtype=np.float32)

    def offer(self, s: np.ndarray, a: int, b: int) -> None:
        """Offer tile ``s`` (float32, C order) of rows ``a``.. and columns ``b``.."""
        s = np.ascontiguousarray(s, dtype=np.float32)
        rows, cols = s.shape
        if len(self._scratch) < cols:
            self._scratch = np.empty(cols, dtype=np.float32)
        heaps = (self.values, self.columns, self.n)
        self._lib.topk_tile(s, rows, cols, cols, a, b, self.empty, int(a == b), *heaps, self._scratch)

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        """(columns, values) per item, best first."""
        self._lib.topk_finish(self.values, self.columns, self.total, self.n)
        return self.columns, self.values
