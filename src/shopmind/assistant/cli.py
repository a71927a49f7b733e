"""``assistant`` command for the evaluation sub-app (wired as ``shopmind evaluate assistant``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from shopmind.eval_folder import DEFAULT_WORKSPACE, OUT, WORKSPACE, evaluation_folder, say_where_the_shop_is

console = Console()
#: the issue's goals next to the headline figures (issue 13)
GOALS: dict[str, tuple[str, float, bool]] = {
    # key: (label, goal, higher is better)
    "intent_accuracy": ("intent", 0.95, True),
    "slot_exact_match": ("slots", 0.95, True),
    "answers_all_facts_correct": ("facts", 0.95, True),
    "answers_with_unsupported_fact": ("unsupported", 0, False),
    "out_of_scope_handoff_rate": ("oos handed off", 0.90, True),
}


def _cell(value: Any) -> str:
    return "-" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))


def _set_order(name: str) -> tuple[int, str]:
    """main, heldout, heldout2, heldout3 ... heldout10 (numbers in order, not as text), then sets
    read from files (``file:NAME``) last."""
    if name.startswith("file:"):
        return (1 << 30, name)
    digits = name[len(name.rstrip("0123456789")) :]
    return (int(digits) if digits else -1 if name == "main" else 0, name)


def headline(summary: dict[str, Any]) -> Table:
    """The figures a person reads first: one row per labelled set, then all, then the goals.

    Why a table: the whole summary is ~2,000 lines of JSON (per-set breakdowns, calibration,
    multi-part firings); it stays in the report file and behind ``--json``."""
    sets = summary.get("by_set", {})
    table = Table(
        "set",
        "questions",
        *(label for label, _g, _h in GOALS.values()),
        caption="intent accuracy, slot exact match, answers with every fact correct, answers stating an "
        "unsupported fact, out-of-scope questions handed off",
    )
    for name in sorted(sets, key=_set_order):
        part = sets[name]
        table.add_row(name, _cell(part.get("questions")), *(_cell(part.get(k)) for k in GOALS))
    table.add_row(
        "all", _cell(summary.get("questions")), *(_cell(summary.get(k)) for k in GOALS), style="bold"
    )
    table.add_row("goal", "", *(f"{'>=' if h else '<='} {g:g}" for _l, g, h in GOALS.values()), style="dim")
    return table


def _question_sets(paths: list[Path], fail: Any) -> list[tuple[str, object]]:
    """``--questions`` files read and checked before the shop is built, each as ``file:NAME``."""
    from shopmind.demo.assistant_question_file import QuestionFileError, load_question_file

    sets: list[tuple[str, object]] = []
    for path in paths:
        name = f"file:{path.stem}"
        if any(name == n for n, _ in sets):
            raise fail(f"--questions: two files named {path.stem!r}; rename one")
        try:
            sets.append((name, load_question_file(path)))
        except QuestionFileError as e:
            raise fail(str(e)) from None
    return sets


def register(app: typer.Typer) -> None:
    """Add the ``assistant`` command to ``app``."""

    @app.command("assistant")
    def assistant(
        seed: Annotated[int, typer.Option(help="Demo shop seed.")] = 42,
        products: Annotated[int, typer.Option(min=50, help="Demo catalog size.")] = 3000,
        users: Annotated[int, typer.Option(min=20, help="Demo shoppers.")] = 1500,
        days: Annotated[int, typer.Option(min=2, help="Days of demo events.")] = 60,
        out: Annotated[Path | None, OUT] = None,
        workspace: Annotated[Path, WORKSPACE] = DEFAULT_WORKSPACE,
        intent_encoder: Annotated[
            str, typer.Option(help="'none', or 'e5': the intent model also reads e5 sentence vectors.")
        ] = "none",
        as_json: Annotated[
            bool, typer.Option("--json", help="Print the whole summary as JSON instead of the table.")
        ] = False,
        questions: Annotated[
            list[Path] | None,
            typer.Option(
                "--questions",
                help="A question set of your own (.json, or .py in a held-out module's layout, see "
                "shopmind.demo.assistant_heldout21), filled from the demo shop and scored as the set "
                "'file:NAME', never learnt from; may be given more than once. Only these files are "
                "scored unless --with-built-in-sets is given.",
            ),
        ] = None,
        with_built_in: Annotated[
            bool,
            typer.Option(
                "--with-built-in-sets",
                help="With --questions: also answer and score the project's own labelled sets (every "
                "held-out set included) beside your files.",
            ),
        ] = False,
    ) -> None:
        """The shop assistant on the demo shop's labelled questions (intent, slots, grounded
        facts, unsupported facts, hand-offs, policy Recall@3 vs BM25, order validation).

        Prints the headline figures per labelled set beside the goals; the full report (every
        miss, per-language and multi-part figures) is written to assistant_eval.json in
        <workspace>/evaluation (the evaluation dashboard shows it) or in --out.

        Example with a set of your own (its lists as JSON, order ids and products filled from the shop;
        only your set is answered and scored, the assistant still learns from the built-in sets):
            shopmind evaluate assistant --questions my_set.json"""
        from shopmind.assistant.evaluate import build_demo, evaluate, write_report
        from shopmind.cli.common import UsageError, fail, writable_folder

        if intent_encoder not in ("none", "e5"):
            raise fail(f"--intent-encoder must be 'none' or 'e5', not {intent_encoder!r}")
        out_given = out is not None
        out = out or evaluation_folder(workspace)
        try:  # before the demo shop is built (a minute), not a traceback after it
            writable_folder(out, "--out")
        except UsageError as exc:
            raise fail(str(exc)) from None
        enc = None if intent_encoder == "none" else intent_encoder
        extra = _question_sets(questions or [], fail)
        status = Console(stderr=True)  # progress on stderr: stdout stays the table or the JSON
        with status.status(f"building the demo shop and its assistant (seed {seed}, {products} products)"):
            demo = build_demo(seed=seed, n_products=products, n_users=users, days=days, intent_encoder=enc, extra_sets=extra)  # fmt: skip
        # a set of one's own is scored alone: the built-in held-out sets stay unseen
        if extra and not with_built_in:
            demo.questions = [q for q in demo.questions if str(q.get("set", "")).startswith("file:")]
        with status.status(f"answering {len(demo.questions)} labelled questions"):
            result = evaluate(demo)
        result["intent_encoder"] = enc
        result["kind"] = "assistant"  # for /v1/evaluation, which reads every JSON of the folder
        path = write_report(
            result, out, "assistant_eval.json" if enc is None else f"assistant_eval_{enc}.json"
        )
        summary = {k: v for k, v in result.items() if k != "failures"}
        if as_json:
            console.print_json(json.dumps(summary, ensure_ascii=False))
        else:
            from shopmind.cli.listing import table_console  # here: shopmind.cli imports this module

            table_console().print(headline(summary))
            recall = summary.get("policy_recall_at_3") or {}
            if recall:
                console.print(
                    f"policy Recall@3: ours {recall['ours']:.3f}, bm25s {recall['bm25s']:.3f} "
                    f"({recall['questions']} questions; goal >= 0.95)"
                )
                for name, part in (recall.get("by_set") or {}).items():  # a set of your own, said alone
                    if name.startswith("file:"):
                        console.print(
                            f"policy Recall@3 on {name}: ours {part['ours']:.3f}, bm25s {part['bm25s']:.3f} "
                            f"({part['questions']} questions)"
                        )
        console.print(f"{len(result['failures'])} questions with a miss (listed in {path})")  # type: ignore[arg-type]
        say_where_the_shop_is(workspace, out_given, lambda line: status.print(line, markup=False))
