"""``python -m banshishi``: the ``banshishi`` command line."""

import sys

from ._cli.main import main

sys.exit(main())
