"""``python -m pipeline`` is the ``sohoa`` command."""

from pipeline.cli import main

main()
