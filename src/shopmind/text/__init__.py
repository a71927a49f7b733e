"""Text analysis shared by search indexing, querying and recommendations."""

from shopmind.text.analysis import Analyzer, normalize

__all__ = ["Analyzer", "normalize"]
