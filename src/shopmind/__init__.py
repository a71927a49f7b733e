"""shopmind: self-hosted search and recommendations for online shops, behind a data-quality gate."""

__version__ = "0.1.0"
