"""Datasets: synthetic multi-task problems with known structure."""

from ._synthetic import make_multitask_classification, make_multitask_regression

__all__ = ["make_multitask_classification", "make_multitask_regression"]
