"""The simulated campaign behind ``banshishi demo``."""
