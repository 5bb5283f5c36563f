"""Adapters: every solver as ``fit(tol) -> (W (d, T), extra)`` on a fixed problem.

Peers are imported lazily; a missing package makes its solver unavailable, never an
error. Each adapter is warmed up once on a tiny problem before any timing, so JIT
compilation (mtlreg and skglm use Numba) stays out of the timings.
"""

import importlib
import inspect
import warnings

import numpy as np
import scipy.sparse as sp

import mtlreg

_REGRESSORS = {
    "lasso": "LassoRegressor",
    "l21": "L21Regressor",
    "trace": "TraceNormRegressor",
    "mean": "MeanRegularizedRegressor",
}
_CLASSIFIERS = {
    "lasso": "LassoClassifier",
    "l21": "L21Classifier",
    "trace": "TraceNormClassifier",
    "mean": "MeanRegularizedClassifier",
}


def cv_estimators(loss):
    """The ``*CV`` estimator class of each penalty key, for ``loss``."""
    import mtlreg.model_selection as ms

    names = _REGRESSORS if loss == "squared" else _CLASSIFIERS
    return {key: getattr(ms, name + "CV") for key, name in names.items()}


def available(name):
    try:
        __import__(name)
        return True
    except Exception:
        return False


def celer_estimator_status():
    """None if celer's MultiTaskLasso estimator works here, else the error it raises."""
    if not available("celer"):
        return "not installed"
    from celer import MultiTaskLasso

    rng = np.random.default_rng(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            MultiTaskLasso(alpha=0.1, fit_intercept=False).fit(
                rng.standard_normal((20, 5)), rng.standard_normal((20, 2))
            )
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def mtlreg_fitter(X, Y, kind, alpha, loss="squared", solver="auto", max_iter=1_000_000):
    names = _REGRESSORS if loss == "squared" else _CLASSIFIERS
    cls = getattr(mtlreg, names[kind])

    def fit(tol, X=X, Y=Y, alpha=alpha):
        m = cls(alpha=alpha, fit_intercept=False, tol=tol, solver=solver, max_iter=max_iter)
        m.fit(X, Y)
        W = np.asarray(m.coef_).reshape(-1, X.shape[1]).T
        return W, {
            "n_iter": int(m.n_iter_),
            "own_gap": float(m.dual_gap_),
            "own_objective": float(m.objective_),
            "solver_used": m.solver_,
        }

    return fit


def sklearn_mtl_fitter(X, Y, alpha):
    from sklearn.linear_model import MultiTaskLasso

    def fit(tol, X=X, Y=Y, alpha=alpha):
        m = MultiTaskLasso(alpha=alpha, fit_intercept=False, tol=tol, max_iter=1_000_000)
        m.fit(X, Y)
        return m.coef_.T, {"n_iter": int(m.n_iter_)}

    return fit


def skglm_mtl_fitter(X, Y, alpha):
    from skglm import MultiTaskLasso

    def fit(tol, X=X, Y=Y, alpha=alpha):
        m = MultiTaskLasso(
            alpha=alpha, fit_intercept=False, tol=tol, max_iter=1000, max_epochs=1_000_000
        )
        m.fit(X, Y)
        return m.coef_.T, {"n_iter": int(np.max(m.n_iter_))}

    return fit


def celer_mtl_fitter(X, Y, alpha):
    """celer's multi-task Lasso solver, called as its estimator calls it.

    ``celer.MultiTaskLasso.fit`` calls ``self._validate_data``, which scikit-learn
    removed in 1.6+, so the estimator fails there; ``celer.homotopy.mtl_path`` is the
    solver the estimator wraps (same defaults: max_iter=100, p0=10, prune=True).
    """
    from celer.homotopy import mtl_path

    def fit(tol, X=X, Y=Y, alpha=alpha):
        _, coefs, gaps = mtl_path(X, Y, alphas=[alpha], tol=tol, max_iter=1000)
        return coefs[:, :, 0].T, {"own_gap": float(gaps[-1])}

    return fit


def shared_l21_fitters(X, Y, alpha, solvers):
    """The requested solvers that are installed, as {name: fit}."""
    makers = {
        "mtlreg": lambda: mtlreg_fitter(X, Y, "l21", alpha, solver="auto"),
        "mtlreg[bcd]": lambda: mtlreg_fitter(X, Y, "l21", alpha, solver="bcd"),
        "mtlreg[fista]": lambda: mtlreg_fitter(X, Y, "l21", alpha, solver="fista"),
        "sklearn": lambda: sklearn_mtl_fitter(X, Y, alpha),
        "skglm": lambda: skglm_mtl_fitter(X, Y, alpha),
        "celer": lambda: celer_mtl_fitter(X, Y, alpha),
    }
    needs = {"sklearn": "sklearn", "skglm": "skglm", "celer": "celer"}
    out = {}
    for name in solvers:
        if name in needs and not available(needs[name]):
            continue
        out[name] = makers[name]()
    return out


def logistic_fitters(X, Y, alpha, solvers):
    """Shared-design logistic Lasso: mtlreg vs scikit-learn's per-task l1 LogisticRegression."""
    out = {}
    if "mtlreg" in solvers:
        out["mtlreg"] = mtlreg_fitter(X, Y, "lasso", alpha, loss="logistic")
    if available("sklearn"):
        from sklearn.linear_model import LogisticRegression

        n = X.shape[0]
        l1 = (
            {"l1_ratio": 1.0}
            if inspect.signature(LogisticRegression).parameters["penalty"].default == "deprecated"
            else {"penalty": "l1"}
        )
        for method in ("liblinear", "saga"):
            name = f"sklearn[{method}]"
            if name not in solvers:
                continue

            def fit(tol, method=method, X=X, Y=Y):
                W = np.zeros((X.shape[1], Y.shape[1]))
                n_iter = 0
                for t in range(Y.shape[1]):
                    m = LogisticRegression(
                        C=1.0 / (n * alpha), fit_intercept=False, tol=tol, solver=method,
                        max_iter=1_000_000, **l1,
                    )
                    m.fit(X, Y[:, t])
                    # coef_ refers to classes_[1] = +1
                    W[:, t] = m.coef_.ravel()
                    n_iter = max(n_iter, int(np.max(m.n_iter_)))
                return W, {"n_iter": n_iter}

            out[name] = fit
    return out


def warm_up():
    """Compile every JIT kernel used by the timed solvers (tiny problems, not timed)."""
    rng = np.random.default_rng(0)
    X = np.asfortranarray(rng.standard_normal((30, 12)))
    Y = rng.standard_normal((30, 3))
    Yc = np.sign(Y)
    Yp = Y.copy()
    Yp[:15, 1:] = np.nan
    Yp[15:, 0] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kind in _REGRESSORS:
            for loss, YY in (("squared", Y), ("logistic", Yc)):
                mtlreg_fitter(X, YY, kind, 0.05, loss=loss, solver="fista", max_iter=50)(1e-3)
                Ym = Yp if loss == "squared" else np.where(np.isnan(Yp), np.nan, np.sign(Yp))
                mtlreg_fitter(X, Ym, kind, 0.05, loss=loss, solver="fista", max_iter=50)(1e-3)
        for kind in ("lasso", "l21"):
            mtlreg_fitter(X, Y, kind, 0.05, solver="bcd", max_iter=50)(1e-3)
        # tiny fits run the compiled loop, by blocks of rows from four tasks and 200
        # samples (its second version: a grid point of that kind paid its compilation
        # in a run on an empty cache); larger shared designs with four tasks or more
        # run their epochs by blocks of rows from the Python loop
        from mtlreg import _kernels

        # the module, which the package's function of the same name hides
        bcd = importlib.import_module("mtlreg.solvers.bcd")
        T = _kernels.BLOCK_MIN_TASKS
        Xb = np.asfortranarray(rng.standard_normal((bcd._BLOCK_MIN_SAMPLES, 12)))
        mtlreg_fitter(Xb, rng.standard_normal((Xb.shape[0], T)), "l21", 0.05,
                      solver="bcd", max_iter=50)(1e-3)
        _kernels.bcd_epoch_dense_observed_blocks(
            X, np.zeros((12, T)), np.ones(T), rng.standard_normal((T, 30)),
            np.zeros(T), np.zeros((12, T)), np.ones((12, T)), np.arange(12, dtype=np.int64),
            0.0, 0.1, 0.0, np.zeros((0, 0), dtype=np.uint8))
        for fit in shared_l21_fitters(X, Y, 0.05, ["skglm", "celer", "sklearn"]).values():
            fit(1e-3)
        # a sparse CSC X: its own kernels (celer fails on sparse X: left to the suite to
        # report)
        Xs = sp.random(60, 12, density=0.3, format="csc", random_state=0)
        Ys = np.asarray(Xs @ rng.standard_normal((12, 3)))
        for fit in shared_l21_fitters(Xs, Ys, 0.01, ["mtlreg", "skglm", "sklearn"]).values():
            fit(1e-3)
