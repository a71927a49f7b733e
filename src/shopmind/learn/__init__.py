"""Continual learning (issue 12 item 3): behaviour models updated from the events since the
last fit, warm-started instead of refitted, with a forgetting check that keeps the old models
when the update loses on the old period's held-out data. See ``recs.py``."""
