"""The shipped scenarios, installed as the package sim.scenarios (setup.py maps this
directory into the package; sim/paths.py finds it, e.g. for `isr-sim bench`)."""
