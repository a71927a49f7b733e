"""Serving: the HTTP API, the storefront and dashboards over the current release."""
