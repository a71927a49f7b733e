"""User profiles and lifecycle segments (issue 15 item 5): ``model`` computes them from
accepted events, ``live`` serves and updates them, ``features`` turns them into ranker
features, ``component`` builds them into a release."""

from shopmind.profiles.features import FEATURE_NAMES, profile_features
from shopmind.profiles.live import ProfileIndex
from shopmind.profiles.model import SEGMENTS, ProfileConfig, compute_profiles, segment

__all__ = [
    "FEATURE_NAMES",
    "SEGMENTS",
    "ProfileConfig",
    "ProfileIndex",
    "compute_profiles",
    "profile_features",
    "segment",
]
