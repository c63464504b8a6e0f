"""What flies and what it sees: each platform's ground track in time (racetracks, loiters,
routes, orbits; motion.py) and its sensors' reach (horizon, slant range, cones, swaths;
sensors.py). Imports the world and the foundation, never the engine or a front end.
"""
