"""Solvers: each takes a Problem and a starting point and returns a result dict."""

from .bcd import bcd
from .bcd import supports as bcd_supports
from .cg import cg
from .cg import supports as cg_supports
from .fista import fista
from .newton_cg import newton_cg
from .newton_cg import supports as newton_cg_supports
from .prox_newton import prox_newton
from .prox_newton import supports as prox_newton_supports

SOLVERS = {
    "fista": fista,
    "bcd": bcd,
    "cg": cg,
    "prox_newton": prox_newton,
    "newton_cg": newton_cg,
}
SUPPORTS = {
    "fista": lambda problem: True,
    "bcd": bcd_supports,
    "cg": cg_supports,
    "prox_newton": prox_newton_supports,
    "newton_cg": newton_cg_supports,
}


def choose(problem):
    """The fastest solver that applies: coordinate descent, CG, proximal Newton, Newton-CG,
    FISTA."""
    for name in ("bcd", "cg", "prox_newton", "newton_cg", "fista"):
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
    "newton_cg",
    "newton_cg_supports",
    "prox_newton",
    "prox_newton_supports",
]
