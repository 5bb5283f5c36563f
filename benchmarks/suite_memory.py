"""Suite 5: peak memory of a fit against the size of X and Y.

Each case runs in a fresh subprocess (``python -m benchmarks._memchild``) that loads X and
Y from .npy files, warms the solver up on a tiny problem, reads its resident set size,
fits, and reads the peak (``resource.getrusage(...).ru_maxrss``). The fit's overhead is
peak - RSS before the fit.
"""

import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import scipy.sparse as sp

from . import _data, _harness, _peers

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cases(quick):
    if quick:
        shared = [(200, 1000, 5)]
        pertask = [(20, 50, 500)]
        sparse = [(2000, 500, 3, 0.02)]
    else:
        shared = [(1000, 5000, 20), (2000, 10000, 20)]
        pertask = [(200, 100, 2000)]
        sparse = [(20000, 5000, 10, 0.01)]
    out = []
    for n, d, T in shared:
        for solver in ("mtlreg", "sklearn", "skglm", "celer"):
            out.append({"layout": "shared", "shape": [n, d, T], "solver": solver, "order": "F"})
    for n, d, T, density in sparse:
        # coordinate descent reads a CSC matrix as it is and copies a CSR one to CSC
        # (scikit-learn converts to CSC too, skglm reads either)
        for solver, fmt in (("mtlreg", "CSC"), ("mtlreg", "CSR"), ("sklearn", "CSC"),
                            ("skglm", "CSC")):
            out.append({"layout": "shared-sparse", "shape": [n, d, T], "density": density,
                        "solver": solver, "order": fmt})
    for T, n_t, d in pertask:
        # coordinate descent reads columns: a Fortran-ordered X as it is, a C-ordered one
        # through a column-major copy, of the working set's columns alone while they
        # are at most half of them (a sparse model: alpha_max/5), else of all of them
        # (as scikit-learn's MultiTaskLasso does; at alpha_max/20 the model has 1,220
        # non-zero rows of 2,000)
        for solver, order, div in (("mtlreg", "C", 20), ("mtlreg", "F", 20),
                                   ("numpy-fista", "C", 20), ("mtlreg", "C", 5),
                                   ("mtlreg", "F", 5)):
            out.append({"layout": "per-task", "shape": [T, n_t, d], "solver": solver,
                        "order": order, "alpha_div": div})
        # scikit-learn's working_memory below the size of X: copies of at most that
        # much, the working sets' other columns read from the C-ordered X
        budget = max(1, int(T * n_t * d * 8 / 3 / 2**20))
        for div in (20, 5):
            out.append({"layout": "per-task", "shape": [T, n_t, d], "solver": "mtlreg",
                        "order": "C", "alpha_div": div, "working_memory": budget})
    for case in out:
        case.setdefault("alpha_div", 20)
    return out


def run(quick=False):
    res = []
    with tempfile.TemporaryDirectory() as tmp:
        made = {}
        for case in cases(quick):
            if case["solver"] in ("sklearn", "skglm", "celer") and not _peers.available(
                case["solver"]
            ):
                continue
            key = (case["layout"], tuple(case["shape"]), case["order"])
            if key not in made:
                stem = os.path.join(tmp, f"case{len(made)}")
                if case["layout"] == "shared-sparse":
                    X, Y = _data.shared_sparse(*case["shape"], case["density"])
                    X = X.asformat(case["order"].lower())
                    sp.save_npz(stem + "_X.npz", X, compressed=False)
                    x_bytes = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
                else:
                    if case["layout"] == "shared":
                        X, Y = _data.shared_l21(*case["shape"])
                    else:
                        X, Y = _data.stack_tasks(*_data.pertask_synthetic(*case["shape"]))
                    np.save(stem + "_X.npy", np.asfortranarray(X) if case["order"] == "F"
                            else np.ascontiguousarray(X))
                    x_bytes = X.nbytes
                np.save(stem + "_Y.npy", Y)
                made[key] = (stem, x_bytes, Y.nbytes)
                del X, Y
            stem, xb, yb = made[key]
            _harness.log(f"  memory {case['layout']} {case['shape']} {case['solver']}")
            env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
            proc = subprocess.run(
                [sys.executable, "-m", "benchmarks._memchild", stem, case["layout"],
                 case["solver"], json.dumps(case["shape"]), str(case["alpha_div"]),
                 str(case.get("working_memory", 0))],
                capture_output=True, text=True, env=env, cwd=REPO,
            )
            line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT")]
            row = {**case, "X_MB": xb / 2**20, "Y_MB": yb / 2**20}
            if proc.returncode or not line:
                row["error"] = proc.stderr[-1500:]
            else:
                row.update(json.loads(line[0][6:]))
                row["overhead_over_data"] = row["fit_overhead_MB"] / (row["X_MB"] + row["Y_MB"])
            res.append(row)
    return {
        "description": (
            "MB. rss_before: resident set after loading X, Y and a warm-up fit; peak: "
            "ru_maxrss after the fit; fit_overhead = peak - rss_before. L21 at alpha_max/20 "
            "(alpha_max/5 where the column 'alpha' says so), "
            "tol 1e-4 (NumPy FISTA: relative objective change 1e-6). Shared: X in Fortran "
            "order; per-task: mtlreg gets the stacked X (C or Fortran order, column "
            "'order') with NaN-padded Y, the NumPy FISTA the per-task lists (C order); "
            "column 'working memory': scikit-learn's working_memory (MiB) for the fit, "
            "else its default (1,024). fit_seconds: the measured fit's time, after the "
            "warm-up. "
            "Shared-sparse: X in CSC or CSR format (column 'order'), its size the bytes of "
            "its values and index arrays."
        ),
        "cases": res,
    }


def report(res):
    f = _harness.fmt
    cols = [
        ("layout", lambda r: r["layout"]),
        ("shape", lambda r: "x".join(map(str, r["shape"]))),
        ("solver", lambda r: r["solver"]),
        ("X order", lambda r: r.get("order", "-")),
        ("alpha", lambda r: f"alpha_max/{r.get('alpha_div', 20)}"),
        ("working memory", lambda r: f"{r['working_memory']} MiB" if r.get("working_memory")
            else "-"),
        ("X+Y (MB)", lambda r: f(r["X_MB"] + r["Y_MB"], ".0f")),
        ("RSS before fit (MB)", lambda r: f(r.get("rss_before_MB"), ".0f")),
        ("peak (MB)", lambda r: f(r.get("peak_MB"), ".0f")),
        ("fit overhead (MB)", lambda r: f(r.get("fit_overhead_MB"), ".0f")
            + (" ERROR" if "error" in r else "")),
        ("overhead / data", lambda r: f(r.get("overhead_over_data"), ".2f")),
        ("fit (s)", lambda r: f(r.get("fit_seconds"), ".2f")),
    ]
    return "### Memory\n\n" + _harness.table(res["cases"], cols)
