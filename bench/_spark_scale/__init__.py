"""The parts of ``bench/spark_scale.py``, one job each (the script stays the entry point and the child).

- ``inputs``: the tiled demo batch, its ground truth, its Parquet input;
- ``engines``: one engine in its own process (``--child``), the account digest, CPU seconds by kind;
- ``scaling``: the scaling curve and the machine check; ``beyond``: the beyond-memory run.
"""
