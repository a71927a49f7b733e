"""Price suggestions from the shop's own history (issue 16 item 1).

``elasticity.py`` estimates each product's price elasticity (category x week fixed effects, promotion
lift, empirical-Bayes shrinkage toward the category); ``suggest.py`` turns it into guardrailed price
suggestions; ``report.py`` writes them as CSV + JSON. Suggestions are never applied to the catalog.
"""

from shopmind.pricing.elasticity import Elasticity, PricingError, estimate, weekly_observations
from shopmind.pricing.suggest import Guardrails, ProductTerms, Suggestion, suggest

__all__ = [
    "Elasticity",
    "Guardrails",
    "PricingError",
    "ProductTerms",
    "Suggestion",
    "estimate",
    "suggest",
    "weekly_observations",
]
