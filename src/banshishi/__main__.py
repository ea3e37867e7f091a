"""``python -m banshishi``: print the demo report for the built-in example ledger."""

from ._demo import main

main()
