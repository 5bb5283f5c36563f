"""Datasets: synthetic multi-task problems with known structure."""

from ._synthetic import make_multitask_classification, make_multitask_regression

__all__ = ["make_multitask_classification", "make_multitask_regression"]

# Loaders for real benchmark data (read from the user's copy of the original files)
from ._benchmarks import (  # noqa: E402
    load_computer_survey,
    load_landmine,
    load_parkinsons,
    load_sarcos,
    load_school,
)

__all__ += [
    "load_computer_survey",
    "load_landmine",
    "load_parkinsons",
    "load_sarcos",
    "load_school",
]
