"""Benchmarks and the synthetic data generator (``bench.generate.generate``); see docs/benchmarks.md."""
