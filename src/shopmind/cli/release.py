"""Release commands: build a release from the store, list releases, roll back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from shopmind.cli.common import (
    DEFAULT_WORKSPACE,
    WORKSPACE,
    UsageError,
    console,
    fail,
    out,
    read_shop_toml,
    writable_folder,
)
from shopmind.cli.listing import Listing

#: The tables of a shop TOML the build reads (``[pricing]`` was left out here, so its documented
#: settings — ``enabled = false``, the guardrails, a mistyped key — never reached the build).
BUILD_TABLES = ("search", "recs", "release", "profiles", "forecast", "pricing")


def _settings(config: Path | None) -> dict:
    """The build's tables of a shop TOML file (all optional); a table no command reads is refused."""
    if config is None:
        return {}
    return build_tables(read_shop_toml(config), config)


def build_tables(data: dict, config: Path) -> dict:
    """The build's tables of a parsed shop TOML, each a table (also checked by ``cli.shop_toml``)."""
    settings = {k: data[k] for k in BUILD_TABLES if k in data}
    for name, table in settings.items():
        if not isinstance(table, dict):
            raise UsageError(f"{config}: [{name}] must be a table, not {table!r}")
    return settings


def _check_settings(settings: dict, config: Path | None) -> None:
    """Refuse the ``[search]`` / ``[recs]`` / ``[release]`` values a build would refuse, before it
    takes the lock or writes its progress file: a component reads its table only when it runs,
    so a bad ``[recs]`` value surfaced as a traceback in the child process after a first release
    was already published, and a bad ``[search]`` one left ``releases/.lock`` and a failed
    progress file behind."""
    from types import SimpleNamespace

    from shopmind.recommend.content import ENCODER_NAMES
    from shopmind.recommend.rules import RulesConfig
    from shopmind.recommend.service import MAKERS, RecsConfig
    from shopmind.release.component_base import config_from, split_settings
    from shopmind.release.releases import ReleaseError
    from shopmind.search.engine import SearchConfig

    where = f"{config}: " if config else ""
    ctx = SimpleNamespace(settings=settings)
    try:
        values, _ = split_settings(ctx, "search")  # type: ignore[arg-type]
        config_from(SearchConfig, "search", values)
        values, _ = split_settings(ctx, "recs")  # type: ignore[arg-type]
        if isinstance(values.get("rules"), dict):
            values["rules"] = config_from(RulesConfig, "recs.rules", values["rules"])
        recs = config_from(RecsConfig, "recs", values)
    except ReleaseError as exc:
        raise UsageError(f"{where}{exc}") from None
    if recs.encoder is not None and recs.encoder not in ENCODER_NAMES:
        raise UsageError(
            f'{where}[recs] encoder: unknown {recs.encoder!r}; valid: {", ".join(ENCODER_NAMES)} or "none"'
        )
    unknown = sorted(set(recs.generators) - set(MAKERS))
    if unknown:
        raise UsageError(
            f"{where}[recs] generators: unknown {', '.join(unknown)}; valid: {', '.join(sorted(MAKERS))}"
        )
    for name, params in recs.generators.items():
        if not isinstance(params, dict):
            raise UsageError(f"{where}[recs] generators.{name} must be a table of parameters, not {params!r}")
        _check_generator_params(name, MAKERS[name], params, where)
    for name, weight in recs.weights.items():
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
            raise UsageError(f"{where}[recs] weights.{name} must be a number >= 0, not {weight!r}")
    # [release] has one setting; a mistyped one (`kepe = 2`) was read by nothing, without a word
    if extra := sorted(set(settings.get("release", {})) - {"keep"}):
        raise UsageError(f"{where}[release] has unknown setting(s) {', '.join(extra)}; known: keep")
    keep = settings.get("release", {}).get("keep", 5)
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        raise UsageError(f"{where}[release] keep must be a whole number >= 1, not {keep!r}")
    _check_late_settings(settings, where)


