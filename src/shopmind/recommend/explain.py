"""Human-readable reasons: every recommendation says why, naming the product or category.

Gorse returns bare item ids (FIELD.md lists explanations among its gaps). Here the service
decides per item which signal contributed most (the generator with the largest fused share,
and within it the user's item that contributed most) and this module turns that into a
reason code (stable, for analytics and UI icons) and a sentence. Product titles are used
verbatim — the demo shop's Chinese titles stay Chinese inside an English sentence, which is
what a bilingual shop shows; translating titles is not the recommender's job.
"""

from __future__ import annotations

from dataclasses import dataclass

#: reason code -> sentence template ({title} = related item, {category} = category name).
TEMPLATES: dict[str, str] = {
    "viewed": "Because you viewed {title}",
    "carted": "Because you added {title} to your cart",
    "saved": "Because you saved {title}",
    "rated": "Because you rated {title}",
    "bought": "Because you bought {title}",
    "interest": "Based on your interest in {title}",
    "bought_with": "Often bought with {title}",
    "viewed_with": "Often viewed with {title}",
    "also_bought": "Customers who bought {title} also bought this",
    "also_carted": "Often in the same carts as {title}",
    "also_rated": "Rated by the people who rated {title}",
    "similar": "Similar to {title}",
    "trending_category": "Trending in {category}",
    "popular_category": "Popular in {category}",
    "trending": "Trending now",
    "popular": "Popular right now",
    "cold_start": "Popular right now",
    "new_arrival": "New arrival",
    # a crowd reason for an item nobody has interacted with would be untrue (a shop with no events yet)
    "in_category": "More in {category}",
    "catalog": "From our catalog",
    "pinned": "Featured",
    "buy_again": "Buy again",
    "recently_viewed": "You looked at this recently",
}

#: how an event type on the related item is worded ("Because you <verb> X").
EVENT_REASON = {
    "purchase": "bought",
    "add_to_cart": "carted",
    "wishlist": "saved",
    "rate": "rated",
}

#: the event type co-visitation pairs were counted over -> the code of "often <verb> with X"
#: (item-to-item rows): a purchases-only shop never says "viewed".
CO_EVENT_REASON = {
    "view": "viewed_with",
    "purchase": "also_bought",
    "add_to_cart": "also_carted",
    "wishlist": "also_carted",
    "rate": "also_rated",
}


@dataclass(frozen=True)
class Reason:
    code: str
    text: str
    related_item: str | None = None


def reason(
    code: str, title: str | None = None, category: str | None = None, related: str | None = None
) -> Reason:
    """A ``Reason`` for ``code``; a code that needs a name falls back to a generic one without it."""
    template = TEMPLATES[code]
    if "{title}" in template and not title:
        code, template = "popular", TEMPLATES["popular"]
    if "{category}" in template and not category:
        code = {"trending_category": "trending", "in_category": "catalog"}.get(code, "popular")
        template = TEMPLATES[code]
    return Reason(code, template.format(title=title or "", category=category or ""), related)


#: reasons that claim other shoppers' interest ("Popular right now", "Trending in Home")
CROWD_REASONS = frozenset({"trending_category", "popular_category", "trending", "popular", "cold_start"})


def catalog_reason(category: str | None) -> Reason:
    """What an item nobody has interacted with is shown as, instead of a crowd reason."""
    return reason("in_category", category=category)


def history_reason(event_type: str) -> str:
    """Reason code for "because you <did something with> X" (views and clicks: "viewed")."""
    return EVENT_REASON.get(event_type, "viewed")


def co_event_reason(event_type: str) -> str:
    """Reason code for "often <did something> together with X", by the pairs' event type."""
    return CO_EVENT_REASON.get(event_type, "viewed_with")
