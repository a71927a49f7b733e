"""What an experiment's overrides change in the release being served, said before a null result is read.

docs/API.md's first example experiment turns the learned re-ranker off (`overrides = { search = { ltr =
"off" } }`). A build attaches the re-ranker only when it wins on the held-out judged queries; the
demo shop's build rejected it (NDCG@10 0.3989 with it, 0.4057 without), so that experiment's two arms
answered every search alike and its readout said "keep running: no variant differs" with nothing to
say why (t1v, session 29). `shopmind experiments start` and `readout` now say it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shopmind.experiments.definition import Experiment


def _ltr_reason(manifest: dict[str, Any]) -> str:
    """The build's word on the re-ranker: the complete release's (its vector part) else the first's."""
    search = manifest.get("components", {}).get("search", {})
    for facts in (search.get("search_vectors", {}).get("ltr"), search.get("ltr")):
        if isinstance(facts, dict) and facts.get("reason"):
            return str(facts["reason"])
    return "none was trained"


def inert_ltr_note(workspace: Path, exp: Experiment) -> str | None:
    """A note when a variant of ``exp`` sets ``search.ltr = "off"`` and the release being served has
    no learned re-ranker to turn off (None otherwise, or when no release is served yet)."""
    from shopmind.release.releases import Releases
    from shopmind.search.engine_io import LTR_DIR

    if not any(v.overrides.get("search", {}).get("ltr") == "off" for v in exp.variants):
        return None
    releases = Releases(workspace)
    rid = releases.current_id()
    if rid is None or (releases.root / rid / "search" / LTR_DIR / "ltr.json").exists():
        return None
    try:
        reason = _ltr_reason(releases.manifest(rid))
    except Exception:  # an unreadable manifest: the note still stands without the build's reason
        reason = "no re-ranker in the release"
    return (
        f"note: the release being served ({rid}) has no learned re-ranker ({reason}), so "
        f'ltr = "off" changes nothing: the variants of {exp.name!r} answer searches alike until a '
        "build attaches one (shopmind build; its manifest's components.search says why not)"
    )
