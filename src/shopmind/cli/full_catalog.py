"""``shopmind ingest --full-catalog``: the export is the whole catalogue, so what it no longer lists is gone.

A shop's product export (Shopify's products_export, a WooCommerce export, an ERP dump) lists every
product the shop sells. Ingested as a batch, it replaced the products it lists, and a product the
shop had deleted stayed in the store, in search and in recommendations for ever: the only way out
was ``DELETE /v1/products/{id}`` per product. With ``--full-catalog`` the stored products the file
does not list are removed once the batch is published (their events stay: they are history), and
the next build drops them from search. A file listing fewer than half the stored products (a
truncated export, the wrong file) is refused before anything is written unless ``--force``.
"""

from __future__ import annotations

import polars as pl

from shopmind.cli.common import UsageError
from shopmind.data.model import Batch
from shopmind.store.store import Store

#: a full catalogue missing more than this share of the stored products is refused without --force
MAX_REMOVED_SHARE = 0.5


def missing_products(batch: Batch | None, store: Store, force: bool, where: str) -> list[str]:
    """Stored product ids the batch's file does not list (checked before the batch is written).

    The file's ids are taken before the gate, so a product whose new row is quarantined is kept
    (with its stored version), not removed."""
    if batch is None or batch.products is None or "product_id" not in batch.products.columns:
        raise UsageError(f"--full-catalog: {where} holds no products table to compare the catalogue with")
    listed = batch.products["product_id"].cast(pl.Utf8).str.strip_chars().drop_nulls().unique()
    stored = store.table("products", ["product_id"])["product_id"]
    missing = sorted(set(stored.to_list()) - set(listed.to_list()))
    if stored.len() and len(missing) > MAX_REMOVED_SHARE * stored.len() and not force:
        raise UsageError(
            f"--full-catalog: {where} lists {listed.len():,} products and would remove {len(missing):,} of the "
            f"{stored.len():,} stored (more than half): a cut-off or wrong export? Nothing was written; "
            "pass --force to remove them"
        )
    return missing


def removed_note(removed: int, missing: list[str], where: str) -> str:
    shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3:,} more" if len(missing) > 3 else "")
    return (
        f"full catalog: {removed:,} stored products not in {where} removed (their events kept): {shown}"
        if removed
        else f"full catalog: every stored product is in {where}"
    )