def _check_generator_params(name: str, maker: Any, params: dict, where: str) -> None:
    """A generator's parameters checked against its constructor's signature: a mistyped name or a
    value of the wrong kind (``window = "x"``) failed the fit in the build's child process, after a
    first release was published. SASRec takes ``**params`` and checks its own."""
    import inspect
    import typing

    from shopmind.release.component_base import check_types
    from shopmind.release.releases import ReleaseError

    signature = inspect.signature(maker)
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values()):
        return
    unknown = sorted(set(params) - set(signature.parameters))
    if unknown:
        raise UsageError(
            f"{where}[recs] generators.{name}: unknown parameter(s) {', '.join(unknown)}; "
            f"known: {', '.join(signature.parameters)}"
        )
    try:
        check_types(typing.get_type_hints(maker if inspect.isfunction(maker) else maker.__init__),
                    f"recs.generators.{name}", params)  # fmt: skip
    except ReleaseError as exc:
        raise UsageError(f"{where}{exc}") from None


def _check_late_settings(settings: dict, where: str) -> None:
    """``[profiles]``, ``[forecast]`` and ``[pricing]`` checked by the components' own readers
    before the build starts: those components run late, after a first release is already
    published, so a mistyped key there failed the build with a release half made."""
    from types import SimpleNamespace

    from shopmind.forecast.release import _settings as forecast_settings
    from shopmind.pricing.errors import PricingError
    from shopmind.pricing.release import split_settings as pricing_settings
    from shopmind.profiles.model import ProfileConfig
    from shopmind.release.component_base import config_from
    from shopmind.release.releases import ReleaseError

    try:
        config_from(ProfileConfig, "profiles", dict(settings.get("profiles", {})))
        forecast_settings(SimpleNamespace(settings=settings))
        pricing_settings(settings.get("pricing", {}))
    except (ReleaseError, PricingError) as exc:  # each names its table's key
        raise UsageError(f"{where}{exc}") from None


def _refuse_locked(workspace: Path) -> None:
    """A second build while one runs is refused before it writes anything: the build records
    its refusal in ``progress.json``, which is the *running* build's progress (``/readyz``, the
    dashboard and ``shopmind demo`` read it), so a refused build showed the running one as failed.
    The build's own lock check still decides if a build starts in between."""
    import fcntl
    import os

    lock = workspace / "releases" / ".lock"
    if not lock.is_file():
        return
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise UsageError(f"another build or rollback is running on {workspace / 'releases'}") from None
    finally:
        os.close(fd)  # closing the descriptor releases a lock taken here


def _refuse_held(workspace: Path, force: bool) -> None:
    """The build's refusal of a held quality run, said before it takes the lock and writes its
    progress file (a refused build left ``releases/.lock`` and a failed ``progress.json`` in a
    workspace that had no releases). Only without a live log: with one, the build drains it
    first (storing the posted events even when it then refuses), and that stays as it was."""
    from shopmind.release.build import latest_run
    from shopmind.store.livelog import LOG_FILE
    from shopmind.store.store import DB_FILE, Store

    if force or not (workspace / DB_FILE).is_file() or (workspace / LOG_FILE).exists():
        return  # the build says it (no store), or decides after draining the live log
    try:
        with Store(workspace, read_only=True) as store:
            run = latest_run(store)
    except Exception:  # noqa: BLE001 - a store busy now is the build's to report, as before
        return
    if run is not None and run["status"] == "held":
        raise UsageError(
            f"the latest quality run {run['run_id']} ({run['source']}) was held by the gate; "
            "fix the data and ingest again, or build with --force"
        )


def build_settings(config: Path | None) -> dict:
    """The build settings of the shop TOML ``config``, validated: a ``UsageError`` names the file
    and the value (``shopmind demo`` checks its --config with this before generating anything)."""
    settings = _settings(config)
    _check_settings(settings, config)
    return settings


