"""Periods, report rows, periodic reports and their outputs."""
