"""``shopmind ads``: sponsored-placement campaigns and the ``[ads]`` settings of a workspace.

The same ledger the server uses (``shopmind.ads.ledger``: ``ads/ads.sqlite`` in the workspace), so
a campaign created or paused here is served (or stops) in every running worker within a second,
without a build. ``create`` takes a JSON file (one campaign or a list) or a TOML file
(``[[campaign]]`` tables); products are checked against the current release's catalog when there
is one. All or nothing: one bad campaign writes none. Errors: exit 2, one line naming the field.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from shopmind.cli.common import (
    DEFAULT_WORKSPACE,
    WORKSPACE,
    UsageError,
    console,
    fail,
    out,
    read_shop_toml,
    whole_column,
)

ads_app = typer.Typer(help="Sponsored placements: campaigns, settings, report.", no_args_is_help=True)


@contextmanager
def _errors() -> Iterator[None]:
    from shopmind.ads.campaign import CampaignError
    from shopmind.ads.ledger import UnknownCampaign
    from shopmind.ads.settings import AdsSettingsError

    try:
        yield
    except (CampaignError, AdsSettingsError, UsageError) as exc:
        raise fail(str(exc)) from None
    except UnknownCampaign as exc:
        raise fail(f"no campaign {exc.args[0]!r} (see `shopmind ads list`)") from None


def _existing_workspace(workspace: Path) -> None:
    if not workspace.exists():
        raise UsageError(f"workspace {workspace} does not exist")
    if not workspace.is_dir():
        raise UsageError(f"workspace {workspace} is a file, not a folder")


def _ledger(workspace: Path) -> Any:
    from shopmind.ads.ledger import AdsLedger
    from shopmind.privacy import workspace_secret

    _existing_workspace(workspace)
    return AdsLedger(workspace, workspace_secret(workspace))


def _catalog(workspace: Path) -> set[str] | None:
    """Product ids of the current release (None without a release: products are not checked)."""
    from shopmind.release.releases import Releases

    releases = Releases(workspace)
    rid = releases.current_id()
    if rid is None:
        return None
    import polars as pl

    path = releases.root / rid / "catalog" / "products.parquet"
    return set(pl.read_parquet(path, columns=["product_id"])["product_id"].cast(pl.Utf8).to_list())


#: What ``ads create`` reads, for its messages.
CAMPAIGN_FILES = "JSON (one campaign or a list) or a .toml file of [[campaign]] tables"


def read_campaigns(path: Path) -> list[Any]:
    """Campaign tables from a JSON (object or list) or TOML (``[[campaign]]``) file."""
    if not path.exists():
        raise UsageError(f"{path} does not exist")
    if path.is_dir():  # was a traceback (IsADirectoryError)
        raise UsageError(f"{path} is a folder, not a campaigns file ({CAMPAIGN_FILES})")
    if path.suffix.lower() == ".toml":
        data = read_shop_toml(path)  # campaigns may sit in the shop's one TOML
        items = data.get("campaign")
        if not isinstance(items, list) or not items:
            raise UsageError(f"{path}: expected [[campaign]] tables")
        return items
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    if not text.strip():
        raise UsageError(f"{path} is empty: expected campaigns, {CAMPAIGN_FILES}")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{path}: not valid JSON: {exc} (campaigns: {CAMPAIGN_FILES})") from None
    return data if isinstance(data, list) else [data]


@ads_app.command("list")
def list_cmd(workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE) -> None:
    """Campaigns with today's spend, clicks and attributed sales."""
    from shopmind.ads.ledger import LEDGER
    from shopmind.ads.settings import AdsSettings

    with _errors():
        _existing_workspace(workspace)
        if not (workspace / LEDGER).exists():  # a listing creates nothing (no ads/ folder, no privacy.key)
            off = AdsSettings()
            console.print(
                f"ads are {'on' if off.enabled else 'off'} (no ads ledger in {workspace} yet)", markup=False
            )
            _say_no_campaigns()
            return
        ledger = _ledger(workspace)
        rows = {r["campaign_id"]: r for r in ledger.report()}
        camps = ledger.campaigns()
        s = ledger.settings()
    console.print(f"ads are {'on' if s.enabled else 'off'} ({ledger.path})", markup=False)
    if not camps:  # an empty table said nothing of how to start
        _say_no_campaigns()
        return
    head = ("advertiser", "status", "bid", "budget/day", "spent today", "impr.", "clicks", "sales")
    t = Table(whole_column("id", [c.id for c in camps]), *head)
    for c in camps:
        r = rows.get(c.id, {})
        t.add_row(
            c.id, c.advertiser, c.status, f"{c.bid:.2f}", f"{c.daily_budget:.2f}",
            f"{r.get('spend_today', 0.0):.2f}", str(r.get("impressions", 0)), str(r.get("clicks", 0)),
            _sales(r.get("sales_by_currency") or []),
        )  # fmt: skip
    console.print(t)


def _sales(per: list[dict]) -> str:
    """Attributed sales per currency ("25.00 EUR · 12.00 USD"; "25.00" for sales logged without
    one): two currencies are never added (``shopmind.ads.report``)."""
    parts = [f"{e['amount']:.2f}" + (f" {e['currency']}" if e["currency"] else "") for e in per]
    return " · ".join(parts) or "0.00"


def _say_no_campaigns() -> None:
    console.print(
        "no campaigns yet — create one with `shopmind ads create FILE` (its fields: docs/API.md, "
        '"Sponsored placements"), or `shopmind ads demo` on the demo shop',
        markup=False,
        highlight=False,
    )


