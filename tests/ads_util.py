"""A demo shop built into a real release (catalog, lexical search, recommendations) for the ads tests."""

from __future__ import annotations

from pathlib import Path

from shopmind.config import GateConfig
from shopmind.demo.generator import generate
from shopmind.quality.gate import publish, run_gate
from shopmind.release.build import build_release
from shopmind.release.components import build_catalog, build_recs, build_search
from shopmind.store.store import Store

COMPONENTS = [("catalog", build_catalog), ("search", build_search), ("recs", build_recs)]
#: no text encoders (no vectors to compute) and no learned re-ranker: a release in seconds
SETTINGS = {"search": {"encoder": None, "ltr": "off"}, "recs": {"encoder": None}}


def demo_workspace(path: Path, seed: int = 7) -> Path:
    """The seeded bilingual demo shop through the gate and into a release in ``path``."""
    shop = generate(seed=seed, n_products=300, n_users=200, days=30)
    with Store(path) as store:
        gate = GateConfig()
        publish(run_gate(shop.batch, gate, store), store, gate, None, force=True)
    build_release(path, COMPONENTS, settings=SETTINGS, force=True, cache_dir=path / "cache")
    return path


def campaign(cid: str, products: list[str], **kw) -> dict:
    """A valid campaign body with sensible defaults."""
    return {"id": cid, "advertiser": kw.pop("advertiser", "Acme"), "products": products,
            "bid": kw.pop("bid", 0.5), "daily_budget": kw.pop("daily_budget", 50.0), **kw}  # fmt: skip
