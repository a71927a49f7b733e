"""Round 24 (issue 12, "Measure", search): what the shop-trained re-ranker sees and how it is trained.

The full pipeline ``fusion-e5+ltr`` on Home Depot (54,667 products, 4,708 queries) held out 0.4237 = 1.29x
tantivy (goal 1.35x). The encoder levers are spent (the e5 adapter stayed 1.00x, fine-tuned MiniLM reached
frozen e5); this script tries the re-ranker's inputs and its training, as switches, each against the same
baseline in the same process.

RULE (fixed and committed before any candidate figure was computed)
--------------------------------------------------------------------
- Selection data = the evaluator's **tuning half** only (``eval_data.tuning_half(q)`` True). The baseline
  and every candidate are trained and scored **out of fold inside the tuning half**: the tuning-half
  queries are split into 5 folds by ``fold_of`` (md5 of the normalised query, the evaluator's own fold
  function); a tuning query is scored by the model trained on the other 4 tuning folds. The fusion alpha
  that orders the candidates is chosen on each fold's training queries (as ``LTREval``). Held-out-half
  queries are neither trained on nor scored in this phase.
- Metric: retrieval-view NDCG@10 per query (the evaluator's formula, unjudged = 0), queries with ideal DCG > 0.
- **Pass** = mean paired per-query gain (candidate - baseline, same queries) > 2 standard errors
  (se = sd(gain) / sqrt(n)). Each switch is compared with the baseline alone, one setting per switch (no
  grid over settings); at most 4 switches.
- The passing switches are combined; the combination must pass the same test on the tuning half.
- The **held-out half is read once**, at the end, with the evaluator's unchanged protocol
  (``shopmind evaluate search --methods tantivy,fusion-e5+ltr``: 5-fold out of fold over all queries,
  held-out-half mean reported) for the baseline (run first, before this rule's candidates) and for the
  adopted re-ranker. Nothing is changed after that read.

Switches (each defensible for any shop and both languages; no Home Depot rules):

- ``union``: the re-ranker sees the whole first-stage union (BM25F top 100 + dense top 100) instead of the
  fused top 100, so a product only one retriever found is not cut before the model sees it.
- ``feats``: features the model lacks: idf-weighted query-term coverage (any field, title), the largest idf
  of a query term the product lacks, and the share of the query's number tokens ("1/2", "18v", "2x4") the
  product has (title, any field) - a missing rare term or number is strong evidence the product is another.
- ``xendcg``: LightGBM's ``rank_xendcg`` objective instead of ``lambdarank`` (a listwise objective without
  the truncation level; same rounds and other settings).

Diagnosis (``--diagnose``): on the tuning half, how much of the gap to a perfect order is recall (judged
relevant products outside the candidates) and how much order, per query kind.

    nice -n 10 .venv/bin/python bench/search_ltr_round24.py --vectors /tmp/t12s/vectors \
        --out bench/results/search_ltr_round24.json
"""
