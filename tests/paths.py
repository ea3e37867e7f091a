"""Where the tests find the project's own files, from whichever folder a test sits in.

Import it as ``paths`` (like ``strategies``): ``tests/`` is on ``sys.path`` for
every test, because ``tests/conftest.py`` sits in it.
"""

from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
DOCS = ROOT / "docs"
DATA = TESTS / "data"  # files kept for the tests: old ledgers, published Open311 feeds
