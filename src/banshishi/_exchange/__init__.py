"""Ledger files (CSV, XLSX), Open311 and the JSON Schema of the records."""
