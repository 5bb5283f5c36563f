"""Suite 3: logistic Lasso on a shared design (separable over tasks).

mtlreg's LassoClassifier against scikit-learn's LogisticRegression with an l1 penalty
(liblinear and saga) fitted task by task with C = 1 / (n alpha), which has the same
minimiser as 1/n sum_i log(1 + exp(-y_i x_i' w)) + alpha ||w||_1. Accuracy: the
re-scored duality gap <= 1e-6 times the loss at W = 0 (mtlreg's tol scaling).
"""

import numpy as np

from . import _data, _harness, _peers
from ._objectives import Penalty, SharedData, alpha_max, gap_scale, score
from .suite_shared import add_ratios

OWN_TOL = 1e-6
TOLS = [1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9]
SOLVERS = ["mtlreg", "sklearn[liblinear]", "sklearn[saga]"]


def run(quick=False, solvers=SOLVERS, time_cap=60.0):
    shape = dict(n=100, d=100, T=2) if quick else dict(n=1000, d=2000, T=10)
    if quick:
        time_cap = 1.0
    X, Y = _data.shared_logistic(**shape)
    X = np.ascontiguousarray(X)  # liblinear / saga prefer C order
    data = SharedData(X, Y, "logistic")
    amax = alpha_max(data, "lasso")
    scale = gap_scale(data)
    out = []
    for div in (10, 50):
        alpha = amax / div
        pen = Penalty("lasso", alpha)

        def rescore(W, pen=pen):
            obj, gap = score(data, pen, W)
            return {"objective": obj, "gap": gap, "rel_gap": gap / scale,
                    "ok": bool(gap / scale <= OWN_TOL),
                    "nnz": int(np.count_nonzero(W))}

        res = {"problem": f"n={shape['n']} d={shape['d']} T={shape['T']} alpha=alpha_max/{div}",
               "alpha": alpha, "gap_scale": scale, "solvers": {}}
        for name, fit in _peers.logistic_fitters(X, Y, alpha, solvers).items():
            _harness.log(f"  logistic {res['problem']}: {name}")
            # saga is slow: start it at 1e-4 and stop tightening after a 20 s run
            saga = name.endswith("[saga]")
            tols = [t for t in TOLS if t <= 1e-4] if saga else TOLS
            cap = min(time_cap, 20.0) if saga else time_cap
            res["solvers"][name] = _harness.summarise(
                _harness.sweep(fit, rescore, tols, OWN_TOL, time_cap=cap), OWN_TOL
            )
        add_ratios(res)
        out.append(res)
    return {
        "description": (
            "Shared-design logistic Lasso, labels from a sparse truth with 5% flips, no "
            "intercept. 'at_tol': each solver at tol=1e-6 in its own scaling; 'to_target': "
            "loosest tol whose re-scored duality gap is <= 1e-6 * T log 2. saga's sweep starts "
            "at 1e-4 and stops tightening after a run longer than 20 s."
        ),
        "problems": out,
    }


def report(res):
    from .suite_shared import _table

    # same columns as the shared table (the 'support' column counts nonzero rows)
    for p in res["problems"]:
        for s in p["solvers"].values():
            for pt in s["points"]:
                pt.setdefault("support", pt.get("nnz"))
    return "### Logistic Lasso, shared design\n\n" + _table(res["problems"])
