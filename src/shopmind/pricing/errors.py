"""The pricing package's error type.

Why a module of its own: the observations, the estimator, the guardrails and the release
component all raise it, and the CLI turns it into a one-line exit 2; defining it below them all
lets each import it without an import cycle.
"""

from __future__ import annotations


class PricingError(ValueError):
    """Bad pricing input or configuration: the message names the field or column at fault."""
