"""``python -m tabdl``: the command line."""

from tabdl.cli import main

raise SystemExit(main())