@ads_app.command("create")
def create(
    file: Annotated[Path, typer.Argument(help="JSON (one campaign or a list) or TOML (\\[\\[campaign]]).")],
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
) -> None:
    """Add campaigns from a file (all or none)."""
    from shopmind.ads.campaign import parse_campaign

    with _errors():
        raws = read_campaigns(file)
        _existing_workspace(workspace)
        catalog = _catalog(workspace)
        # named as the shop TOML's check names them ('c.toml: campaign[0].bid'): a product not in the
        # catalog was 'campaign.products[0]' of no file and, in a list, '<path>[3]' (t1w, session 32)
        for i, raw in enumerate(raws):  # every campaign valid before the ledger is opened (and created)
            parse_campaign(raw, f"{file.name}: campaign[{i}]", catalog)
        made = _ledger(workspace).create(raws, catalog)
    out.print(
        f"created {len(made)} campaign(s): {', '.join(c.id for c in made)}", markup=False, highlight=False
    )
    today = datetime.now(UTC).date()
    for c in made:  # valid but never served: created "active" without a word before
        if c.schedule.end is not None and c.schedule.end < today:
            console.print(
                f"warning: campaign {c.id}: its schedule ended on {c.schedule.end} (UTC), so it is never "
                f"served; give it a later end (PATCH /v1/ads/campaigns/{c.id})",
                markup=False,
                highlight=False,
            )


def _set_status(workspace: Path, cid: str, status: str) -> None:
    from shopmind.ads.ledger import LEDGER, UnknownCampaign

    with _errors():
        _existing_workspace(workspace)
        if not (workspace / LEDGER).exists():  # no ledger, no campaign: nothing is created to say so
            raise UnknownCampaign(cid)
        c = _ledger(workspace).update(cid, {"status": status})
    out.print(f"{c.id}: {c.status}", markup=False, highlight=False)


@ads_app.command("pause")
def pause(
    campaign: Annotated[str, typer.Argument(help="Campaign id.")],
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
) -> None:
    """Stop serving a campaign (every worker within a second)."""
    _set_status(workspace, campaign, "paused")


@ads_app.command("resume")
def resume(
    campaign: Annotated[str, typer.Argument(help="Campaign id.")],
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
) -> None:
    """Serve a paused campaign again."""
    _set_status(workspace, campaign, "active")


@ads_app.command("settings")
def settings(
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Shop TOML: its \\[ads] table is applied.")
    ] = None,
    enable: Annotated[bool | None, typer.Option("--enable/--disable", help="Turn ads on or off.")] = None,
) -> None:
    """Show the \\[ads] settings; change them from a shop TOML and/or switch ads on or off."""
    from shopmind.ads.settings import AdsSettingsError, check_value

    with _errors():
        _existing_workspace(workspace)
        changes: dict[str, Any] = {}
        from_file: set[str] = set()
        if config is not None:
            table = read_shop_toml(config).get("ads", {})
            if not isinstance(table, dict):
                raise UsageError(f"{config}: [ads] must be a table")
            changes.update(table)
            from_file = set(table)
        if enable is not None:
            changes["enabled"] = enable
        for key, value in changes.items():  # each value checked before the ledger is opened (and created)
            try:
                check_value(key, value)
            except AdsSettingsError as exc:  # a TOML's value is named with its file, as the other tables are
                if key not in from_file:
                    raise
                raise UsageError(f"{config}: {exc}") from None
        ledger = _ledger(workspace)
        s = ledger.set_settings(changes) if changes else ledger.settings()
    out.print(json.dumps(s.as_dict()), markup=False, highlight=False)


def demo_campaigns(products: Any, n: int = 2) -> list[dict[str, Any]]:
    """A couple of campaigns for a demo shop: the ``n`` largest leaf categories, each advertised by
    an invented advertiser with five of its products, targeted at the category's name (as a keyword
    and a category) — so the storefront shows labelled ads for those searches and similar items."""
    import polars as pl

    leaf = pl.col("category_path").cast(pl.Utf8).str.split(">").list.last().str.strip_chars()
    frame = products.select(pl.col("product_id").cast(pl.Utf8), leaf.alias("leaf")).drop_nulls()
    top = frame.group_by("leaf").len().sort(["len", "leaf"], descending=[True, False]).head(n)["leaf"]
    out = []
    for i, name in enumerate(top.to_list()):
        ids = sorted(frame.filter(pl.col("leaf") == name)["product_id"].to_list())[:5]
        out.append(
            {"id": f"demo-{i + 1}", "advertiser": f"Demo advertiser {i + 1}", "products": ids,
             "keywords": [name], "categories": [name], "bid": round(0.30 - 0.05 * i, 2), "daily_budget": 20.0}
        )  # fmt: skip
    return out


@ads_app.command("demo")
def demo(workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE) -> None:
    """Turn ads on for a demo shop with two demo campaigns from the current release's catalog."""
    import polars as pl

    from shopmind.release.releases import Releases

    with _errors():
        releases = Releases(workspace)
        rid = releases.current_id() if workspace.exists() else None
        if rid is None:
            raise UsageError(f"no release in {workspace}: run `shopmind build` first")
        frame = pl.read_parquet(releases.root / rid / "catalog" / "products.parquet")
        ledger = _ledger(workspace)
        existing = {c.id for c in ledger.campaigns()}
        made = ledger.create(
            [c for c in demo_campaigns(frame) if c["id"] not in existing],
            set(frame["product_id"].cast(pl.Utf8).to_list()),
        )
        ledger.set_settings({"enabled": True})
    out.print(f"ads on; demo campaigns: {', '.join(c.id for c in made) or 'already there'}", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(ads_app, name="ads")
