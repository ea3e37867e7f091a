"""What systems that import banshishi test themselves with: hypothesis strategies,
a frozen clock, the store conformance suite and a pytest plugin."""
