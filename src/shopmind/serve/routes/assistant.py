"""``POST /v1/assistant``: one turn of the shop assistant over the served release.

The assistant is built once per release on its first turn (the release's search engine and
catalog; orders from ``<workspace>/assistant/orders.parquet`` and policies from
``<workspace>/assistant/policies/*.md`` when the shop has put them there; the phraser from the
``[assistant]`` table of the shop TOML given to ``shopmind serve --config``, when configured)
and kept with the release.

Privacy: the storefront key is public (every page carries it), so a ``customer_id`` it sends
proves nothing. Order data is answered only to a key with ``write`` capability — the shop's
back end, which has authenticated its customer — and the customer id it names must own the
order. With the storefront key, order questions are asked to sign in and get no data.

A product-search turn is logged to the live log as a ``search`` event (query = the message,
session = the conversation), so search and recommendations learn from it like from a search
box; hand-offs are appended to ``<workspace>/assistant/handoffs.jsonl`` for the shop (message
masked, conversation as its pseudonym); ``orders.parquet`` may name customers by their pseudonym. Every
turn is recorded, pseudonymised and masked, in the turn log (``assistant.turnlog``: buffered,
no fsync on the request path) that ``/dashboard/assistant`` and ``GET /v1/assistant/summary`` read.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from pathlib import Path
from typing import Any, Literal

import polars as pl
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from shopmind.serve.api import ApiError, Rel, json_response, needs, request_key, shop_of
from shopmind.serve.contract import json_body
from shopmind.serve.schemas import EventIn, Id

router = APIRouter(tags=["assistant"])
log = logging.getLogger("shopmind.serve")

#: (release id, id of the loaded release object) -> its assistant; the last two releases only
_ASSISTANTS: dict[tuple[str, int, tuple[int, int, int] | None], Any] = {}
_BUILD = threading.Lock()


class AssistantIn(BaseModel):
    """One customer message."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    # ids as every other route takes them (no control characters): a conversation id is logged
    # as a search event's session_id, which the event schema checks (a NUL in it was stored)
    conversation_id: Id
    message: str = Field(min_length=1, max_length=1000, pattern=r"\S")
    page_product: Id | None = Field(default=None, description="product on the page")
    customer_id: Id | None = Field(default=None, description="honoured for a write key only (see the route)")
    lang: Literal["en", "zh"] | None = Field(
        default=None,
        description="the page's language: the reply's when the message shows none ('asdfgh', '???', "
        "digits); a language tag's first part is read ('zh-Hans', 'zh_CN', 'EN-us'). Without it, the "
        "conversation's last language, else English",
    )

    @field_validator("lang", mode="before")
    @classmethod
    def _primary_subtag(cls, value: object) -> object:
        """A page's ``<html lang>`` is a BCP 47 tag ("zh-Hans", "en-US"): its language is the first
        part, so an integrator passing it is not refused; anything else is checked as given."""
        if isinstance(value, str) and value.strip():
            primary = value.strip().replace("_", "-").split("-")[0].lower()
            if primary not in ("en", "zh"):  # was "Input should be 'en' or 'zh'", the tag sent unsaid
                read = f" (read from {value.strip()!r})" if primary != value.strip() else ""
                raise ValueError(
                    f"{primary!r}{read} is not a language the assistant answers in: en or zh; leave lang out "
                    "to answer in the message's language"
                )
            return primary
        return value


def _file_stamp(path: Path) -> tuple[int, int, int] | None:
    """A file's identity (inode, size, modification time): changed by every rewrite-and-rename."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def cache_key(rel: Any, workspace: Path) -> tuple[str, int, tuple[int, int, int] | None]:
    """Which built assistant serves ``rel``: the release and its orders file's identity."""
    return (rel.id, id(rel), _file_stamp(workspace / "assistant" / "orders.parquet"))


def _assistant(rel: Any, workspace: Path, settings: dict[str, Any]) -> Any:
    """The release's assistant, built on first use (one build at a time).

    Keyed by the release *and* the orders file's identity: ``shopmind forget`` rewrites
    ``assistant/orders.parquet`` without the customer's orders, and a server that kept its
    assistant (orders in memory) answered those orders until the next release (t1v, session 29).
    A replaced file builds the assistant again on its next turn; the warm-up's cost, once."""
    with _BUILD:
        key = cache_key(rel, workspace)
        got = _ASSISTANTS.get(key)
        if got is not None:
            return got
        from shopmind.assistant.core import Assistant
        from shopmind.assistant.knowledge import load_policies
        from shopmind.assistant.phraser import PhraserConfig

        products = pl.read_parquet(rel.folder / "catalog" / "products.parquet")
        base = workspace / "assistant"
        orders = pl.read_parquet(base / "orders.parquet") if (base / "orders.parquet").exists() else None
        folder = base / "policies"
        sections = load_policies(folder) if folder.is_dir() and any(folder.glob("*.md")) else []
        phraser = PhraserConfig.from_table(settings.get("assistant"))
        from shopmind.privacy import workspace_secret

        asst = Assistant(
            rel.engine, products, orders, sections, phraser=phraser, handoff_log=base / "handoffs.jsonl",
            pseudonym_key=workspace_secret(workspace),  # hand-offs masked and pseudonymised; orders by either id
        )  # fmt: skip
        base.mkdir(parents=True, exist_ok=True)
        for old in [k for k in _ASSISTANTS if k[:2] == key[:2]]:  # its orders were replaced: gone from memory
            del _ASSISTANTS[old]
        _ASSISTANTS[key] = asst
        while len(_ASSISTANTS) > 2:  # a swapped-out release's assistant goes with it
            _ASSISTANTS.pop(next(iter(_ASSISTANTS)))
        return asst


