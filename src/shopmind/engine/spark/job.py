"""The shopmind gate as a ``spark-submit`` application: ``shopmind ingest ... --engine spark``.

    spark-submit --master spark://host:7077 job.py <path> --format F --workspace W [--config shop.toml]

The arguments are ``shopmind ingest``'s; the session is the one ``spark-submit`` configured
(master, executor memory, ``--conf``), so the cluster settings live in the submit command.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    """Run ``shopmind ingest <argv> --engine spark`` (exit code as ``ingest``'s)."""
    from shopmind.cli import app
    from shopmind.privacy import private_umask

    args = list(sys.argv[1:] if argv is None else argv)
    if "--engine" in args:
        raise SystemExit("job.py always runs the spark engine; drop --engine")
    private_umask()
    app(["ingest", *args, "--engine", "spark"], prog_name="shopmind-spark-job")


if __name__ == "__main__":
    main()
