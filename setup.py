"""Builds the compiled modules (Cython): sim._terrain_los (terrain line of sight),
sim._sweep (coverage sums), sim._arcs (access intervals along arcs), sim._orbit (orbit
states for the satellite refinement) and sim._expand (kept lap copies, compressed). Everything else about the package is in pyproject.toml."""
from Cython.Build import cythonize
from setuptools import Extension, setup

setup(ext_modules=cythonize(
    [Extension("sim._terrain_los", ["sim/_terrain_los.pyx"], extra_compile_args=["-O3"]),
     Extension("sim._sweep", ["sim/_sweep.pyx"], extra_compile_args=["-O3"]),
     Extension("sim._arcs", ["sim/_arcs.pyx"], extra_compile_args=["-O3"]),
     Extension("sim._orbit", ["sim/_orbit.pyx"], extra_compile_args=["-O3"]),
     Extension("sim._expand", ["sim/_expand.pyx"], extra_compile_args=["-O3"])],
    language_level=3))
