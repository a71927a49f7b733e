"""Shop assistant (智能客服): grounded customer-service answers in Chinese and English.

One turn: intent (``intent.py``, logistic regression over char n-grams, words and the bilingual
customer-service concepts of ``lexicon.py``, trained on ``seed.py`` plus the compositional
paraphrases of ``seed_gen.py``, its confidence calibrated on a validation split of the seed) and
slots (``slots.py``: ids by rule, prices/attributes by the search layer's query understanding)
-> facts from the catalog (``SearchEngine``), the validated order table and the policy sections
(``knowledge.py``, ``policy.py``) -> a template answer per intent and language (``answer.py``)
-> the fact guard (``guard.py``) -> optionally a phraser endpoint's rewording, kept only when
it passes the same guard (``phraser.py``). ``core.Assistant`` ties them together;
``evaluate.py`` measures it on the demo shop's labelled questions.
"""
