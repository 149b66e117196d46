"""Benchmarks run by scripts/bench (figures, not tests)."""
