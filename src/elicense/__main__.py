"""``python -m elicense``: the ``elicense`` command."""

import sys

from elicense.cli import main

sys.exit(main())
