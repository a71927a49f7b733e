"""User profiles and segments: ``GET /v1/users/{user_id}/profile`` (admin key) and
``GET /v1/segments`` (a read or admin key: counts only, what the segments dashboard draws).

A profile is personal data (what someone looks at, what they spend), so it needs the admin
scope; the segment counts are aggregates and are readable with the dashboards' key. When the
workspace pseudonymises ids at ingest, the id in the path is the shop's own customer id and is
turned into its pseudonym here, as for recommendations.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from shopmind.serve.api import ApiError, Rel, json_response, needs, shop_of
from shopmind.serve.schemas import IdPath
from shopmind.serve.state import LoadedRelease

router = APIRouter(tags=["users"])


def _profiles(rel: LoadedRelease) -> Any:
    profiles = getattr(rel, "profiles", None)
    if profiles is None and rel.manifest.get("parts", {}).get("profiles") == "pending":
        raise ApiError(
            503, "profiles_building", "user profiles are still building: they come with the complete release"
        )
    if profiles is None:
        raise ApiError(
            503, "no_profiles", "the current release has no user profiles (rebuild with `shopmind build`)"
        )
    return profiles


@router.get("/v1/users/{user_id:path}/profile", response_model=dict[str, Any], dependencies=[needs("admin")])
def user_profile(request: Request, rel: Rel, user_id: IdPath) -> Response:
    """A user's interests (decayed categories, brands, price band, language), RFM value and
    lifecycle segment, as of the newest event the release has seen."""
    profiles = _profiles(rel)
    handle = shop_of(request).user_handle(user_id)
    with shop_of(request).lock:  # live events update profiles under this lock
        profile = profiles.get(handle)
    if profile is None:
        raise ApiError(
            404, "unknown_user", f"no user {user_id!r} has an accepted event in this release", "user_id"
        )
    if handle != user_id:
        profile = {**profile, "user_id": user_id, "pseudonym": handle}
    return json_response({**profile, "release": rel.id})


@router.get("/v1/segments", response_model=dict[str, Any], dependencies=[needs("monitor")])
def segments(request: Request, rel: Rel) -> Response:
    """Users per lifecycle segment (new, active, at risk, lapsed) with buyers and the median
    RFM value per segment, and the settings that define the segments."""
    profiles = _profiles(rel)
    with shop_of(request).lock:
        counts = profiles.segment_counts()
    return json_response({**counts, "release": rel.id})
