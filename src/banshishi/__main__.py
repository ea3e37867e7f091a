"""``python -m banshishi``: the ``banshishi`` command line."""

import sys

from ._cli import main

sys.exit(main())