def start_warmup(shop: Any, settings: dict[str, Any], delay: float) -> threading.Event:
    """Build the served release's assistant in the background, ``delay`` seconds after it loads.

    Why: the assistant is built on its first turn (intent model, policy vectors, ~3 CPU-seconds on
    the demo shop), so the first shopper to open the chat waited for it - 21.6 s on a busy box. The
    delay leaves the first seconds of a fresh server to search (issue 17's first answered search);
    a release still building its vectors is skipped (the complete one follows and would need its
    own). A turn that arrives during the build waits for it under ``_BUILD`` and then reuses it.
    Returns the event that stops the thread."""
    stop = threading.Event()

    def loop() -> None:
        warmed: tuple[str, int] | None = None
        while not stop.wait(delay if warmed is None else max(shop.poll_seconds, 1.0)):
            rel = shop.current
            if rel is None or rel.engine is None or (rel.id, id(rel)) == warmed:
                continue
            if not shop.build_status()["complete"]:
                continue
            try:
                _assistant(rel, shop.workspace, settings)
            except Exception as exc:  # the first turn says it to the shopper's client as a 503
                # a release replaced while it was read (the demo deletes a superseded one's folder) is
                # no failure: the next loop warms its successor. The demo printed "No such file or
                # directory: …/catalog/products.parquet" as a warning in its first minute.
                if rel.folder.is_dir():
                    log.warning("assistant warm-up for release %s: %s", rel.id, exc)
            warmed = (rel.id, id(rel))

    threading.Thread(target=loop, name="assistant-warmup", daemon=True).start()
    return stop


@router.post("/v1/assistant", dependencies=[needs("events"), Depends(json_body)])
def post_assistant(request: Request, body: AssistantIn, rel: Rel) -> Response:
    """Answer one message: ``answer``, ``intent``, ``confidence``, ``citations`` (product ids,
    policy sections, order id), ``suggested`` products, ``handoff`` and the understood ``slots``."""
    t0 = time.perf_counter()
    if rel.engine is None:
        raise ApiError(503, "no_search_index", "the current release has no search index")
    shop = shop_of(request)
    trusted = request.app.state.keys.check(request_key(request, "write"), "write") == "ok"
    customer = body.customer_id if trusted else None
    page = body.page_product
    notes = []
    if page is not None and page not in rel.products:  # e.g. deleted since the page was rendered
        notes.append(f"page_product {page!r} is not in the catalog; answered without it")
        page = None
    try:
        asst = _assistant(rel, shop.workspace, request.app.state.settings)
    except ValueError as exc:  # bad shop knowledge files or [assistant] settings: say which
        raise ApiError(503, "assistant_unavailable", str(exc)) from None
    reply = asst.turn(body.message, body.conversation_id, customer, page, body.lang)
    out = reply.as_dict()
    out["notes"] = [*notes, *out["notes"]]
    if body.customer_id is not None and not trusted:
        out["notes"] = [*out["notes"], "customer_id is honoured for a write key only (the shop's back end)"]
    if reply.intent == "product_search":
        digest = hashlib.sha256(f"{body.conversation_id}\0{body.message}\0{rel.id}".encode()).hexdigest()[:24]
        event = {"event_id": f"assistant-{digest}", "type": "search", "query": body.message[:1000], "session_id": body.conversation_id[:200]}  # fmt: skip
        if customer:
            event["user_id"] = customer
        shop.record_events([EventIn.model_validate(event).record()], None, None)
    if reply.handoff:  # how the shop can reply (the chat panel promises no follow-up it cannot make)
        out["handoff_contact"] = _handoff_contact(customer, body.message, asst.pseudonym_key)
    latency = (time.perf_counter() - t0) * 1e3
    turn_log(request).record(reply, body.message, body.conversation_id, customer, latency)
    return json_response(out)


def _handoff_contact(customer: str | None, message: str, key: bytes | None) -> str:
    """What the hand-off keeps to reach the shopper (``assistant.finish.log_handoff``): "customer" (the
    id the shop's back end gave), "email" (an address typed in this message, kept as its pseudonym) or
    "none" (an anonymous storefront shopper: nobody can follow up)."""
    from shopmind.privacy import contact_handle

    if customer:
        return "customer"
    return "email" if key is not None and contact_handle(message, key) else "none"


def turn_log(request: Request) -> Any:
    """The worker's assistant turn log (one writer thread per process)."""
    log = getattr(request.app.state, "assistant_turns", None)
    if log is None:
        from shopmind.assistant.turnlog import TurnLog

        with _BUILD:
            log = getattr(request.app.state, "assistant_turns", None)
            if log is None:
                log = request.app.state.assistant_turns = TurnLog(shop_of(request).workspace)
    return log


@router.get("/v1/assistant/summary", dependencies=[needs("monitor")])
def assistant_summary(request: Request, days: int = Query(14, ge=1, le=366)) -> Response:
    """What the assistant did over the last ``days``: turns by day, intent and language, hand-off
    rate, the most frequent unanswered / low-confidence questions (masked), the latest hand-offs
    (conversations as pseudonyms)."""
    from shopmind.assistant.turnlog import summary

    log = getattr(request.app.state, "assistant_turns", None)
    if log is not None:
        log.flush()  # this worker's buffered turns (others' are at most a second behind)
    return json_response(summary(shop_of(request).workspace, days=days))
