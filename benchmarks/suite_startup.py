"""Suite 4: start-up cost, each measurement in a fresh subprocess.

* warm: ``import mtlreg`` and the first fit of a small problem, with a Numba cache that
  an earlier process filled;
* cold: the same, and the first fit of every estimator / solver / layout (all kernels),
  with NUMBA_CACHE_DIR pointing at a fresh empty folder, so every kernel is compiled;
* references: importing NumPy and ``sklearn.linear_model``; and importing NumPy,
  ``sklearn.base`` and Numba and calling one cached kernel, what any Numba-based
  scikit-learn estimator pays before its own code.

Each process reports its own timings; NUMBA_CACHE_DIR is always a temporary folder, so
the package's own cache is neither used nor touched. Python's bytecode is written and read
as for an installed package (which pip compiles): a PYTHONDONTWRITEBYTECODE in the
environment would have every process compile mtlreg's sources again (25-40 ms here, where
importing mtlreg from its bytecode takes 16-19 ms), which a user does not pay.
"""

import json
import os
import subprocess
import sys
import tempfile

from . import _harness

SMALL = """
import time, json, warnings
t0 = time.perf_counter()
import numpy as np
t_np = time.perf_counter()
import mtlreg
t_imp = time.perf_counter()
rng = np.random.default_rng(0)
X = rng.standard_normal((100, 50)); Y = rng.standard_normal((100, 3))
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    mtlreg.L21Regressor(alpha=0.1).fit(X, Y)
t_fit = time.perf_counter()
out = {"import_numpy": t_np - t0, "import_mtlreg": t_imp - t_np, "first_fit": t_fit - t_imp}
"""

ALL = """
import scipy.sparse as sp
Yc = np.sign(Y); Yp = Y.copy(); Yp[:50, 1:] = np.nan; Yp[50:, 0] = np.nan
Ypc = np.where(np.isnan(Yp), np.nan, np.sign(Yp))
# one task per row (a third of Y observed): the stacked layout's kernels
own = np.arange(100) % 3
Ys = np.full_like(Y, np.nan); Ys[np.arange(100), own] = Y[np.arange(100), own]
Ysc = np.where(np.isnan(Ys), np.nan, np.sign(Ys))
names = ["Lasso", "L21", "TraceNorm", "MeanRegularized"]
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for XX in (X, sp.csr_matrix(np.where(np.abs(X) > 1, X, 0.0))):
        for name in names:
            for kind, YY, YP, YS in (("Regressor", Y, Yp, Ys), ("Classifier", Yc, Ypc, Ysc)):
                cls = getattr(mtlreg, name + kind)
                for fi in (True, False):
                    cls(alpha=0.05, fit_intercept=fi, solver="fista").fit(XX, YY)
                    cls(alpha=0.05, fit_intercept=fi, solver="fista").fit(XX, YP)
                    cls(alpha=0.05, fit_intercept=fi, solver="fista").fit(XX, YS)
                    cls(alpha=0.05, fit_intercept=fi).fit(XX, YS)
                    if kind == "Regressor" and name in ("Lasso", "L21"):
                        cls(alpha=0.05, fit_intercept=fi, solver="bcd").fit(XX, YY)
    # the block epochs with four tasks or more: in the compiled loop from 200 samples,
    # and on shared designs too large for it (its products are under 2e7 flops), one
    # epoch of one such fit
    mtlreg.L21Regressor(alpha=0.05).fit(rng.standard_normal((200, 50)),
                                        rng.standard_normal((200, 4)))
    Xb = rng.standard_normal((1000, 2500)); Yb = rng.standard_normal((1000, 10))
    mtlreg.L21Regressor(alpha=0.05, max_iter=1).fit(Xb, Yb)
out["all_kernels"] = time.perf_counter() - t_fit
"""

BASE = """
import time, json
t0 = time.perf_counter()
import numpy, sklearn.linear_model
out = {"import_numpy_sklearn": time.perf_counter() - t0}
"""

# What any scikit-learn estimator with cached Numba kernels pays before its own code:
# NumPy, scikit-learn and Numba imported, and the first call of one cached kernel
# (Numba sets up its typing and target registries on the first dispatch, 0.3-0.4 s here).
PROBE = """
import numba

@numba.njit(cache=True)
def probe(x):
    out = 0.0
    for i in range(x.shape[0]):
        out += x[i]
    return out
"""

