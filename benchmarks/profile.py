"""Profile one mtlreg fit: ``python -m benchmarks.profile headline|school|synthetic``.

Warms the JIT up first, then runs cProfile over a single ``fit`` and prints the functions
with the most own time and the most cumulative time (Numba kernels show as single calls).
"""

import argparse
import cProfile
import io
import pstats
import time
import warnings

from . import _data, _peers
from ._objectives import PerTaskData, SharedData, alpha_max


def problem(name, penalty, loss, alpha_div):
    if name == "headline":
        X, Y = _data.shared_l21(1000, 5000, 20)
        data = SharedData(X, Y)
    else:
        if name == "school":
            Xs, ys = _data.school() if loss == "squared" else _data.school_logistic()
        else:
            Xs, ys = _data.pertask_synthetic(200, 100, 2000, loss)
        data = PerTaskData(Xs, ys, loss)
        X, Y = _data.stack_tasks(Xs, ys)
    alpha = 0.1 if penalty == "mean" else alpha_max(data, penalty) / alpha_div
    return X, Y, alpha


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__)
    ap.add_argument("problem", choices=("headline", "school", "synthetic"))
    ap.add_argument("--penalty", default="l21", choices=("lasso", "l21", "trace", "mean"))
    ap.add_argument("--loss", default="squared", choices=("squared", "logistic"))
    ap.add_argument("--alpha-div", type=float, default=None,
                    help="alpha = alpha_max / this (default 50 headline, 10 otherwise)")
    ap.add_argument("--solver", default="auto")
    ap.add_argument("--tol", type=float, default=1e-6)
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args(argv)
    div = args.alpha_div or (50.0 if args.problem == "headline" else 10.0)
    X, Y, alpha = problem(args.problem, args.penalty, args.loss, div)
    _peers.warm_up()
    fit = _peers.mtlreg_fitter(X, Y, args.penalty, alpha, loss=args.loss, solver=args.solver)
    prof = cProfile.Profile()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        prof.enable()
        _, extra = fit(args.tol)
        prof.disable()
        total = time.perf_counter() - t0
    print(f"{args.problem} {args.loss} {args.penalty} alpha=alpha_max/{div:g} tol={args.tol:g}: "
          f"{total:.2f} s, {extra}")
    for key in ("tottime", "cumulative"):
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats(key).print_stats(args.top)
        text = buf.getvalue()
        print(text[text.index("   ncalls"):] if "   ncalls" in text else text)


if __name__ == "__main__":
    main()
