"""The event store: its protocol, the SQLite backend, the hash chain and LedgerStore."""
