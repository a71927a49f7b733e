"""``python -m shopmind.cli``: the same as the ``shopmind`` script."""

from shopmind.cli import main

main()
