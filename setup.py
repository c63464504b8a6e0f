"""Packages, package data and the compiled modules; the rest of the metadata is in
pyproject.toml.

Data: the top-level assets/ and scenarios/ directories are installed as the packages
sim.assets and sim.scenarios (package_dir maps them), so a wheel, `pip install .` and an
editable install all carry them and sim/paths.py finds them with importlib.resources.

Compiled modules (Cython): sim._terrain_los (terrain line of sight), sim._sweep (coverage
sums), sim._arcs (access intervals along arcs), sim._orbit (orbit states for the satellite
refinement) and sim._expand (kept lap copies, compressed).
"""
from Cython.Build import cythonize
from setuptools import Extension, find_packages, setup

DATA_PACKAGES = {"sim.assets": "assets", "sim.scenarios": "scenarios"}
# Every kind of file under assets/ and scenarios/ (a test checks the wheel holds them all).
DATA_FILES = {"sim.assets": ["NOTICE", "*.yaml", "**/*.npz", "**/*.yaml"],
              "sim.scenarios": ["*.md", "**/*.md", "**/*.yaml"]}
LOOPS = ("_terrain_los", "_sweep", "_arcs", "_orbit", "_expand")

setup(
    packages=find_packages(include=["sim", "sim.*"]) + list(DATA_PACKAGES),
    package_dir=DATA_PACKAGES,
    package_data=DATA_FILES,
    include_package_data=False,
    ext_modules=cythonize(
        [Extension(f"sim.{name}", [f"sim/{name}.pyx"], extra_compile_args=["-O3"])
         for name in LOOPS],
        language_level=3))
