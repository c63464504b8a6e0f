"""Packages, package data and the compiled modules; the rest of the metadata is in
pyproject.toml.

Data: the top-level assets/ and scenarios/ directories are installed as the packages
sim.assets and sim.scenarios, and the pages of docs/ as sim.docs (package_dir maps them), so a wheel, `pip install .` and an
editable install all carry them and sim/paths.py finds them with importlib.resources.

Compiled modules (Cython), all optional: sim.world._terrain_los (terrain line of sight),
sim.engine._sweep (coverage sums), sim.engine._arcs (access intervals along arcs), sim.platforms._orbit (orbit
states for the satellite refinement) and sim.engine._expand (kept lap copies, compressed). When
they cannot be built (no C compiler or Python headers), the install still succeeds with a
warning and the package runs their numpy twins (beside each .pyx, chosen by sim/loops.py),
the pattern PyYAML uses for its C extension.
"""
import sys

from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext
from setuptools.errors import CCompilerError, ExecError, PlatformError

DATA_PACKAGES = {"sim.assets": "assets", "sim.scenarios": "scenarios", "sim.docs": "docs"}
# Every kind of file under assets/ and scenarios/ (a test checks the wheel holds them all).
DATA_FILES = {"sim.assets": ["NOTICE", "*.yaml", "**/*.npz", "**/*.yaml"],
              "sim.scenarios": ["*.md", "**/*.md", "**/*.yaml"],
              "sim.docs": ["*.md"]}   # the pages the HTML report embeds, not the pictures
# Each loop sits beside the module it serves (sim/loops.py lists them).
LOOPS = ("sim.world._terrain_los", "sim.engine._sweep", "sim.engine._arcs", "sim.platforms._orbit",
         "sim.engine._expand")
BUILD_ERRORS = (CCompilerError, ExecError, PlatformError, OSError)


def _warn(what: str, error: Exception) -> None:
    print(f"WARNING: isr-sim: {what} ({type(error).__name__}: {error}); the package will use "
          "the numpy versions of its loops (same results, slower). Install a C compiler and "
          "the Python headers and reinstall to get the compiled ones.", file=sys.stderr)


class OptionalBuildExt(build_ext):
    """build_ext where a failed compile is a warning, not a failed install."""

    def run(self):
        try:
            super().run()
        except BUILD_ERRORS as error:
            _warn("cannot build the compiled loops", error)

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except BUILD_ERRORS as error:
            _warn(f"cannot build {ext.name}", error)


def _extensions() -> list:
    try:
        from Cython.Build import cythonize
    except ImportError as error:   # pip installs Cython for the build (pyproject.toml)
        _warn("Cython is not available", error)
        return []
    extensions = cythonize([Extension(name, [name.replace(".", "/") + ".pyx"],
                                      extra_compile_args=["-O3"]) for name in LOOPS],
                           language_level=3)
    for ext in extensions:
        # setuptools then skips a module that was not built when it copies the built
        # modules beside the sources (editable installs), instead of failing there
        ext.optional = True
    return extensions


setup(
    packages=find_packages(include=["sim", "sim.*"]) + list(DATA_PACKAGES),
    package_dir=DATA_PACKAGES,
    package_data=DATA_FILES,
    include_package_data=False,
    ext_modules=_extensions(),
    cmdclass={"build_ext": OptionalBuildExt})
