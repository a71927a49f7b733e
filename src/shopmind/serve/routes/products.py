"""Product writes: create/replace/delete through the quality gate, searchable at once."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from shopmind.quality.codes import CODES
from shopmind.serve.api import ApiError, Rel, jsonable, needs, shop_of
from shopmind.serve.contract import json_body
from shopmind.serve.schemas import IdPath, ProductBatch, ProductBody, ProductIn, item_errors

router = APIRouter(tags=["products"], dependencies=[needs("write")])


def gate_products(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run product rows through the same quality gate as a batch: (accepted, quarantined)."""
    from shopmind.config import GateConfig
    from shopmind.data.model import Batch
    from shopmind.quality.coerce import typed_products
    from shopmind.quality.gate import run_gate

    frame = typed_products(rows)
    result = run_gate(Batch("api-products", products=frame), GateConfig(), None)
    outcome = result.tables["products"]
    accepted = [
        {k: v for k, v in r.items() if not k.startswith("_")} for r in outcome.accepted.iter_rows(named=True)
    ]
    quarantined = []
    for r in outcome.quarantine.iter_rows(named=True):
        try:
            pid = json.loads(r.get("payload") or "{}").get("product_id")
        except ValueError:
            pid = None
        # ``codes``: why the row was held (quarantine checks); ``flags``: what the gate would only have
        # noted on an accepted row (a missing description), kept apart so a client fixes the cause
        every = list(r.get("codes") or [])
        flags = [c for c in every if c in CODES and CODES[c].action in ("flag", "repair")]
        codes = [c for c in every if c not in flags] or every
        reasons = "; ".join(f"{c}: {CODES[c].summary}" if c in CODES else c for c in codes)
        quarantined.append({"product_id": pid, "codes": codes, "flags": flags, "message": reasons})
    return accepted, quarantined


def _apply(request: Request, rows: list[dict[str, Any]]) -> dict[str, Any]:
    accepted, quarantined = gate_products(rows)
    if accepted:
        shop_of(request).change_products([(str(r["product_id"]), "upsert", jsonable(r)) for r in accepted])
    return {"accepted": [r["product_id"] for r in accepted], "quarantined": quarantined}


@router.put("/v1/products/{product_id}", dependencies=[Depends(json_body)])
def put_product(
    request: Request,
    rel: Rel,
    product_id: IdPath,
    body: ProductBody,
) -> dict[str, Any]:
    """Create or replace one product (through the quality gate; searchable at once)."""
    row = {"product_id": product_id, **body.model_dump(exclude_none=True)}
    return _apply(request, [jsonable(row)])


@router.post("/v1/products:batch", dependencies=[Depends(json_body)])
def post_products(request: Request, rel: Rel, body: ProductBatch) -> JSONResponse:
    """Create or replace up to 1,000 products; invalid ones are answered one by one."""
    valid, rejected = [], []
    for i, raw in enumerate(body.products):
        try:
            valid.append(jsonable(ProductIn.model_validate(raw).model_dump(exclude_none=True)))
        except ValidationError as exc:
            rejected += [{"index": i, **e} for e in item_errors(exc)]
    if not valid:
        return JSONResponse(
            {
                "error": {"code": "invalid_products", "message": "no product in the batch is valid"},
                "rejected": rejected,
                # as every other error body: the id a user quotes (it was only in the header)
                "request_id": request.scope.get("state", {}).get("request_id"),
            },
            status_code=422,
        )
    return JSONResponse({**_apply(request, valid), "rejected": rejected})


@router.delete("/v1/products/{product_id}")
def delete_product(request: Request, rel: Rel, product_id: IdPath) -> dict[str, Any]:
    """Remove a product from search and recommendations at once."""
    if product_id not in rel.products:
        raise ApiError(404, "unknown_item", f"no product {product_id!r}", "product_id")
    shop_of(request).change_products([(product_id, "delete", None)])
    return {"deleted": product_id}
