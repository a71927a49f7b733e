"""The parts of ``bench/quality_faults.py``, one job each (the script stays the entry point).

- ``scoring``: what a gate run detected, per-class recall/precision against the injected rows, the row account;
- ``inject_base``: the injector's frames, clean-row pools, raw values, edits/appends and ground truth;
- ``inject_products`` / ``inject_events``: the product and event defect classes;
- ``injector``: the judgment classes, the full ``Injector`` and the injection order ``CLASSES``;
- ``runner``: gate runs with their account, the injection rounds, the generator's ground truth;
- ``report``: the printed per-dataset table and the summary.
"""
