"""Benchmarks: figures of the project's way against a naive baseline, measured in the same run."""
