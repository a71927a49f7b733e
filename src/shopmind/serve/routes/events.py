"""``POST /v1/events``: behaviour events, validated one by one, logged durably before the answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from shopmind.serve.api import needs, shop_of
from shopmind.serve.schemas import EventBatch, EventIn, item_errors

router = APIRouter(tags=["events"])


@router.post("/v1/events", dependencies=[needs("events")])
def post_events(
    request: Request,
    body: EventBatch,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    """Validate each event; store the valid ones durably before answering."""
    valid, rejected = [], []
    for i, raw in enumerate(body.events):
        try:
            valid.append(EventIn.model_validate(raw).record())
        except ValidationError as exc:
            for e in item_errors(exc):
                rejected.append({"index": i, **e})
    if not valid:
        return JSONResponse(
            {
                "error": {"code": "invalid_events", "message": "no event in the batch is valid"},
                "rejected": rejected,
            },
            status_code=422,
        )
    response = {"accepted": len(valid), "rejected": rejected, "duplicate": False}
    seqs, previous = shop_of(request).record_events(valid, idempotency_key, response)
    if previous is not None:
        return JSONResponse({**previous, "duplicate": True})
    request.app.state.metrics.events.inc(len(seqs))
    response["new"] = len(seqs)  # events whose event_id was not logged before
    return JSONResponse(response)
