"""The demo's child processes (``shopmind demo``, cli/demo.py): the shop generator, the pre-warmed ingest
and build, the small evaluation after the build, and what makes each die with the demo.

Children are started before the demo process has a second thread (``preexec_fn`` is not safe beside
threads); each gets SIGTERM when the demo dies, however it dies.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from shopmind.cli.common import console


def _terminate_as_interrupt() -> None:
    """SIGTERM ends the demo like Ctrl-C (children stopped, the server's logs written); uvicorn
    did this itself when it ran in the main thread."""

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, handler)


def _start_generator(out_dir: Path, products: int, users: int, days: int) -> subprocess.Popen[bytes]:
    """``shopmind demo-data``'s files written by a child process, running at once (its table goes
    to this terminal). A child, not this process: the server imports and starts here meanwhile;
    ``shopmind.demo.shopfiles``, not the CLI: ~1 s fewer imports on the path to the first search."""
    cmd = [sys.executable, "-m", "shopmind.demo.shopfiles", "--out", str(out_dir), "--seed", "42",
           "--products", str(products), "--users", str(users), "--days", str(days), "--defect-rate", "0.02"]  # fmt: skip
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)


def _install_assistant_knowledge(src: Path, dst: Path) -> None:
    """The demo's orders and policy documents where ``POST /v1/assistant`` reads them."""
    import shutil

    if not src.is_dir():
        return
    (dst / "policies").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src / "orders.parquet", dst / "orders.parquet")
    for doc in (src / "policies").glob("*.md"):
        shutil.copyfile(doc, dst / "policies" / doc.name)


def _prewarm_ingest(source: Path, fmt: str | None, workspace: Path, config: Path | None, data: Path) -> Any:
    """``shopmind ingest`` in a child process (started early, see ``cli/warm.py``), printing to
    this terminal.

    Why a child: the gate over ~150k demo events (DuckDB, scipy.stats, the batch itself) leaves
    a few hundred MB in a process's allocator after it is done; the demo process then serves
    for hours, so it must not be the one that ingested (issue 18 item 16)."""
    from shopmind.cli.warm import INGEST_MODULES, Prewarmed

    args = ["ingest", str(source), "--workspace", str(workspace), "--data-root", str(data)]
    if fmt is not None:
        args += ["--format", fmt]
    if config is not None:
        args += ["--config", str(config)]
    return Prewarmed(args, INGEST_MODULES, preexec_fn=_die_with_parent)


def _prewarm_build(workspace: Path, config: Path | None) -> Any:
    """``shopmind build`` (progressive) in a child process, started early (``cli/warm.py``): its
    first release is served while it computes the text vectors, on the other core. Its output
    goes to ``build.log``; its progress to ``releases/progress.json``, which this process draws."""
    from shopmind.cli.warm import BUILD_MODULES, Prewarmed

    args = ["build", "--workspace", str(workspace)]
    if config is not None:
        args += ["--config", str(config)]
    # held: its imports start with the ingest, not beside the generation everything waits on
    return Prewarmed(args, BUILD_MODULES, log=workspace / "build.log", preexec_fn=_die_with_parent, hold=True)


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the demo process dies, however it dies (a killed demo
    must not leave a build running; its staging folder is removed by the next build)."""
    import contextlib
    import ctypes
    import signal

    # another OS: no prctl; the demo's finally block still terminates the build
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG (Linux)


def _yield_to_server(builder: subprocess.Popen[bytes]) -> None:
    """The first release is out: the build goes on with the text vectors (both cores: its
    encoder and a recs child) while the server loads that release — the first search waits on
    that load, the vectors wait on nothing a shopper sees. So the build runs at a lower priority
    (nice 10, inherited by the processes and threads it starts from now on); on an idle machine
    it still gets every core the server does not use."""
    import contextlib
    import os

    with contextlib.suppress(OSError, AttributeError):  # gone already, or no setpriority here
        os.setpriority(os.PRIO_PROCESS, builder.pid, max(10, os.getpriority(os.PRIO_PROCESS, builder.pid)))


#: The demo's small evaluation: `shopmind evaluate search` (the served engine and plain BM25F on
#: the demo's judgments; relevant = grade >= 2 of the generator's 0-3, so the planted -2/10
#: defects do not stretch the scale) and `evaluate recs` (a time split of its own events, every
#: family but the slow SASRec and the learned ranker). Seconds of CPU on the demo shop.
DEMO_EVALUATIONS = (
    ("search", "--format", "canonical", "--methods", "engine,ours", "--view", "retrieval",
     "--threshold", "2", "--no-progress"),
    ("recs", "--format", "canonical", "--protocol", "time", "--skip", "sasrec,ours-ranker"),
)  # fmt: skip


def _evaluate_demo(workspace: Path, shop: Path) -> None:
    """Run DEMO_EVALUATIONS on the demo shop's files, writing JSON where `/v1/evaluation` reads
    it (``<workspace>/evaluation/``). Child processes at low priority (the server keeps the
    CPU) that die with the demo; output in ``evaluation.log``."""
    import os

    def child() -> None:
        _die_with_parent()
        os.nice(10)

    out = workspace / "evaluation"
    with open(workspace / "evaluation.log", "w", encoding="utf-8") as log:
        for args in DEMO_EVALUATIONS:
            cmd = [sys.executable, "-m", "shopmind.cli", "evaluate", args[0], str(shop), *args[1:]]
            code = subprocess.call(
                [*cmd, "--out", str(out)], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                preexec_fn=child,
            )  # fmt: skip
            if code != 0:
                console.print(f"[red]the demo's {args[0]} evaluation failed (exit {code}); see {log.name}[/]")
                return
    console.print(f"evaluation figures ready: /dashboard/evaluation (files in {out})")
