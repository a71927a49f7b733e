"""Terminal tables that never cut an identifier, at any terminal width.

Rich shrinks every column of a table that does not fit and ends cells with "…", which cut run ids,
release ids and check codes that a user then has to type back (issue 18). A ``Listing`` declares
what each column holds: identifiers and short tokens are never wrapped or cut, prose wraps. When
the terminal is too narrow even for that, it prints each row as ``name value`` pairs on a few lines
instead (continuation lines indented). Cells are plain text (no rich markup), so a ``[`` in a product title prints as itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

Kind = Literal["id", "word", "num", "text"]
GAP = 2  # spaces between columns
INDENT = 2  # continuation lines of a record
TEXT_MIN = 20  # prose squeezed narrower than this reads worse than records


@dataclass
class Listing:
    """Rows to print as a table; ``columns`` are ``(header, kind)`` pairs.

    Kinds: ``id`` (run/release ids, codes: always whole, on one line), ``word`` (short tokens
    such as a status or table name: kept on one line), ``num`` (the same, right-aligned) and
    ``text`` (prose and paths: wraps, long words fold).
    """

    columns: list[tuple[str, Kind]]
    title: str | None = None
    rows: list[list[str]] = field(default_factory=list)

    def add(self, *values: object) -> None:
        """Add a row; ``None`` shows as empty."""
        if len(values) != len(self.columns):
            raise ValueError(f"row has {len(values)} values for {len(self.columns)} columns")
        self.rows.append(["" if v is None else str(v) for v in values])

    def print(self, console: Console) -> None:
        """Print as a table if every id and token fits whole at the console's width, else as records."""
        values = self._value_widths()
        headers = [cell_len(h) for h, _ in self.columns]
        kept = [k != "text" for _, k in self.columns]
        gaps = GAP * (len(self.columns) - 1)
        prose = sum(min(v, TEXT_MIN) for v, keep in zip(values, kept, strict=True) if not keep)
        roomy = sum(max(v, h) for v, h, keep in zip(values, headers, kept, strict=True) if keep)
        tight = sum(max(v, -(-h // 2)) for v, h, keep in zip(values, headers, kept, strict=True) if keep)
        if self.title:
            console.print(Text(self.title, style="bold"), overflow="fold")
        if roomy + prose + gaps <= console.width:
            console.print(self._table({}))
        elif tight + prose + gaps <= console.width:
            console.print(self._table(self._header_widths(console.width - tight - prose - gaps)))
        else:
            self._print_records(console)

    def _value_widths(self) -> list[int]:
        return [max((cell_len(r[i]) for r in self.rows), default=1) for i in range(len(self.columns))]

    def _header_widths(self, spare: int) -> dict[int, int]:
        """Widths for kept columns whose header is wider than their values: the spare room goes to
        the smallest shortfalls first, so as few headers as possible wrap (onto two lines at most)."""
        values = self._value_widths()
        short = sorted(
            (cell_len(h) - values[i], i)
            for i, (h, kind) in enumerate(self.columns)
            if kind != "text" and cell_len(h) > values[i]
        )
        widths = {}
        for deficit, i in short:
            least = max(values[i], -(-cell_len(self.columns[i][0]) // 2))  # a header wraps to 2 lines at most
            extra = min(values[i] + deficit - least, spare)
            widths[i] = least + extra
            spare -= extra
        return widths

    def _table(self, header_widths: dict[int, int]) -> Table:
        """The table; columns in ``header_widths`` get that fixed width and their header wraps."""
        table = Table(
            box=box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
            padding=(0, GAP - 1, 0, 0),
        )
        for i, (header, kind) in enumerate(self.columns):
            if kind == "text":
                table.add_column(Text(header), overflow="fold")
                continue
            fixed = header_widths.get(i)
            table.add_column(
                Text(header) if fixed is None else Text(header, no_wrap=False, overflow="fold"),
                no_wrap=True,
                width=fixed,  # a fixed width is never shrunk by rich
                justify="right" if kind == "num" else "left",
            )
        for row in self.rows:
            cells = [
                Text(v, no_wrap=True) if kind != "text" else Text(v)
                for v, (_, kind) in zip(row, self.columns, strict=True)
            ]
            table.add_row(*cells)
        return table

    def _print_records(self, console: Console) -> None:
        """Each row as ``header value`` pairs filling the width, continuation lines indented.

        A pair is never split across lines unless it alone is wider than the console; then it
        wraps (long words fold) under the same indent, so nothing is cut at any width.
        """
        room = console.width - INDENT
        for row in self.rows:
            lines: list[str] = []
            for (header, _), value in zip(self.columns, row, strict=True):
                pair = f"{header} {value or '-'}"
                limit = console.width if len(lines) == 1 else room
                if lines and cell_len(lines[-1]) + GAP + cell_len(pair) <= limit:
                    lines[-1] += " " * GAP + pair
                else:
                    lines.append(pair)
            console.print(Text(lines[0], overflow="fold"))
            for line in lines[1:]:
                for part in Text(line).wrap(console, room, overflow="fold"):
                    console.print(Text(" " * INDENT) + part)


def table_console() -> Console:
    """The console a results table is printed on: output that is not a terminal (a log, ``| tee``, CI)
    gets the width the table needs. Why: rich sized it to 80 columns there and cut the names, so a
    maintainer's log read 'ours-r… (serves ours-v…)', 'popula…' and 'recall…' (``evaluate recs``) and
    'file:qs_…', 'unsuppor…' (``evaluate assistant``) (t1e, session 33)."""
    out = Console()
    return out if out.is_terminal else Console(width=max(out.width, 160))
