"""The `isr-sim` command: argument parsing and exit codes (main.py), one module per command
(run, sweep, view, exercise) and the --set value syntax (set_values.py). The only layer that
prints to the terminal besides the window and the bench.
"""
