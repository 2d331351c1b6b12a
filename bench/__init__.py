"""Benchmarks and the data generator (see bench/__main__.py)."""
