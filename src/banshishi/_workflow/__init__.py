"""The two workflows, their checks and effects, the bulk engine, the ledgers,
replay and the sweep."""
