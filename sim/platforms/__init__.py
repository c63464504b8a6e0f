"""What flies and what it sees: each platform's ground track in time (segments.py: legs,
arcs, orbits; tracks.py: racetracks, loiters, routes, transits) and its sensors' reach (horizon, slant range, cones, swaths;
sensors.py). Imports the world and the foundation, never the engine or a front end.
"""
