"""Automatic tuning (issue 12 item 4): ``shopmind tune search|recs``.

Optuna's TPE sampler (seeded) with median pruning searches engine settings on VALIDATION
data only — the recommendation protocols' validation phase, the search evaluator's tuning
half of the judged queries — inside a wall-clock budget, and writes the chosen values to a
copy of the shop TOML with the study's report (JSON + a PNG of the trials). Optuna,
tomlkit and matplotlib are the ``tune`` extra, imported inside the functions that need them.
"""
