"""Masking of personal data and the public disclosure lists."""
