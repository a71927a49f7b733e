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
        top: Annotated[int, typer.Option(min=0, help="Reorder rows (with --file: series) to print.")] = 20,
        file: Annotated[
            Path | None,
            typer.Option(
                "--file",
                help="Forecast this long series file instead (id, date, value [+ covariates]; CSV or "
                "Parquet): --csv writes every series' forecasts, --product prints one series.",
            ),
        ] = None,
        horizon: Annotated[
            int | None, typer.Option(min=1, help="With --file: periods ahead (default 28 days / 13 weeks).")
        ] = None,
    ) -> None:
        """The current release's reorder list (most urgent first), or one product's forecast with its
        80/95 % intervals and projected stock (built by `shopmind build`); or, with --file, forecasts
        of a long series file."""
        if file is not None:
            return _forecast_file(file, horizon, product, csv_out, top)
        if horizon is not None:
            raise fail("--horizon is for --file; a release's horizon is [forecast] horizon in the shop TOML")
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


def _forecast_file(
    path: Path, horizon: int | None, series: str | None, csv_out: Path | None, top: int
) -> None:
    """``shopmind forecast --file``: forecast a long file (``forecast/long_forecast.py``), write or print it."""
    import polars as pl

    from shopmind.cli.common import UsageError, writable_file
    from shopmind.forecast.long_forecast import forecast_file
    from shopmind.forecast.series import SeriesError

    if path.is_dir():
        raise fail(f"{path} is a folder: --file reads one long series file (CSV or Parquet)")
    if csv_out is not None:
        try:
            writable_file(csv_out, "--csv")  # before the fit, not an OSError after it
        except UsageError as exc:
            raise fail(str(exc)) from None
    try:
        frame, meta = forecast_file(path, horizon, need=series)
    except (SeriesError, ValueError) as exc:
        raise fail(str(exc)) from None
    unit = {"D": "day", "W": "week"}[meta["grain"]] + ("s" if meta["horizon"] > 1 else "")
    out.print(
        f"{path.name}: {meta['series']} series x {meta['periods']} periods, forecast {meta['horizon']} {unit} "
        f"past {meta['as_of']} ({', '.join(sorted({m for ms in meta['members'].values() for m in ms}))}; "
        f"{meta['intervals']} intervals)",
        highlight=False,
        soft_wrap=True,
    )
    if series is not None:
        one = frame.filter(pl.col("id") == series)
        out.print("date        mean     80% interval        95% interval", highlight=False, soft_wrap=True)
        for r in one.iter_rows(named=True):
            out.print(
                f"{r['date']}  {r['mean']:7.2f}  [{r['lo80']:7.2f}, {r['hi80']:7.2f}]  [{r['lo95']:7.2f}, {r['hi95']:7.2f}]",
                highlight=False,
                soft_wrap=True,
            )
    elif csv_out is None:  # the series with the most demand ahead first
        totals = frame.group_by("id", maintain_order=True).agg(pl.col("mean").sum().alias("total"))
        for r in totals.sort("total", descending=True).head(top).iter_rows(named=True):
            out.print(
                f"{r['id']:<16} {r['total']:10.1f} over the next {meta['horizon']} {unit}", highlight=False
            )
    if csv_out is not None:
        try:
            frame.write_csv(csv_out)
        except OSError as exc:
            raise fail(f"cannot write {csv_out}: {exc.strerror}") from None
        out.print(f"wrote {frame.height} rows ({meta['series']} series x {meta['horizon']}) to {csv_out}")


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
