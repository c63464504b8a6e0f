"""`isr-sim bench`: the performance targets measured against the reference engine in the
same run (main.py), each heavy case in a fresh process (worker.py) so its peak memory is its own.
"""
