"""Coverage from intervals: when each cell is in view of each sensor (intervals.py, access.py,
terrain_refine.py), laps copied in time (laps.py), figures summed per cell (coverage.py) and
assembled into a Result (figures.py, airspace.py, result.py) by runner.py; budget, stepped oracle.
"""
