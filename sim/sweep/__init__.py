"""Sweeps and Monte Carlo: many runs of one scenario over a grid of `--set` values and seeds.

spec (what to run: ranges, lists, seeds, checked before any run), worker (one run, reusing
the World between runs that differ only in platforms), executors (local processes or a Dask
cluster), store (the resumable DIR/results.jsonl), sweep (the loop tying them), summary
(tables and charts of the results).
"""