def build(
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="Shop TOML file (tables: search, recs, release, profiles, forecast, pricing).",
        ),
    ] = None,
    force: Annotated[bool, typer.Option(help="Build even if the latest quality run was held.")] = False,
    keep: Annotated[int | None, typer.Option(min=1, help="Finished releases to keep (default 5).")] = None,
    cache: Annotated[
        Path | None, typer.Option(help="Vector cache folder (default: <workspace>/cache).")
    ] = None,
    progressive: Annotated[
        bool,
        typer.Option(
            help="Publish a release without text vectors first (lexical search, facets; recommendations"
            " from behaviour in it, or in a release right after it if they are still being fitted),"
            " then the complete one; --no-progressive publishes once, at the end."
        ),
    ] = True,
) -> None:
    """Build a new release from the store and switch the server to it atomically.

    A failed or killed build publishes nothing more: the release current when it stopped keeps
    serving (after a progressive build's first stage, that is its partial release, until the next
    build; `shopmind rollback` goes back past it). Refuses when the latest quality run was held by
    the gate, unless --force. Progressive (the default): a first
    release serves as soon as everything but the text vectors is built; the vectors are
    computed next and switched in the same atomic way. Recommendations fitted in the child
    process do not hold the first search back: if search is ready first, it is published
    without them ("pending") and they follow in a release of their own.
    """
    from shopmind.cli.progress import BuildDisplay
    from shopmind.release.build import build_release
    from shopmind.release.components import (
        DEFAULT_LATE,
        DEFAULT_PARALLEL,
        default_components,
        default_vector_parts,
    )
    from shopmind.release.progress import BuildProgress, progress_path
    from shopmind.release.releases import ReleaseError

    def published(m: dict) -> None:
        if not m.get("complete", True):
            pending = ", ".join(k for k, v in m["parts"].items() if v == "pending")
            console.print(
                f"[green]release {m['id']}[/] is current after {m['seconds']:.1f}s (building: {pending})"
            )

    try:
        settings = build_settings(config)
        if workspace.exists() and not workspace.is_dir():  # said "--cache afile/cache: not a folder"
            raise UsageError(f"workspace {workspace} is a file, not a folder")
        _refuse_locked(workspace)
        _refuse_held(workspace, force)
        writable_folder(cache or workspace / "cache", "--cache")
        keep_n = keep or int(settings.get("release", {}).get("keep", 5))
        with BuildDisplay(console) as display:
            manifest = build_release(
                workspace,
                default_components(),
                settings=settings,
                force=force,
                keep=keep_n,
                cache_dir=cache or workspace / "cache",
                vector_parts=default_vector_parts() if progressive else (),
                parallel=DEFAULT_PARALLEL,
                late=DEFAULT_LATE,
                early_children=progressive,
                log=display.log,
                progress=BuildProgress(progress_path(workspace), display.update),
                on_publish=published,
            )
    except (ReleaseError, UsageError, FileNotFoundError) as exc:
        raise fail(str(exc)) from None
    parts = ", ".join(f"{k} {v['seconds']:.1f}s" for k, v in manifest["components"].items())
    console.print(
        f"[green]release {manifest['id']}[/] is current ({parts}; total {manifest['seconds']:.1f}s)"
    )
    say_skipped(manifest)
    say_carried_over(manifest, settings)
    if manifest.get("pruned"):
        console.print(f"removed old releases: {', '.join(manifest['pruned'])}")
    if manifest.get("held_back"):  # after `shopmind forget`: served now, deleted when the server lets go
        console.print(
            f"kept while a running server serves them (they hold a customer removed by `shopmind forget`; "
            f"deleted as soon as it moves to this release or stops): {', '.join(manifest['held_back'])}",
            highlight=False,
        )
    print(manifest["id"])


