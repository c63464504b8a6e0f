"""The package's version: its one home (pyproject.toml reads it from here, `sim.__version__`
and `isr-sim --version` repeat it)."""
__version__ = "0.1.0"
