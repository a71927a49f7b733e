"""A shop's own exports end to end: ``mapping -> ingest -> build -> serve/search`` on generated Shopify and
WooCommerce files (``_shop_exports/generate.py``: the platforms' real column sets and awkward cases).

What it reports (JSON under ``bench/results/``): per file, the drafted mapping's keys (group, [lists],
[listed], [sale], [options]); per ingest, the lines read, products made, lines left out, events
accepted and joined by SKU (EVT_ITEM_SKU), events of products not for sale (EVT_ITEM_UNLISTED),
quarantined rows by code; then a build per shop and, through the served API, searches with the
attribute facets and one customer's recommendations (no product not for sale may appear in either).
Every count is read from the store and the API, beside what the generator wrote on purpose.

    nice -n 10 .venv/bin/python bench/shop_exports_e2e.py [--out bench/results/shop_exports_e2e_s28.json]
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import asdict
from pathlib import Path
from typing import Any

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _shop_exports.generate import shopify, woocommerce  # noqa: E402


def cli(*args: str, cwd: Path, timeout: int = 1800) -> subprocess.CompletedProcess[str]:
    run = subprocess.run(
        [sys.executable, "-m", "shopmind.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if run.returncode not in (0, 1):
        raise SystemExit(f"shopmind {' '.join(args)} failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")
    return run


def draft(folder: Path, file: Path, out: str, currency: str | None = None) -> dict[str, Any]:
    cli("mapping", file.name, "--out", out, cwd=folder)
    toml = folder / out
    text = toml.read_text(encoding="utf-8")
    if currency:
        text = text.replace('# currency = "EUR"', f'currency = "{currency}"')
        toml.write_text(text, encoding="utf-8")
    import tomllib

    doc = tomllib.loads(text)
    return {k: doc.get(k) for k in ("table", "group", "lists", "listed", "sale", "options")}


def ingest(folder: Path, file: Path, mapping: str, ws: str) -> dict[str, Any]:
    started = time.monotonic()
    run = cli("ingest", file.name, "--format", "table", "--mapping", mapping, "-w", ws, cwd=folder)
    took = time.monotonic() - started
    con = duckdb.connect(str(folder / ws / "shopmind.duckdb"), read_only=True)
    try:
        run_id, inputs, accepted, quarantined, status, summary = con.execute(
            "SELECT run_id, input_rows, accepted, quarantined, status, summary FROM runs ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
        checks = dict(
            con.execute(
                "SELECT code, failed FROM run_checks WHERE run_id = ? AND failed > 0", [run_id]
            ).fetchall()
        )
        by_code = dict(
            con.execute(
                "SELECT c, count(*) FROM (SELECT unnest(codes) AS c FROM quarantine WHERE run_id = ?) GROUP BY c",
                [run_id],
            ).fetchall()
        )
        counts = {
            "products_stored": con.execute("SELECT count(*) FROM products").fetchone()[0],
            "events_stored": con.execute("SELECT count(*) FROM events").fetchone()[0],
            "not_for_sale_stored": con.execute("SELECT count(*) FROM unlisted_products").fetchone()[0],
        }
    finally:
        con.close()
    read_as = (json.loads(summary).get("meta") or {}).get("read_as") if summary else None
    lines = [
        ln.strip() for ln in run.stdout.splitlines() if "grouped" in ln or "left out" in ln or "sale" in ln
    ]
    return {
        "status": status, "exit": run.returncode, "seconds": round(took, 1), "input_rows": inputs,
        "accepted": accepted, "quarantined": quarantined, "quarantined_by_code": by_code,
        "checks_failed": checks, **counts, "read_as": read_as, "console": lines,
    }  # fmt: skip


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(base: str, path: str, **params: Any) -> Any:
    url = f"{base}{path}?{urllib.parse.urlencode(params, doseq=True)}"
    with urllib.request.urlopen(url, timeout=60) as r:
        return json.loads(r.read())


def served(folder: Path, ws: str, queries: list[str], user: str | None, hidden: set[str]) -> dict[str, Any]:
    """Searches (with attribute facets) and one user's recommendations through ``shopmind serve``."""
    port = _port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "shopmind.cli", "serve", "-w", ws, "--port", str(port)],
        cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if _get(base, "/readyz").get("status") in ("ready", "ok"):
                    break
            except OSError:
                pass
            time.sleep(0.5)
        out: dict[str, Any] = {"searches": {}}
        seen: set[str] = set()
        for q in queries:
            r = _get(base, "/v1/search", q=q, size=20, facets="attributes,brand")
            ids = [h["product_id"] for h in r.get("hits", r.get("items", []))]
            seen |= set(ids)
            facets = {k: list(f.get("values") or {})[:6] for k, f in (r.get("facets") or {}).items()}
            # session 29: a hit on sale carries its crossed-out "was" price (compare_at_price above the price)
            was = [h for h in r.get("hits", []) if h.get("compare_at_price") is not None]
            out["searches"][q] = {"total": r.get("total"), "top": ids[:5], "facets": facets,
                                  "hits_with_was_price": len(was),
                                  "was_examples": [[h["product_id"], h["price"], h["compare_at_price"]] for h in was[:2]]}  # fmt: skip
        if user is not None:
            r = _get(base, f"/v1/users/{urllib.parse.quote(user, safe='')}/recommendations", k=20)
            recs = [i["item_id"] for i in r.get("items", [])]
            out["recommendations"] = {"user": user, "items": len(recs), "top": recs[:5]}
            seen |= set(recs)
        out["not_for_sale_shown"] = sorted(seen & hidden)
        return out
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="bench/results/shop_exports_e2e_s28.json")
    ap.add_argument("--keep", help="write the shops here instead of a temporary folder")
    args = ap.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="shop-exports-"))
    folder.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}
    expected = shopify(folder)
    woo_expected, woo_file = woocommerce(folder)
    result["generated"] = {"shopify": asdict(expected), "woocommerce": asdict(woo_expected)}
    result["drafts"] = {
        "shopify_products": draft(folder, folder / "products_export_1.csv", "products.toml", "EUR"),
        "shopify_orders": draft(folder, folder / "orders_export_1.csv", "orders.toml"),
        "woocommerce_products": draft(folder, woo_file, "woo.toml", "EUR"),
    }
    result["ingest"] = {
        "shopify_products": ingest(folder, folder / "products_export_1.csv", "products.toml", "ws-shopify"),
        "shopify_orders": ingest(folder, folder / "orders_export_1.csv", "orders.toml", "ws-shopify"),
        "woocommerce_products": ingest(folder, woo_file, "woo.toml", "ws-woo"),
    }
    con = duckdb.connect(str(folder / "ws-shopify" / "shopmind.duckdb"), read_only=True)
    hidden = {r[0] for r in con.execute("SELECT product_id FROM unlisted_products").fetchall()}
    user = con.execute("SELECT user_id FROM events GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()
    con.close()
    result["build"] = {}
    for ws in ("ws-shopify", "ws-woo"):
        started = time.monotonic()
        run = cli("build", "-w", ws, cwd=folder)
        result["build"][ws] = {"exit": run.returncode, "seconds": round(time.monotonic() - started, 1)}
    result["served"] = {
        "ws-shopify": served(
            folder, "ws-shopify", ["linen shirt", "trail runner", "mug"], user[0] if user else None, hidden
        ),
        "ws-woo": served(folder, "ws-woo", ["shirt", "cushion", "boot"], None, set()),
    }
    result["finished"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1, default=str) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
