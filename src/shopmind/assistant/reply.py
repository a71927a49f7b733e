"""What one assistant turn returns (``Reply``, the API's body) and what a conversation keeps
between turns (``_State``). Split from ``core`` (the turn's routing) so each stays one job and
under the project's module size; ``core`` re-exports ``Reply``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Reply:
    """What one turn answers (``as_dict`` is the API's body)."""

    answer: str
    intent: str
    confidence: float
    language: str
    slots: dict[str, object]
    citations: list[dict[str, str]] = field(default_factory=list)
    suggested: list[str] = field(default_factory=list)
    handoff: bool = False
    facts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    phrased: bool = False
    ms: float = 0.0

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        d.pop("facts")
        return d


@dataclass
class _State:
    search_text: str = ""
    products: list[str] = field(default_factory=list)
    #: the order the conversation is about ("has it shipped?" after naming it)
    order_id: str | None = None
    #: the question the last turn answered from a policy section ("大概要多少天" after "你们发国外吗")
    policy_text: str = ""
    #: the language of the conversation's last message that showed one: a later "???" is answered in it
    said_lang: str | None = None
    #: the last turn offered a person ("Shall I connect you with a colleague?"): a yes takes it
    offered: bool = False
