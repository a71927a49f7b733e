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


def unwrap_help(app: typer.Typer) -> None:
    """Unwrap the help of every command and group registered on ``app``, recursively.

    Explicit ``help=`` texts and docstrings alike; a text after click's ``\\f`` marker (hidden
    from help) is left as it is.
    """
    for command in app.registered_commands:
        text = command.help if isinstance(command.help, str) else inspect.getdoc(command.callback)
        if text:
            shown, marker, hidden = text.partition("\f")
            command.help = unwrap(shown) + marker + hidden
    for group in app.registered_groups:
        if isinstance(group.help, str) and group.help:
            group.help = unwrap(group.help)
        if group.typer_instance is not None:
            instance_help = group.typer_instance.info.help
            if isinstance(instance_help, str) and instance_help:
                group.typer_instance.info.help = unwrap(instance_help)
            unwrap_help(group.typer_instance)
