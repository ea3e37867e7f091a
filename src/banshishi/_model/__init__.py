"""The records and their vocabulary: issues, pledges, units, people, evaluations, events."""
