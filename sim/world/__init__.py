"""The world a scenario happens in, with no platform in it: the Earth, the geography (border,
coasts, airspace), the equal-area grid of cells, and what hides cells from a sensor: daylight,
clouds, terrain (line of sight). Imports only sim's foundation.
"""
