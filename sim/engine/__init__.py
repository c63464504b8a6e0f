"""Coverage from intervals: when each cell is in view of each sensor (intervals.py, access.py,
terrain_refine.py), laps copied in time (laps.py), figures summed per cell (coverage.py), put in a
Result (figures.py, airspace.py, result.py) by runner.py (interval_cache.py); budget, stepped oracle.
"""
