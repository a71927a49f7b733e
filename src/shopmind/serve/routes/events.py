"""``POST /v1/events``: behaviour events, validated one by one, logged durably before the answer.

Each event is checked by the request schema and then by the gate's row-local rules against the
served catalog (:func:`shopmind.serve.schemas.event_verdict`): an event the gate would
quarantine is rejected now, with the gate's code, instead of being "accepted" and dropped at
the next build; one the gate would only flag is stored and its codes are said in ``flagged``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from shopmind.serve.api import needs, shop_of
from shopmind.serve.contract import json_body
from shopmind.serve.schemas import EventBatch, EventIn, event_verdict, item_errors

router = APIRouter(tags=["events"])


@router.post("/v1/events", dependencies=[needs("events"), Depends(json_body)])
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
    for i, raw in enumerate(body.events):
        try:
            record = EventIn.model_validate(raw).record()
        except ValidationError as exc:
            rejected += [{"index": i, **e} for e in item_errors(exc)]
            continue
        reasons, flags = event_verdict(record, catalog)
        if reasons:
            rejected += [{"index": i, "event_id": record["event_id"], **r} for r in reasons]
            continue
        if flags:
            flagged.append({"index": i, "event_id": record["event_id"], "codes": flags})
        valid.append(record)
    if not valid:
        return JSONResponse(
            {
                "error": {"code": "invalid_events", "message": "no event in the batch is valid"},
                "rejected": rejected,
            },
            status_code=422,
        )
    response = {"accepted": len(valid), "rejected": rejected, "flagged": flagged, "duplicate": False}
    seqs, previous = shop.record_events(valid, idempotency_key, response)
    if previous is not None:
        return JSONResponse({**previous, "duplicate": True})
    request.app.state.metrics.events.inc(len(seqs))
    response["new"] = len(seqs)  # events whose event_id was not logged before
    return JSONResponse(response)
