"""Facts about records and the rates, breakdowns, summary lines, scores and
rankings built on them."""
