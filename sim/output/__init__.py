"""A result as people and programs read it: text tables, JSON and CSV (report.py), maps
(map_figure.py, map_geometry.py), the self-contained HTML report (html.py), and the safe
writing of every output file (files.py). Reads results; never runs the engine itself.
"""
