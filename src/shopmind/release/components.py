"""The components a release is made of, in build order.

Each is ``(name, builder)`` where ``builder(ctx, folder)`` writes artefacts into ``folder``
and returns facts for the manifest. Heavy imports happen inside the builders so that
``shopmind --help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shopmind.release.build import BuildContext, Component


def build_catalog(ctx: BuildContext, folder: Path) -> Mapping[str, Any]:
    """Snapshot of the accepted products: what product pages and the storefront read."""
    ctx.products.write_parquet(folder / "products.parquet")
    return {"products": ctx.products.height}


def default_components() -> list[Component]:
    return [("catalog", build_catalog)]
