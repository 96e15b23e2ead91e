"""``python -m digitnet``: the same as the ``digitnet`` command."""

from digitnet.cli import main

raise SystemExit(main())
