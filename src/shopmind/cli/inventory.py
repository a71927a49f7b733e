"""``shopmind forecast``: the current release's demand forecasts and reorder list, on the command
line. Forecasts are built by ``shopmind build`` (the ``forecast`` component, ``[forecast]`` in the
shop TOML); this reads what the served release holds, so a planner or a cron job gets exactly what
``GET /v1/inventory/reorder`` answers, without a server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shopmind.cli.common import DEFAULT_WORKSPACE, WORKSPACE, fail, out


def register(app: typer.Typer) -> None:
    """Add ``forecast`` to the root app."""

    @app.command("forecast")
    def forecast(
        workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
        product: Annotated[
            str | None,
            typer.Option("--product", "-p", help="Print one product's forecast and stock projection."),
        ] = None,
        csv_out: Annotated[
            Path | None, typer.Option("--csv", help="Write the whole reorder list to this CSV file.")
        ] = None,
        top: Annotated[int, typer.Option(min=0, help="Reorder rows to print.")] = 20,
    ) -> None:
        """The current release's reorder list (most urgent first), or one product's forecast with its
        80/95 % intervals and projected stock (built by `shopmind build`)."""
        from shopmind.forecast.release import reorder_csv
        from shopmind.forecast.served import NoForecast, load_served, why_none
        from shopmind.release.releases import Releases

        if workspace.exists() and not workspace.is_dir():  # was a NotADirectoryError traceback
            raise fail(f"workspace {workspace} is a file, not a folder")
        releases = Releases(workspace)
        folder = releases.current()
        if folder is None:
            raise fail(f"no release in {workspace}: run `shopmind build` first")
        try:
            fc = load_served(str(folder))
        except NoForecast:
            raise fail(why_none(releases.manifest(folder.name))) from None
        meta = fc.meta
        if product is not None:
            body = fc.product(product)
            if body is None:
                import polars as pl

                catalog = folder / "catalog" / "products.parquet"
                known = catalog.is_file() and product in set(
                    pl.read_parquet(catalog, columns=["product_id"])["product_id"].cast(pl.Utf8).to_list()
                )
                raise fail(
                    f"no forecast for product {product!r}: it has no accepted sales in the history read"
                    if known or not catalog.is_file()
                    else f"no product {product!r} in the current release's catalog ({folder.name})"
                )
            out.print(
                f"{product}: on hand {_count(body['stock']['on_hand'])}, as of {meta['as_of']} (release {folder.name})"
            )
            out.print(
                "date        mean     80% interval        95% interval        stock expected  at 95%",
                soft_wrap=True,
            )
            for f, s in zip(body["forecast"], body["stock"]["projection"], strict=True):
                # null: the release could not bound the stock at 95 %
                low = "" if s["low95"] is None else f"{s['low95']:7.1f}"
                exp = "" if s["expected"] is None else f"{s['expected']:14.1f}  {low}"
                out.print(
                    f"{f['date']}  {f['mean']:7.2f}  [{f['lo80']:7.2f}, {f['hi80']:7.2f}]  "
                    f"[{f['lo95']:7.2f}, {f['hi95']:7.2f}]  {exp}",
                    highlight=False,
                    soft_wrap=True,
                )
            return
        if csv_out is not None:
            try:
                csv_out.write_text(reorder_csv(fc.reorder, _titles(folder, fc.reorder)), encoding="utf-8")
            except OSError as exc:
                raise fail(f"cannot write {csv_out}: {exc.strerror}") from None
        out.print(
            f"release {folder.name}: {meta['products']} products forecast {meta['horizon']} "
            f"{'days' if meta['grain'] == 'D' else 'weeks'} past {meta['as_of']}; {len(fc.reorder)} to reorder now",
            highlight=False,
            soft_wrap=True,
        )
        for r in fc.reorder[:top]:
            out.print(
                f"{r['product_id']:<16} order {r['order_qty']:>6}  on hand {r['on_hand']:>7g}  "
                f"reorder point {r['reorder_point']:>8}  stock-out risk {100 * r['stockout_risk']:5.1f} %",
                highlight=False,
                soft_wrap=True,
            )
        if csv_out is not None:
            out.print(f"wrote {len(fc.reorder)} rows to {csv_out}")


def _titles(folder: Path, rows: list[dict]) -> dict[str, str]:
    """The reorder rows' titles in the release's catalog (as the inventory dashboard shows them)."""
    import polars as pl

    from shopmind.forecast.release import catalog_titles

    catalog = folder / "catalog" / "products.parquet"
    if not catalog.is_file():
        return {}
    names = pl.read_parquet_schema(catalog)
    cols = [c for c in ("product_id", "title") if c in names]
    return catalog_titles(pl.read_parquet(catalog, columns=cols), (r["product_id"] for r in rows))


def _count(v: float | None) -> str:
    """Stock is a count: a whole number without ".0" (5, not 5.0); a fraction as it is; none as "unknown"."""
    if v is None:
        return "unknown"
    return str(int(v)) if float(v).is_integer() else f"{v:g}"
