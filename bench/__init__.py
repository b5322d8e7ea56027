"""Benchmarks: chat load through a real `hearth serve`, prompt building cost."""
