"""Solvers: each takes a Problem and a starting point and returns a result dict."""

from .bcd import bcd
from .bcd import supports as bcd_supports
from .fista import fista

SOLVERS = {"fista": fista, "bcd": bcd}

__all__ = ["SOLVERS", "bcd", "bcd_supports", "fista"]
