"""Measurements behind BENCHMARKS.md, callable from ``thamani bench`` and ``benchmarks/``."""
