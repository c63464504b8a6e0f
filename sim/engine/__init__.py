"""Coverage from intervals: when each cell is inside each sensor's reach (access.py), laps
copied in time (laps.py), the figures summed per cell (coverage.py), the run that puts it
together (runner.py), its memory budget, and the independent time-stepped engine (stepped.py).
"""
