"""Order of the gallery: from the first fit to the specialised topics."""

ORDER = [
    "quickstart.py",
    "plot_regularization_path.py",
    "plot_l21_vs_lasso_support.py",
    "plot_trace_norm_singular_values.py",
    "plot_hyperparameter_search.py",
    "plot_missing_targets.py",
    "plot_classification.py",
    "plot_reproduce_other_libraries.py",
]


class ExampleOrder:
    """Sort key for sphinx-gallery: listed examples first, in ORDER; others after, by name."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        if filename in ORDER:
            return (ORDER.index(filename), filename)
        return (len(ORDER), filename)

    def __repr__(self):
        # sphinx-gallery records the key in its output; keep it stable between builds
        return "ExampleOrder"
