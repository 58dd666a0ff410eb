"""Benchmarks: run by hand (`make bench`), they print figures; never timed tests."""
