"""``POST /v1/events``: behaviour events, validated one by one, logged durably before the answer.

Each event is checked by the request schema and then by the gate's row-local rules against the
served catalog (:func:`shopmind.serve.schemas.event_verdict`): an event the gate would
quarantine is rejected now, with the gate's code, instead of being "accepted" and dropped at
the next build; one the gate would only flag is stored and its codes are said in ``flagged``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from shopmind.serve.api import ApiError, needs, shop_of
from shopmind.serve.contract import json_body
from shopmind.serve.schemas import EventBatch, EventIn, event_verdict, item_errors

router = APIRouter(tags=["events"])


_REUSED = {
    409: {
        "description": "The Idempotency-Key was used before for a different batch (field: idempotency-key); "
        "nothing was stored.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
}


@router.post("/v1/events", dependencies=[needs("events"), Depends(json_body)], responses=_REUSED)
def post_events(
    request: Request,
    body: EventBatch,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    """Validate each event (schema, then the gate's row rules against the served catalog);
    store the valid ones durably before answering. ``rejected`` and ``flagged`` name each
    event by its index in the batch, with the field and the gate's code."""
    shop = shop_of(request)
    shop.sync()  # a product another worker just created is known here too
    cur = shop.current
    catalog = None if cur is None else cur.products
    valid: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    flagged: list[dict[str, Any]] = []
    first_at: dict[str, int] = {}  # event_id -> index of its first valid event in this batch
    for i, raw in enumerate(body.events):
        try:
            record = EventIn.model_validate(raw).record()
        except ValidationError as exc:
            rejected += [{"index": i, **e} for e in item_errors(exc)]
            continue
        eid = record["event_id"]
        if eid in first_at:  # the log keeps the first: the later one was counted but dropped
            message = f"event_id {eid!r} is already used by the event at index {first_at[eid]} of this batch"
            rejected.append({"index": i, "event_id": eid, "field": "event_id", "code": "duplicate_in_batch", "message": message})  # fmt: skip
            continue
        reasons, flags = event_verdict(record, catalog)
        if reasons:
            rejected += [{"index": i, "event_id": record["event_id"], **r} for r in reasons]
            continue
        if flags:
            flagged.append({"index": i, "event_id": record["event_id"], "codes": flags})
        first_at[eid] = i
        valid.append(record)
    if not valid:
        return JSONResponse(
            {
                "error": {"code": "invalid_events", "message": "no event in the batch is valid"},
                "rejected": rejected,
                # as every other error body: the id a user quotes (it was only in the header)
                "request_id": request.scope.get("state", {}).get("request_id"),
            },
            status_code=422,
        )
    response = {"accepted": len(valid), "rejected": rejected, "flagged": flagged, "duplicate": False}
    digest = _digest(body.events)
    # the answer remembered for the key carries the body's digest (never sent back)
    stored = response if idempotency_key is None else {**response, _DIGEST: digest}
    seqs, previous = shop.record_events(valid, idempotency_key, stored)
    if previous is not None:
        first = previous.pop(_DIGEST, digest)  # answers stored before the digest: as before
        if first != digest:
            raise ApiError(  # 409: the request conflicts with the one the key already stands for
                409,
                "idempotency_key_reused",
                f"Idempotency-Key {idempotency_key!r} was used before for a different batch: nothing "
                "was stored; send a new key for new events (a retry must repeat the same body)",
                "idempotency-key",
            )
        return JSONResponse({**previous, "duplicate": True})
    request.app.state.metrics.events.inc(len(seqs))
    response["new"] = len(seqs)  # events whose event_id was not logged before
    return JSONResponse(response)


#: Key of the body's digest in an idempotency answer as the live log keeps it.
_DIGEST = "_body_sha256"


def _digest(events: list[dict[str, Any]]) -> str:
    """The batch as sent (before validation), canonically: a retry with the same Idempotency-Key
    must send the same events. A different batch under a used key used to get the first answer
    with ``"duplicate": true`` — and its events were silently not stored."""
    text = json.dumps(events, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
