"""GBK lines that are valid UTF-8 by accident (data/cjk_lines.py): how often, how many the rule
repairs, how many real UTF-8 words it would wrongly re-read, and what it costs.

    python bench/gbk_utf8_lines.py --split validation   # settings are chosen on this
    python bench/gbk_utf8_lines.py --split holdout      # run once, reported as it comes out
    python bench/gbk_utf8_lines.py --time 200000        # decode time of a mostly-GBK file (this tree)
    git archive c866d0b src | tar -x -C /tmp/before     # the tree before the fix, then:
    python bench/gbk_utf8_lines.py --time 200000 --compare /tmp/before/src --rounds 6
                                   # before/after alternated in fresh processes, best of --repeat each

GB side: real Chinese text (QBQTC queries and titles, SHOPMIND_DATA/qbqtc-zh; dev = validation,
test_public = holdout) as catalog-like lines: one-character values drawn by their frequency in
that text (``P1,小,12.5``), jieba-segmented words as values, and whole queries. A line is *at
risk* when its GBK bytes are valid UTF-8 (before the fix it was published garbled); *repaired*
when the rule re-reads it. UTF-8 side: every word of Debian's word lists and hunspell
dictionaries (validation: French, German, Spanish, Russian; holdout: Portuguese, Polish,
Ukrainian, Bulgarian, Greek) as a line ``P1,<word>,1`` in UTF-8: *wrongly re-read* when the rule
would read it as GBK. The per-line decision is ``chinese_rereading``, which is what
``decode_text`` applies to each valid-UTF-8 line of a mostly Chinese file; one end-to-end file
per side checks that.
"""

from __future__ import annotations

import argparse
import collections
import gc
import json
import os
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

