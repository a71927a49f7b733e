"""The parts of ``bench/search_latency.py``, one job each (the script stays the entry point).

- ``common``: settings (encoders, fusion weight, depth), timers, RSS, passage vectors;
- ``lexical``: the lexical build and the tantivy anchor; ``components``: the pipeline stage by stage;
- ``engine``: ``SearchEngine`` end to end and first-seen queries in fresh processes;
- ``hnsw``: the graph's build, recall and filtered search; ``report``: the printed table.
"""
