"""Recommendations: candidate generators over accepted events, their evaluation protocols.

Every generator shares the small estimator API of ``base`` (fit on ``Interactions``, score a
batch of users over all items), so evaluation, fusion and (later) the ranker treat them alike.
"""
