"""Command help that reads as prose in a terminal of any width.

Typer (0.29, rich mode) keeps every single line break of a docstring's later paragraphs and
also wraps them to the terminal, so a docstring wrapped at 100 columns prints as ragged
half-lines in an 80-column `--help`. The fix belongs to the help text, not to the library:
each command's and group's help is unwrapped once, after registration — lines of a paragraph
are joined with a space — except paragraphs that are laid out on purpose (lists, indented
examples, click's ``\\b`` marker), which keep their breaks.
"""

from __future__ import annotations

import inspect
import re

import typer

_LAID_OUT = re.compile(r"^(\s+\S|[-*•]\s|\d+[.)]\s|\\b)")


def unwrap(text: str) -> str:
    """``text`` with each paragraph's lines joined; lists, indented lines and ``\\b`` blocks kept."""
    paragraphs = inspect.cleandoc(text).split("\n\n")
    out: list[str] = []
    for para in paragraphs:
        lines = para.split("\n")
        if any(_LAID_OUT.match(line) for line in lines):
            out.append(para)
        else:
            out.append(" ".join(line.strip() for line in lines if line.strip()))
    return "\n\n".join(out)


#: One or two ways to call each command, shown at the end of its --help under "Example:" (a new
#: user's first question after "what does it do" is "what do I type"); each is parsed against the
#: command's own options by tests/test_cli_examples.py, so a renamed flag cannot leave one stale.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "demo-data": ("shopmind demo-data --out demo-shop --seed 42",),
    "formats": ("shopmind formats",),
    "checks": ("shopmind checks",),
    "ingest": (
        "shopmind ingest demo-shop",
        "shopmind ingest my_orders.csv --format table --mapping my_orders.toml --config gate.toml",
    ),
    "runs": ("shopmind runs --limit 5",),
    "quarantine": ("shopmind quarantine --code EVT_USER_MISSING --limit 20",),
    "mapping": ("shopmind mapping my_orders.csv --out my_orders.toml",),
    "build": ("shopmind build --config shop.toml",),
    "releases": ("shopmind releases",),
    "rollback": ("shopmind rollback",),
    "serve": ("shopmind serve --config shop.toml --workers 2",),
    "demo": ("shopmind demo", "shopmind demo --dataset online-retail --no-serve"),
    "forget": ("shopmind forget CUSTOMER-42 --yes",),
    "forecast": ("shopmind forecast --top 20 --csv reorder.csv", "shopmind forecast --product P00009"),
    "keys add": ("shopmind keys add my-backend --scope write",),
    "keys list": ("shopmind keys list",),
    "keys revoke": ("shopmind keys revoke KEY-ID",),
    "live quarantine": ("shopmind live quarantine --json",),
    "live purge": ("shopmind live purge --code EVT_ITEM_UNKNOWN --yes",),
    "experiments validate": ("shopmind experiments validate exp.toml",),
    "experiments add": ("shopmind experiments add exp.toml",),
    "experiments start": ("shopmind experiments start NAME",),
    "experiments stop": ("shopmind experiments stop NAME",),
    "experiments list": ("shopmind experiments list",),
    "experiments readout": ("shopmind experiments readout NAME --primary conversion",),
    "pricing suggest": ("shopmind pricing suggest orders.csv.gz --format online-retail --out prices/",),
    "ads list": ("shopmind ads list",),
    "ads create": ("shopmind ads create campaigns.toml",),
    "ads pause": ("shopmind ads pause CAMPAIGN-ID",),
    "ads resume": ("shopmind ads resume CAMPAIGN-ID",),
    "ads settings": ("shopmind ads settings --config shop.toml --enable",),
    "ads demo": ("shopmind ads demo",),
    "tune recs": ("shopmind tune recs orders.csv.gz --format online-retail --config shop.toml --minutes 10",),
    "tune search": (
        "shopmind tune search products-folder --format home-depot --config shop.toml --minutes 10",
    ),
    "evaluate search": ("shopmind evaluate search ../shared/data/home-depot --format home-depot",),
    "evaluate recs": (
        "shopmind evaluate recs ../shared/data/online-retail/online_retail.csv.gz --format online-retail",
    ),
    "evaluate assistant": ("shopmind evaluate assistant",),
    "evaluate forecast": (
        "shopmind evaluate forecast ../shared/data/online-retail --format online-retail --grain week",
    ),
}


def _with_example(text: str, path: str) -> str:
    """``text`` with the command's examples appended (none: unchanged)."""
    lines = EXAMPLES.get(path)
    if not lines:
        return text
    block = "Example:\n" + "\n".join(f"    {line}" for line in lines)
    return f"{text}\n\n{block}" if text else block


def unwrap_help(app: typer.Typer, _path: str = "") -> None:
    """Unwrap the help of every command and group registered on ``app``, recursively.

    Explicit ``help=`` texts and docstrings alike; a text after click's ``\\f`` marker (hidden
    from help) is left as it is.
    """
    for command in app.registered_commands:
        text = command.help if isinstance(command.help, str) else inspect.getdoc(command.callback)
        name = command.name or (command.callback.__name__.replace("_", "-") if command.callback else "")
        if text:
            shown, marker, hidden = text.partition("\f")
            command.help = _with_example(unwrap(shown), f"{_path}{name}") + marker + hidden
    for group in app.registered_groups:
        if isinstance(group.help, str) and group.help:
            group.help = unwrap(group.help)
        if group.typer_instance is not None:
            instance_help = group.typer_instance.info.help
            if isinstance(instance_help, str) and instance_help:
                group.typer_instance.info.help = unwrap(instance_help)
            unwrap_help(group.typer_instance, f"{_path}{group.name or group.typer_instance.info.name} ")
