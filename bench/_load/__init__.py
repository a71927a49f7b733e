"""The parts of ``bench/load.py``, one job each (the script stays the entry point with ``main``).

- ``workspace``: building the served workspace with the CLI;
- ``traffic``: the mix, the goals, and requests drawn from the shop's titles, queries, users and items;
- ``client`` / ``server``: the open-loop HTTP client and the ``shopmind serve`` child process;
- ``runner``: stepped load, summaries, held/goal verdicts and the soak;
- ``report`` / ``profiling``: the printed table and HTML page; the in-process cProfile harness.
"""
