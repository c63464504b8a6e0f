"""The data files isr-sim reads at run time, installed as the package sim.assets
(setup.py maps this directory into the package; sim/paths.py finds it)."""
