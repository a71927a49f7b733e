"""``assistant`` command for the evaluation sub-app (wired as ``shopmind evaluate assistant``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()


def register(app: typer.Typer) -> None:
    """Add the ``assistant`` command to ``app``."""

    @app.command("assistant")
    def assistant(
        seed: Annotated[int, typer.Option(help="Demo shop seed.")] = 42,
        products: Annotated[int, typer.Option(min=50, help="Demo catalog size.")] = 3000,
        users: Annotated[int, typer.Option(min=20, help="Demo shoppers.")] = 1500,
        days: Annotated[int, typer.Option(min=2, help="Days of demo events.")] = 60,
        out: Annotated[Path, typer.Option(help="Folder for assistant_eval.json.")] = Path(
            "shopmind-data/reports"
        ),
        intent_encoder: Annotated[
            str, typer.Option(help="'none', or 'e5': the intent model also reads e5 sentence vectors.")
        ] = "none",
    ) -> None:
        """The shop assistant on the demo shop's labelled questions (intent, slots, grounded
        facts, unsupported facts, hand-offs, policy Recall@3 vs BM25, order validation)."""
        from shopmind.assistant.evaluate import build_demo, evaluate, write_report
        from shopmind.cli.common import fail

        if intent_encoder not in ("none", "e5"):
            raise fail(f"--intent-encoder must be 'none' or 'e5', not {intent_encoder!r}")
        enc = None if intent_encoder == "none" else intent_encoder
        demo = build_demo(seed=seed, n_products=products, n_users=users, days=days, intent_encoder=enc)
        result = evaluate(demo)
        result["intent_encoder"] = enc
        path = write_report(
            result, out, "assistant_eval.json" if enc is None else f"assistant_eval_{enc}.json"
        )
        summary = {k: v for k, v in result.items() if k != "failures"}
        console.print_json(json.dumps(summary, ensure_ascii=False))
        console.print(f"{len(result['failures'])} questions with a miss (listed in {path})")  # type: ignore[arg-type]
