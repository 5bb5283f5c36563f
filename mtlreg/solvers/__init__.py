"""Solvers: each takes a Problem and a starting point and returns a result dict."""

from .bcd import bcd
from .bcd import supports as bcd_supports
from .cg import cg
from .cg import supports as cg_supports
from .fista import fista

SOLVERS = {"fista": fista, "bcd": bcd, "cg": cg}
SUPPORTS = {"fista": lambda problem: True, "bcd": bcd_supports, "cg": cg_supports}


def choose(problem):
    """The fastest solver that applies: coordinate descent, then CG, then FISTA."""
    for name in ("bcd", "cg", "fista"):
        if SUPPORTS[name](problem):
            return name


__all__ = ["SOLVERS", "SUPPORTS", "bcd", "bcd_supports", "cg", "cg_supports", "choose", "fista"]
