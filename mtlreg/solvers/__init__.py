"""Solvers: each takes a Problem and a starting point and returns a result dict."""

from .bcd import bcd
from .bcd import supports as bcd_supports
from .cg import cg
from .cg import supports as cg_supports
from .fista import fista
from .prox_newton import prox_newton
from .prox_newton import supports as prox_newton_supports

SOLVERS = {"fista": fista, "bcd": bcd, "cg": cg, "prox_newton": prox_newton}
SUPPORTS = {
    "fista": lambda problem: True,
    "bcd": bcd_supports,
    "cg": cg_supports,
    "prox_newton": prox_newton_supports,
}


def choose(problem):
    """The fastest solver that applies: coordinate descent, CG, proximal Newton, FISTA."""
    for name in ("bcd", "cg", "prox_newton", "fista"):
        if SUPPORTS[name](problem):
            return name


__all__ = [
    "SOLVERS",
    "SUPPORTS",
    "bcd",
    "bcd_supports",
    "cg",
    "cg_supports",
    "choose",
    "fista",
    "prox_newton",
    "prox_newton_supports",
]
