"""The run limits given on the command line, --max-memory and --max-work, as numbers (the
engine's defaults when absent); a value that does not read is a located ScenarioError.
"""
from __future__ import annotations

import math

from sim.errors import Problem, ScenarioError


def max_memory_bytes(args) -> float:
    """--max-memory as bytes (default: the budget's), or a located ScenarioError."""
    from sim import memory
    text = getattr(args, "max_memory", None)
    if text is None:
        return memory.DEFAULT_LIMIT_BYTES
    try:
        return memory.parse_size(text)
    except ValueError as error:
        raise ScenarioError(Problem("--max-memory", 0, 0, "", repr(text), str(error),
                                    "write a size such as 8GiB or 500MiB")) from None


def max_work(args) -> float:
    """--max-work as a number of evaluations (default: the budget's), or a located error."""
    from sim.engine import budget
    text = getattr(args, "max_work", None)
    if text is None:
        return budget.DEFAULT_WORK_LIMIT
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ScenarioError(Problem("--max-work", 0, 0, "", repr(text),
                                    "not a positive number of evaluations",
                                    "write a number such as 1e11"))
    return value
