"""The world a scenario happens in, with no platform in it: the Earth's shape and distances,
the geography (border, coasts, airspace, territorial sea), the equal-area grid of cells,
and the environment (daylight, clouds, terrain line of sight). Imports only sim's foundation.
"""
