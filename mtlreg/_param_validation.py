"""A small declarative parameter check, in the spirit of scikit-learn's.

scikit-learn's own machinery is private API; this is the part we need.
Each estimator lists ``_parameter_constraints = {name: [constraint, ...]}``
and a value is valid when any constraint accepts it.
"""

from numbers import Integral, Real

import numpy as np


class InvalidParameterError(ValueError, TypeError):
    """Raised when a constructor parameter has a wrong type or value."""


class Interval:
    def __init__(self, kind, left, right, closed="both"):
        self.kind, self.left, self.right, self.closed = kind, left, right, closed

    def accepts(self, value):
        if isinstance(value, bool) or not isinstance(value, self.kind):
            return False
        if self.kind is Real and not np.isfinite(value):
            return False
        lo_ok = self.left is None or (
            value >= self.left if self.closed in ("left", "both") else value > self.left
        )
        hi_ok = self.right is None or (
            value <= self.right if self.closed in ("right", "both") else value < self.right
        )
        return lo_ok and hi_ok

    def __str__(self):
        kind = "an int" if self.kind is Integral else "a float"
        lb = "[" if self.closed in ("left", "both") else "("
        rb = "]" if self.closed in ("right", "both") else ")"
        lo = "-inf" if self.left is None else self.left
        hi = "inf" if self.right is None else self.right
        return f"{kind} in the range {lb}{lo}, {hi}{rb}"


class Options:
    def __init__(self, *options):
        self.options = options

    def accepts(self, value):
        return isinstance(value, str) and value in self.options

    def __str__(self):
        return "a str among " + ", ".join(repr(o) for o in self.options)


class Boolean:
    def accepts(self, value):
        return isinstance(value, (bool, np.bool_))

    def __str__(self):
        return "a bool"


class ArrayLike:
    def accepts(self, value):
        return hasattr(value, "__len__") and not isinstance(value, str)

    def __str__(self):
        return "an array-like"


class NoneValue:
    def accepts(self, value):
        return value is None

    def __str__(self):
        return "None"


def validate_params(estimator):
    # attributes, not get_params(): its signature inspection cost ~0.3 ms a fit,
    # a tenth of a small fit
    for name, constraints in estimator._parameter_constraints.items():
        value = getattr(estimator, name)
        if any(c.accepts(value) for c in constraints):
            continue
        allowed = " or ".join(str(c) for c in constraints)
        raise InvalidParameterError(
            f"The {name!r} parameter of {type(estimator).__name__} must be {allowed}. "
            f"Got {value!r} instead."
        )
