"""Child process of the memory suite: load, warm up, fit once, report RSS (internal)."""

import json
import os
import resource
import sys
import time
import warnings

import numpy as np
import scipy.sparse as sp
import sklearn

TOL = 1e-4  # peak memory does not depend on the tolerance; keep the suite short


def rss_mb():
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def warm(layout, solver, X, Y):
    """Compile / import what the measured fit needs, on a small slice (not measured)."""
    from . import _peers

    if layout == "shared":
        Xs, Ys = np.asfortranarray(X[:50, :100]), Y[:50].copy()
        _peers.shared_l21_fitters(Xs, Ys, 0.1, [solver])[solver](1e-3)
    elif layout == "shared-sparse":
        Xs, Ys = X[:500, :200], Y[:500].copy()  # same format as X
        _peers.shared_l21_fitters(Xs, Ys, 1e-3, [solver])[solver](1e-3)
    elif solver == "mtlreg":
        Xs, Ys = X[:300, :50].copy(), Y[:300, :3].copy()
        _peers.mtlreg_fitter(Xs, Ys, "l21", 0.1)(1e-3)
        budget = 2**20 * sklearn.get_config()["working_memory"]
        if X.flags.c_contiguous and X.nbytes > budget:
            # the fit reads columns from X itself: those kernels' versions for C order,
            # on a slice of 8 MB or more under a working memory smaller than it
            T = Y.shape[1]
            n_t = X.shape[0] // T
            k = min(n_t, max(2, -(-2**23 // (8 * X.shape[1] * T))))  # rows of each task
            rows = (np.arange(T)[:, None] * n_t + np.arange(k)).ravel()
            Xs, Ys = X[rows], Y[rows]
            import mtlreg

            alpha = mtlreg.alpha_max(Xs, Ys) / 20  # a dense model: columns read from X
            with sklearn.config_context(working_memory=Xs.nbytes / 4 / 2**20):
                _peers.mtlreg_fitter(Xs, Ys, "l21", alpha)(1e-3)


def reset_peak():
    """Reset the kernel's high-water mark (Linux), so ru_maxrss measures the fit alone."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def peak_mb():
    """Peak RSS since the last reset: VmHWM where /proc has it, else ru_maxrss."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    stem, layout, solver, shape = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
    div = float(sys.argv[5]) if len(sys.argv) > 5 else 20.0  # alpha = alpha_max / div
    # scikit-learn's working_memory (MiB) for the fit; 0: its default
    memory = float(sys.argv[6]) if len(sys.argv) > 6 else 0.0
    with sklearn.config_context(**({"working_memory": memory} if memory else {})):
        measure(stem, layout, solver, shape, div)


def measure(stem, layout, solver, shape, div):
    from . import _peers
    from ._baseline import fista
    from ._objectives import Penalty, PerTaskData, SharedData, alpha_max

    if os.path.exists(stem + "_X.npz"):
        X = sp.load_npz(stem + "_X.npz")
    else:
        X = np.load(stem + "_X.npy")
    Y = np.load(stem + "_Y.npy")
    warnings.simplefilter("ignore")
    if layout in ("shared", "shared-sparse"):
        alpha = alpha_max(SharedData(X, Y), "l21") / div
        fit = _peers.shared_l21_fitters(X, Y, alpha, [solver])[solver]
        warm(layout, solver, X, Y)
    elif solver == "numpy-fista":
        T, n_t, _ = shape
        Xs = [np.ascontiguousarray(X[t * n_t : (t + 1) * n_t]) for t in range(T)]
        ys = [Y[t * n_t : (t + 1) * n_t, t].copy() for t in range(T)]
        del X, Y
        data = PerTaskData(Xs, ys)
        pen = Penalty("l21", alpha_max(data, "l21") / div)

        def fit(tol):
            return fista(data, pen, rtol=tol * 1e-2, max_iter=5000)
    else:
        T, n_t, _ = shape
        Xs = [X[t * n_t : (t + 1) * n_t] for t in range(T)]
        ys = [Y[t * n_t : (t + 1) * n_t, t] for t in range(T)]
        alpha = alpha_max(PerTaskData(Xs, ys), "l21") / div
        del Xs, ys
        fit = _peers.mtlreg_fitter(X, Y, "l21", alpha)
        warm(layout, solver, X, Y)
    peak_before = peak_mb()
    reset = reset_peak()
    before = rss_mb()
    start = time.perf_counter()
    fit(TOL)
    seconds = time.perf_counter() - start
    peak = peak_mb()
    out = {"rss_before_MB": before, "peak_MB": peak, "fit_overhead_MB": peak - before,
           "fit_seconds": seconds,
           "peak_before_fit_MB": peak_before, "peak_reset": reset,
           "ru_maxrss_MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    print("RESULT" + json.dumps(out))


if __name__ == "__main__":
    main()