FLOOR = """
import time, json, sys
t0 = time.perf_counter()
import numpy, sklearn.base, numba
t_imp = time.perf_counter()
sys.path.insert(0, {folder!r})
import mtlreg_startup_probe
mtlreg_startup_probe.probe(numpy.ones(3))
out = {{"import_numpy_sklearn_numba": t_imp - t0,
        "first_fit": time.perf_counter() - t_imp}}
"""

def _child(code, cache_dir):
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    script = code + "\nprint('RESULT' + json.dumps(out))\n"
    t0 = _time()
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, cwd=tempfile.gettempdir())
    wall = _time() - t0
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT")]
    if proc.returncode or not line:
        return {"error": proc.stderr[-2000:], "process_wall": wall}
    return {**json.loads(line[0][6:]), "process_wall": wall}


def _in_process(run):
    """Seconds from the first import to the end, as the child timed them."""
    if "error" in run:
        return float("inf")
    return sum(v for k, v in run.items() if k not in ("process_wall", "all_kernels"))


def _time():
    import time

    return time.perf_counter()


def run(quick=False, repeats=5):
    res = {}
    repeats = 1 if quick else repeats
    with tempfile.TemporaryDirectory() as tmp:
        cache = os.path.join(tmp, "numba-cache")
        # mtlreg's bytecode, before any process is timed
        _child("import json, mtlreg\nout = {}", os.path.join(tmp, "scratch-cache"))
        _harness.log("  startup: cold, every kernel (fresh NUMBA_CACHE_DIR)")
        if quick:
            res["cold_small"] = _child(SMALL, cache)
        else:
            res["cold_all"] = _child(SMALL + ALL, cache)
            res["warm_all"] = min((_child(SMALL + ALL, cache) for _ in range(2)),
                                  key=lambda r: r.get("process_wall", 1e9))
        folder = os.path.join(tmp, "probe")
        os.makedirs(folder)
        with open(os.path.join(folder, "mtlreg_startup_probe.py"), "w") as fh:
            fh.write(PROBE)
        floor = FLOOR.format(folder=folder)
        _child(floor, cache)  # compiles and caches the probe
        _harness.log("  startup: warm, and the references, interleaved")
        # Interleaved, since this machine's speed drifts by tens of percent between
        # minutes: timed one after the other, the cases would be compared across drifts.
        cases = {"warm_small": SMALL, "reference_numpy_sklearn": BASE,
                 "reference_numpy_sklearn_numba": floor}
        runs = {name: [] for name in cases}
        for _ in range(repeats):
            for name, code in cases.items():
                runs[name].append(_child(code, cache))
        for name, case_runs in runs.items():
            res[name] = min(case_runs, key=_in_process)
    res["description"] = (
        "Seconds, in fresh processes. warm_small: import mtlreg + first fit of a 100x50x3 "
        "L21 problem with the Numba cache filled; cold_all: the same plus one fit of every "
        "estimator x solver x layout x dense/sparse x intercept with an empty cache (every "
        "kernel compiled); warm_all: that again with the cache filled. "
        "reference_numpy_sklearn_numba: import NumPy, scikit-learn and Numba and call one "
        "cached Numba kernel (its first_fit column), the floor of any Numba-based "
        "scikit-learn estimator. warm_small and the references: the best, by the "
        "child's own timings, of interleaved processes; Python bytecode as installed. "
        "process_wall includes interpreter start-up."
    )
    return res


def report(res):
    f = _harness.fmt
    rows = []
    for key in ("warm_small", "cold_small", "cold_all", "warm_all", "reference_numpy_sklearn",
                "reference_numpy_sklearn_numba"):
        if key in res:
            r = res[key]
            rows.append({"case": key, **r})
    cols = [
        ("case", lambda r: r["case"]),
        ("import numpy / reference (s)", lambda r: f(
            r.get("import_numpy") or r.get("import_numpy_sklearn")
            or r.get("import_numpy_sklearn_numba"))),
        ("import mtlreg (s)", lambda r: f(r.get("import_mtlreg"))),
        ("first fit (s)", lambda r: f(r.get("first_fit"))),
        ("all kernels (s)", lambda r: f(r.get("all_kernels"))),
        ("process wall (s)", lambda r: f(r.get("process_wall"))
            + (" ERROR" if "error" in r else "")),
    ]
    return "### Start-up\n\n" + _harness.table(rows, cols)