DATA = Path(os.environ.get("SHOPMIND_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
WORDS = {
    "validation": {
        "french": "/usr/share/dict/french",
        "german": "/usr/share/dict/ngerman",
        "spanish": "/usr/share/dict/spanish",
        "russian": "/usr/share/hunspell/ru_RU.dic",
    },
    "holdout": {
        "portuguese": "/usr/share/dict/portuguese",
        "polish": "/usr/share/dict/polish",
        "ukrainian": "/usr/share/dict/ukrainian",
        "bulgarian": "/usr/share/dict/bulgarian",
        "greek": "/usr/share/hunspell/el_GR.dic",
    },
}
QBQTC = {"validation": "dev.json", "holdout": "test_public.json"}
MAX_WORDS = 200_000  # per language, a seeded sample of the larger lists


def _words(path: str, rng: random.Random) -> list[str]:
    encoding = "iso8859-7" if path.endswith("el_GR.dic") else "utf-8"
    lines = Path(path).read_text(encoding=encoding, errors="replace").splitlines()
    if path.endswith(".dic"):
        lines = [w.split("/")[0] for w in lines[1:]]
    words = sorted({w.strip() for w in lines if w.strip() and not w.isascii()})
    return rng.sample(words, MAX_WORDS) if len(words) > MAX_WORDS else words


def _chinese(split: str) -> tuple[list[str], collections.Counter[str]]:
    texts: list[str] = []
    for line in (DATA / "qbqtc-zh" / QBQTC[split]).read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        texts += [row["query"], row["title"]]
    chars = collections.Counter(c for t in texts for c in t if "\u4e00" <= c <= "\u9fff")
    return texts, chars


def _gbk(text: str) -> bytes | None:
    try:
        return text.encode("gbk")
    except UnicodeEncodeError:
        return None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def gb_side(split: str, rng: random.Random) -> dict[str, object]:
    import jieba

    from shopmind.data.cjk_lines import chinese_rereading

    texts, chars = _chinese(split)
    population, weights = zip(*chars.items(), strict=True)
    singles = rng.choices(population, weights=weights, k=100_000)
    jieba.setLogLevel(60)
    words = [w for t in rng.sample(texts, 5_000) for w in jieba.lcut(t) if not w.isascii()]
    queries = texts[0::2]
    out: dict[str, object] = {}
    for name, values in (
        ("one_character_values", singles),
        ("jieba_words", words),
        ("whole_queries", queries),
    ):
        lines = [_gbk(f"P{i},{v},12.5") for i, v in enumerate(values)]
        lines = [b for b in lines if b is not None and not b.isascii()]
        at_risk = [b for b in lines if _is_utf8(b)]
        repaired = [b for b in at_risk if chinese_rereading(b, "gb18030") is not None]
        missed = collections.Counter(
            b.decode("gb18030").split(",")[1] for b in at_risk if b not in set(repaired)
        )
        out[name] = {
            "lines": len(lines),
            "at_risk": len(at_risk),
            "at_risk_share": round(len(at_risk) / max(len(lines), 1), 4),
            "repaired": len(repaired),
            "repaired_share_of_at_risk": round(len(repaired) / max(len(at_risk), 1), 4),
            "top_missed": [(v, n, v.encode("gbk").decode("utf-8")) for v, n in missed.most_common(12)],
        }
    hanzi = sum(chars.values())
    valid = sum(n for c, n in chars.items() if (b := _gbk(c)) is not None and _is_utf8(b))
    out["hanzi_valid_utf8_share_by_use"] = round(valid / hanzi, 4)
    return out


def utf8_side(split: str, rng: random.Random) -> dict[str, object]:
    from shopmind.data.cjk_lines import chinese_rereading

    out: dict[str, object] = {}
    for language, path in WORDS[split].items():
        if not Path(path).exists():
            out[language] = "word list missing (apt-get install the Debian package)"
            continue
        words = _words(path, rng)
        wrong = [w for w in words if chinese_rereading(f"P1,{w},1".encode(), "gb18030") is not None]
        out[language] = {
            "words": len(words),
            "gb2312_clean": sum(
                1 for w in words if _gbk_clean(w.encode("utf-8"))
            ),  # words the byte test alone would allow
            "wrongly_reread": len(wrong),
            "examples": wrong[:12],
        }
    return out


def _gbk_clean(data: bytes) -> bool:
    from shopmind.data.cjk_lines import hanzi_reading

    return max(data) < 0xE0 and hanzi_reading(data, "gb18030") is not None


def end_to_end(rng: random.Random) -> dict[str, object]:
    """One mostly-GBK file with accidental lines and real UTF-8 lines: decoded as written?"""
    from shopmind.data.encoding import decode_text

    titles = ["红色连衣裙 夏季", "蓝色牛仔裤", "耳机 降噪", "羊毛大衣", "儿童运动鞋"]
    lines = [(f"P{i},{rng.choice(titles)},{i}.5", "gbk") for i in range(200)]
    lines += [(f"S{i},{c},1", "gbk") for i, c in enumerate("小一女水品学图全时片")]
    lines += [(f"U{i},{w},1", "utf-8") for i, w in enumerate(["Café crème", "она", "και", "źle", "10μm"])]
    rng.shuffle(lines)
    data = b"".join(t.encode(c) + b"\n" for t, c in lines)
    decoded = decode_text(data)
    return {"exact": decoded.text == "".join(t + "\n" for t, _ in lines), "encoding": decoded.encoding}


def timing_file(n: int) -> bytes:
    """A mostly-GBK products file: 98 % GBK titles, 1 % one-character GBK values (valid UTF-8 by
    accident), 1 % UTF-8 lines with accented words."""
    rng = random.Random(7)
    texts, _ = _chinese("validation")
    titles = [t for t in texts[1::2] if _gbk(t) is not None][:5_000]
    out = [b"product_id,title,size,price\n"]
    for i in range(n):
        r = rng.random()
        if r < 0.01:
            out.append(f"P{i},{rng.choice('小一女水品')},{i % 97}.5\n".encode("gbk"))
        elif r < 0.02:
            out.append(f"P{i},Café crème {i},M,{i % 97}.5\n".encode())
        else:
            out.append(f"P{i},{rng.choice(titles)},{rng.choice('大中小')},{i % 97}.5\n".encode("gbk"))
    return b"".join(out)


def compare(args: argparse.Namespace) -> None:
    """Before (``--compare`` src on PYTHONPATH) and after (this tree), alternated in fresh
    processes so both see the same machine load; CPU seconds of the decode (process time: less
    moved by other processes than wall time), best of --repeat; each round's ratio is a figure."""
    import statistics
    import subprocess

    rounds = []
    for _ in range(args.rounds):
        pair = {}
        for side, extra in (("before", {"PYTHONPATH": args.compare}), ("after", {})):
            env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | extra
            cmd = [sys.executable, __file__, "--time", str(args.time), "--repeat", str(args.repeat)]
            pair[side] = json.loads(
                subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
            )
        rounds.append(pair)
    ratios = [r["after"]["best_s"] / r["before"]["best_s"] for r in rounds]
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load": os.getloadavg(),
        "lines": args.time,
        "before_module": rounds[0]["before"]["module"],
        "before_s": [round(r["before"]["best_s"], 4) for r in rounds],
        "after_s": [round(r["after"]["best_s"], 4) for r in rounds],
        "ratios": [round(x, 4) for x in ratios],
        "median_ratio": round(statistics.median(ratios), 4),
        "encoding_before": rounds[0]["before"]["encoding"],
        "encoding_after": rounds[0]["after"]["encoding"],
    }
    path = Path(__file__).parent / "results" / (args.out or "gbk_utf8_lines_timing.json")
    path.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["validation", "holdout"])
    parser.add_argument("--time", type=int, help="lines of the timing file; prints seconds as JSON")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compare", help="src folder of the tree before: alternate it with this tree")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument(
        "--out", help="result file name under bench/results (default gbk_utf8_lines_<split>.json)"
    )
    args = parser.parse_args()
    if args.time and args.compare:
        compare(args)
        return
    if args.time:
        from shopmind.data import encoding

        data = timing_file(args.time)
        runs = []
        for _ in range(args.repeat):
            gc.collect()
            start = time.process_time()
            decoded = encoding.decode_text(data)
            runs.append(time.process_time() - start)
        print(json.dumps({"lines": args.time, "bytes": len(data), "best_s": min(runs), "runs_s": runs,
                          "encoding": decoded.encoding, "redecoded": len(decoded.redecoded),
                          "module": encoding.__file__}))  # fmt: skip
        return
    if not (DATA / "qbqtc-zh").exists():
        sys.exit(f"no qbqtc-zh under {DATA} (set SHOPMIND_DATA)")
    rng = random.Random(19)
    result = {
        "split": args.split,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load": os.getloadavg(),
        "gb_side": gb_side(args.split, rng),
        "utf8_side": utf8_side(args.split, rng),
        "end_to_end": end_to_end(rng),
    }
    path = Path(__file__).parent / "results" / (args.out or f"gbk_utf8_lines_{args.split}.json")
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
