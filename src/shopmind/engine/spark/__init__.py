"""The quality gate on Apache Spark: the same stages, the same SQL checks, the same account."""
