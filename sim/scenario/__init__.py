"""Scenario files -> the checked Scenario of sim/schema.py: the one safe YAML reader, located
field checks, the sections, platforms, tracks and sensors, --set overrides, the platform
catalog, and the checks and warnings that need the tracks (load.py runs them in order).
"""
