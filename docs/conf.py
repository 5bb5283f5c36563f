"""Sphinx configuration of the mtlreg documentation.

Build from the repository root (the gallery examples run during the build)::

    pip install ".[docs]"
    python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

import sys
from pathlib import Path

import matplotlib

# the gallery runs the examples in this process, where there is no display
matplotlib.use("Agg")
DOCS = Path(__file__).resolve().parent
# the checkout's package, not some other installed copy, is the one documented
sys.path.insert(0, str(DOCS.parent))
# the gallery's sort key lives beside this file
sys.path.insert(0, str(DOCS))

import mtlreg  # noqa: E402

project = "mtlreg"
author = "the mtlreg developers"
copyright = "the mtlreg developers"
version = release = mtlreg.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build"]
default_role = "literal"

# API pages: one page per public object, generated from the docstrings at build time
autosummary_generate = True
autodoc_typehints = "none"
# numpydoc would list every method again under the class; the template lists them once
numpydoc_show_class_members = False

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # every example runs, not only plot_*.py: the gallery is the examples' test
    "filename_pattern": r"\.py$",
    "within_subsection_order": "_gallery_order.ExampleOrder",
    "doc_module": ("mtlreg",),
    "backreferences_dir": "generated/backreferences",
    "reference_url": {"mtlreg": None},
    "remove_config_comments": True,
}

html_theme = "pydata_sphinx_theme"
html_title = f"mtlreg {release}"
html_show_sourcelink = False
html_theme_options = {
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": ["page-toc"],
}
html_context = {"default_mode": "light"}

