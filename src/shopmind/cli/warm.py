"""A ``shopmind`` command started before its input exists, its imports done while it waits.

Why: ``shopmind demo`` runs the ingest and the build in child processes (so the serving process
keeps a small heap, issue 18 item 16). Each child spent ~3 s importing polars, DuckDB, scipy
and the gate before doing any work — on the path to the first search (issue 17). Started
early, a child imports on the idle core while the parent generates the demo shop, then runs
the moment it is told ``go``; told nothing (the parent failed or died), it exits quietly.

``python -m shopmind.cli.warm [--log FILE] [--hold] MODULE... -- ARGS...`` imports each MODULE
(``module:function`` also calls ``function()``),
waits for one line on stdin, and runs ``shopmind ARGS...`` when the line is ``go`` (its output into
FILE, opened only then: a command that never runs writes nothing anywhere). ``--hold``: the imports
themselves wait for a first line (``import``, or ``go``): a child whose command comes late (the
demo's build, after generation and ingest) starts its imports when a core is free for them instead
of beside the generation that everything waits on.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

#: what ``shopmind ingest`` spends its start-up on (the gate, its checks, the store)
INGEST_MODULES = ("shopmind.cli", "shopmind.engine.run", "shopmind.quality.gate", "shopmind.store.store")
#: what ``shopmind build`` spends its start-up on (the release, search and recommendation code)
BUILD_MODULES = (
    "shopmind.cli",
    "shopmind.release.build",
    "shopmind.release.components",
    "shopmind.search.engine",
    "shopmind.recommend.service",
    # and its child process for the recommendations, importing meanwhile (``prewarm_child``)
    "shopmind.release.children:prewarm_child",
)


#: the exit status of a child stopped by Ctrl-C (128 + SIGINT, what ``shopmind`` itself exits with)
INTERRUPTED_EXIT = 130


class Prewarmed:
    """A child ``shopmind`` command, importing while it waits for :meth:`go`."""

    def __init__(
        self,
        args: Sequence[str],
        modules: Sequence[str],
        log: Path | None = None,
        preexec_fn: Callable[[], None] | None = None,
        hold: bool = False,
    ) -> None:
        cmd = [sys.executable, "-m", "shopmind.cli.warm"]
        cmd += ["--log", str(log)] if log is not None else []
        cmd += ["--hold"] if hold else []
        cmd += [*modules, "--", *args]
        self.held = hold
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, preexec_fn=preexec_fn)

    def start_imports(self) -> None:
        """A held child (``hold=True``) starts importing now; a no-op otherwise or once done."""
        if self.held and self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.write(b"import\n")
            self.proc.stdin.flush()
            self.held = False

    def go(self) -> subprocess.Popen[bytes]:
        """Start the command (the child may still be importing: it starts when done)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.close()
        return self.proc

    def cancel(self) -> None:
        """The command is not needed after all: the child exits without running it."""
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # pragma: no cover - a hung import
            self.proc.kill()
            self.proc.wait()


def run(argv: Sequence[str]) -> int:
    """The child's side: import, wait for ``go``, run the command; its exit code."""
    if "--" not in argv:
        print("usage: python -m shopmind.cli.warm MODULE... -- ARGS...", file=sys.stderr)
        return 2
    argv = list(argv)
    log = None
    if argv[:1] == ["--log"]:
        log, argv = argv[1], argv[2:]
    held = argv[:1] == ["--hold"]
    argv = argv[1:] if held else argv
    cut = argv.index("--")
    modules, args = argv[:cut], argv[cut + 1 :]
    try:  # Ctrl-C reaches the whole process group: before its command a child ends without a word
        line = sys.stdin.readline().strip() if held else "import"
        if line not in ("import", "go"):
            return 0  # the parent gave up before even the imports were wanted
        for name in modules:  # "module:function" also calls the function (it starts more warming)
            module, _, function = name.partition(":")
            loaded = importlib.import_module(module)
            if function:
                getattr(loaded, function)()
        if line != "go" and sys.stdin.readline().strip() != "go":
            return 0  # the parent gave up before this command was needed
    except KeyboardInterrupt:  # was a traceback under the demo's "interrupted" line
        return INTERRUPTED_EXIT
    if log is not None:
        Path(log).parent.mkdir(parents=True, exist_ok=True)
        with open(log, "w", encoding="utf-8") as f:
            sys.stdout.flush()
            os.dup2(f.fileno(), 1)
            os.dup2(f.fileno(), 2)
    sys.argv = [str(Path(sys.argv[0]).with_name("shopmind")), *args]
    from shopmind.cli import main

    try:
        main(say_interrupted=False)  # the demo says "interrupted" once, for all its processes
    except SystemExit as exc:  # typer ends every command with SystemExit
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
