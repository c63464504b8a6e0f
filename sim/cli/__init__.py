"""The `isr-sim` command: argument parsing and exit codes (main.py), one module per command
(run, sweep, view, exercise), the --set value syntax and the --max-* limits (set_values.py,
limits.py). The only layer that prints to the terminal besides the window and the bench.
"""
