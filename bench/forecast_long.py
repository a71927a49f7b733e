"""Write a weekly M4-style long file (id, date, value) from a real dataset, outside the repository.

The generic-format leg of `shopmind evaluate forecast` (issue 14): the maintainers will run the same
command on held-out public series (e.g. M4 Weekly); here the series are Online Retail's weekly
*revenue* per product (Quantity x UnitPrice of sales lines, cancellations and non-positive lines
left out) for the products with the most revenue — real-valued, not counts, so the conformal
intervals (not the count distribution) apply, as they would on M4. The data are read from
../shared/data and the file is written to a temporary folder (never into the repository).

    python bench/forecast_long.py --products 300            # prints the file's path
    shopmind evaluate forecast <that path> -f long --grain week --horizon 13 --windows 1
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import polars as pl


def weekly_revenue(src: Path, products: int) -> pl.DataFrame:
    """Weekly revenue (id, date = the week's Monday, value) of the ``products`` best-selling products."""
    raw = pl.read_csv(src, infer_schema_length=0)
    lines = raw.select(
        pl.col("StockCode").alias("id"),
        pl.col("InvoiceNo"),
        pl.col("Quantity").cast(pl.Float64, strict=False),
        pl.col("UnitPrice").cast(pl.Float64, strict=False),
        pl.col("InvoiceDate").str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False).alias("ts"),
    ).filter(
        ~pl.col("InvoiceNo").str.starts_with("C")
        & (pl.col("Quantity") > 0)
        & (pl.col("UnitPrice") > 0)
        & pl.col("ts").is_not_null()
    )
    lines = lines.with_columns(
        (pl.col("Quantity") * pl.col("UnitPrice")).alias("value"),
        pl.col("ts").dt.truncate("1w").dt.date().alias("date"),
    )
    top = (
        lines.group_by("id")
        .agg(pl.col("value").sum())
        .sort(["value", "id"], descending=[True, False])
        .head(products)
    )
    return (
        lines.join(top.select("id"), on="id")
        .group_by("id", "date")
        .agg(pl.col("value").sum().round(2))
        .sort("id", "date")
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/online-retail/online_retail.csv.gz"))
    ap.add_argument("--products", type=int, default=300)
    ap.add_argument("--out", type=Path, default=None, help="CSV path (default: a new temporary folder)")
    args = ap.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="forecast_long_")) / "online_retail_weekly_revenue.csv"
    frame = weekly_revenue(args.data, args.products)
    frame.write_csv(out)
    print(
        f"{frame['id'].n_unique()} series, {frame.height} rows, {frame['date'].min()} .. {frame['date'].max()}"
    )
    print(out)


if __name__ == "__main__":
    main()