def say_skipped(manifest: dict) -> None:
    """One line per part the release was built without and why (``{"forecast": "skipped", "reason":
    ...}`` in the manifest). Why: the build said "done forecast" for a shop whose `[forecast] horizon
    = 10000` outran its 61 days of history, and "done pricing" for prices that never moved; the user
    learnt it only from a 404 or an empty dashboard."""
    for name, facts in (manifest.get("components") or {}).items():
        if isinstance(facts, dict) and facts.get(name) == "skipped" and facts.get("reason"):
            console.print(f"  {name} skipped: {facts['reason']}", markup=False, highlight=False)


def say_carried_over(manifest: dict, settings: dict) -> None:
    """The recommendation models a build carried over from the previous release (``recs_reuse``) and
    when they are refitted. Why: after new events a build printed 'recs 0.0s' and nothing more, so a
    shop could not tell its models had not seen them (t1w's walk, session 32)."""
    facts = (manifest.get("components") or {}).get("recs")
    if not isinstance(facts, dict) or facts.get("decision") != "reused":
        return
    from shopmind.release.component_base import BUILD_KEYS

    own = settings.get("recs") or {}
    policy = {k: own.get(k, v) for k, v in BUILD_KEYS["recs"].items()}
    console.print(
        f"  recs carried over from {facts.get('reused_from')} ({facts.get('why')}): refitted when the events "
        f"change by more than {policy['retrain_events_share']:.0%} ([recs] retrain_events_share) or the models "
        f"are {policy['retrain_hours']:g} h old ([recs] retrain_hours; 0: at every build)",
        markup=False,
        highlight=False,
    )


def releases(
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines instead of a table.")] = False,
) -> None:
    """List finished releases, newest first; the current one is marked."""
    from shopmind.release.releases import Releases
    from shopmind.store.store import DB_FILE

    if not (workspace / DB_FILE).is_file() and not (workspace / "releases").is_dir():
        raise fail(f"no shopmind store in {workspace}: run `shopmind ingest` and `shopmind build` first")
    found = Releases(workspace).list()
    if as_json:
        for m in found:
            print(json.dumps(m, default=str))
        return
    table = Listing(
        [("current", "word"), ("release", "id"), ("created", "word"), ("parts", "word"), ("products", "num"),
         ("events", "num"), ("latest run", "id"), ("run status", "word"), ("seconds", "num")]
    )  # fmt: skip
    for m in found:
        # "partial": a progressive build's first stage whose build was killed or failed before the
        # complete release (no text vectors, profiles, forecasts); `rollback` passes over it
        table.add(
            "*" if m["current"] else "", m["id"], m["created_at"][:19],
            "complete" if m.get("complete", True) else "partial", f"{m['rows']['products']:,}",
            f"{m['rows']['events']:,}", m["latest_run"]["run_id"], m["latest_run"]["status"],
            f"{m['seconds']:.1f}",
        )  # fmt: skip
    table.print(out)


def rollback(
    workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
    to: Annotated[
        str | None,
        typer.Option(
            help="Release id, older or newer (default: the newest complete one before the current)."
        ),
    ] = None,
) -> None:
    """Switch the current release back (a running server follows without a restart).

    Without --to: the newest complete release older than the current one (a partial release, left
    by a build stopped after its first stage, is passed over). --to ID switches to any finished
    release, a newer one too (roll forward); `shopmind releases` lists them.
    """
    from shopmind.release.releases import ReleaseError, Releases

    try:
        rid = Releases(workspace).rollback(to)
    except ReleaseError as exc:
        raise fail(str(exc)) from None
    if to is not None and rid != to:  # an earlier stage of a progressive build (``folded_into``)
        console.print(
            f"{to} was an earlier stage of the build that published {rid} (same data, complete)",
            soft_wrap=True,
        )
    console.print(f"current release is now {rid}")


def register(app: typer.Typer) -> None:
    """Add the release commands to ``app``."""
    app.command()(build)
    app.command()(releases)
    app.command()(rollback)
