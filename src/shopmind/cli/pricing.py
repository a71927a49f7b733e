"""``shopmind pricing suggest``: elasticities and guardrailed price suggestions as a report folder.

The report (``suggestions.csv``, ``report.json``) is for the shop to read and apply itself; this
command never writes a price to the catalog or the store.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from shopmind.cli.common import console, fail, read_shop_toml, user_errors, writable_folder

pricing_app = typer.Typer(
    help="Price suggestions from the shop's own history (never applied).", no_args_is_help=True
)
FORMATS = ("online-retail", "events")
TERMS = ("cost", "floor", "ceiling", "competitor_price")


def _events_file(path: Path) -> pl.DataFrame:
    """An events file as is; errors name it. A CSV in any encoding the ingest reads (UTF-16, GBK,
    ...) is decoded first: polars alone read a GBK file as "empty CSV" or garbage columns."""
    import gzip

    from shopmind.data.readers import InputError, decode

    if path.is_dir():  # was "afolder: no such file"
        raise InputError(
            f"{path} is a folder: --format events reads one events file (CSV/Parquet); "
            "a dataset folder needs its format (--format online-retail)"
        )
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        if path.suffix == ".parquet":
            return pl.read_parquet(path)
        data = path.read_bytes()
        text, _ = decode(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data, path)
        if not text.strip():
            raise InputError(f"{path} is empty: expected a header line")
        return pl.read_csv(text.encode("utf-8"), try_parse_dates=True)
    except (pl.exceptions.PolarsError, OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(f"{path}: {str(exc).splitlines()[0]}") from None


def _events(path: Path, fmt: str) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """Accepted purchase events (+ item categories): store formats through the gate, or a file as is."""
    if fmt == "events":
        frame = _events_file(path)
        cats = frame.select("item_id", "category").unique() if "category" in frame.columns else None
        return frame.drop("category", strict=False), cats
    from shopmind.config import GateConfig
    from shopmind.data.adapters import get_adapter
    from shopmind.data.categories import top_categories
    from shopmind.quality.gate import run_gate

    gate = run_gate(get_adapter(fmt).load(path), GateConfig(), None)
    products = gate.tables.get("products")
    return gate.tables["events"].accepted, top_categories(products.accepted if products is not None else None)


#: a step that took at least this long says so when it ends (a quick one stays quiet, so a bad
#: input found in the next step is still one line)
SAY_AFTER_S = 0.5


@contextmanager
def _stage(name: str) -> Iterator[None]:
    """A spinner while a step runs and a "done ... in N s" line after a long one (stderr). Why: on
    Online Retail the command sat silent for ~40 s (the gate reading 540k rows 25 s, the fit 6 s)
    before its one line of output."""
    t0 = time.perf_counter()
    with console.status(name):
        yield
    if (took := time.perf_counter() - t0) >= SAY_AFTER_S:
        console.print(f"  done {name} in {took:.1f}s", highlight=False)


def read_terms(path: Path) -> dict[str, object]:
    """Per-product cost/floor/ceiling/competitor_price from a CSV; errors name the column and row."""
    from shopmind.pricing import PricingError, ProductTerms

    frame = pl.read_csv(path, infer_schema_length=0)
    if "item_id" not in frame.columns:
        raise PricingError(f"{path}: missing column 'item_id'")
    unknown = [c for c in frame.columns if c not in ("item_id", *TERMS)]
    if unknown:
        raise PricingError(f"{path}: unknown column {unknown[0]!r} (known: item_id, {', '.join(TERMS)})")
    out: dict[str, object] = {}
    for n, row in enumerate(frame.iter_rows(named=True), start=2):
        vals: dict[str, float | None] = {}
        for col in TERMS:
            raw = row.get(col)
            if raw is None or raw.strip() == "":
                vals[col] = None
                continue
            try:
                v = float(raw)
            except ValueError:
                raise PricingError(f"{path}: line {n}, column {col!r}: not a number: {raw!r}") from None
            if not math.isfinite(v) or v < 0:
                raise PricingError(
                    f"{path}: line {n}, column {col!r}: must be a finite number >= 0, got {raw!r}"
                )
            vals[col] = v
        lo, hi = vals.get("floor"), vals.get("ceiling")
        if lo is not None and hi is not None and lo > hi:
            # no price satisfies both: every product so configured was kept with its bounds
            # reversed in the report, the row's mistake never named
            raise PricingError(
                f"{path}: line {n}: floor {row['floor']!r} is above ceiling {row['ceiling']!r}"
            )
        out[str(row["item_id"])] = ProductTerms(**vals)
    return out


@pricing_app.command("suggest")
def suggest_cmd(
    path: Annotated[
        Path, typer.Argument(help="Dataset folder (store format) or an events CSV/Parquet file.")
    ],
    fmt: Annotated[str, typer.Option("--format", "-f", help="online-retail | events.")] = "events",
    config: Annotated[Path | None, typer.Option(help="TOML with a \\[pricing] table of guardrails.")] = None,
    terms: Annotated[
        Path | None, typer.Option(help="CSV: item_id, cost, floor, ceiling, competitor_price (any subset).")
    ] = None,
    promo: Annotated[str | None, typer.Option(help="Events column flagging promoted sales.")] = None,
    stock: Annotated[
        Path | None,
        typer.Option(
            help="CSV/Parquet inventory history: item_id, date, stock (end-of-day units) or in_stock; "
            "out-of-stock days are not read as no demand."
        ),
    ] = None,
    level: Annotated[float, typer.Option(help="Interval level of the elasticities.")] = 0.95,
    out: Annotated[Path, typer.Option(help="Report folder.")] = Path("reports/pricing"),
) -> None:
    """Estimate each product's price elasticity and suggest prices inside the guardrails (a report only)."""
    from shopmind.pricing import Guardrails, PricingError, estimate, suggest, weekly_observations
    from shopmind.pricing.observations import negative_stock_note
    from shopmind.pricing.release import read_stock_history
    from shopmind.pricing.report import write

    if fmt not in FORMATS:
        raise fail(f"--format: unknown format {fmt!r}; valid: {', '.join(FORMATS)}")
    with user_errors():
        writable_folder(out, "--out")  # before the fit, not a FileExistsError after it
        try:
            rails = Guardrails.from_mapping(read_shop_toml(config).get("pricing", {}) if config else {})
            per_item = read_terms(terms) if terms else {}
            # checked before the purchases are read (minutes through the gate on a large export): a
            # missing --stock file was polars' 'No such file or directory (os error 2)' after them
            if not 0.5 <= level < 1:
                raise PricingError(f"--level must be in [0.5, 1), got {level}")
            inventory = read_stock_history(stock, where="--stock") if stock is not None else None
            with _stage("reading the purchases" + (" through the quality gate" if fmt != "events" else "")):
                events, cats = _events(path, fmt)
            with _stage("estimating price elasticities"):
                obs = weekly_observations(events, cats, promo=promo, stock=inventory)
                note = negative_stock_note(inventory) if inventory is not None else None
                if note:  # read as out of stock, which a booking error is not: said, per product
                    console.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)
                elasticities = estimate(obs, level=level)
            rows = suggest(elasticities, rails, per_item)  # type: ignore[arg-type]
        except (PricingError, pl.exceptions.PolarsError) as exc:
            raise fail(str(exc).splitlines()[0]) from None
        summary = write(out, rows, rails, elasticities)
    print(
        f"{summary['products']} products: {summary['changed']} changes ({summary['raised']} up, "
        f"{summary['lowered']} down), {summary['kept']} kept; report in {out} (not applied)"
    )


def register(app: typer.Typer) -> None:
    """Add the ``pricing`` group to the root app."""
    app.add_typer(pricing_app, name="pricing")
