"""Run the benchmarks: ``python -m benchmarks.run [--quick] [--suite ...] [--out PATH]``.

Installs nothing: compares mtlreg against whichever of scikit-learn, skglm, celer and cvxpy
are installed (``pip install ".[bench]"`` brings them), prints Markdown tables, writes
JSON, and draws time-vs-suboptimality curves when matplotlib is installed.
"""

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from . import _harness, _peers

SUITES = ("shared", "pertask", "logistic", "startup", "memory", "scaling")
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "latest.json"


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    ap.add_argument("--suite", default="all", choices=SUITES + ("all",),
                    help="which suite to run (default: all)")
    ap.add_argument("--quick", action="store_true",
                    help="tiny smoke configuration (well under a minute)")
    ap.add_argument("--grid", default="subset", choices=("subset", "full"),
                    help="shared-design grid: subset (T in 2, 10, 50; default) or the full "
                         "n x d x T grid with T in 2, 10, 20, 50")
    ap.add_argument("--heavy", action="store_true",
                    help="per-task suite: also logistic trace / mean on the large synthetic "
                         "problem (adds several minutes)")
    ap.add_argument("--no-cvxpy", action="store_true", help="skip cvxpy even if installed")
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="JSON output path")
    ap.add_argument("--no-plots", action="store_true", help="do not draw figures")
    args = ap.parse_args(argv)

    suites = SUITES if args.suite == "all" else (args.suite,)
    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    result = {
        "command": "python -m benchmarks.run " + " ".join(
            a for a in (
                f"--suite {args.suite}", "--quick" if args.quick else "",
                f"--grid {args.grid}" if args.grid != "subset" else "",
                "--heavy" if args.heavy else "",
            ) if a
        ),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": _harness.machine(),
        "versions": _harness.versions(),
        "git": _harness.git_revision(),
        "load_average_at_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "suites": {},
    }
    _harness.log(f"machine: {result['machine']}")
    _harness.log(f"versions: {result['versions']}")
    if any(s in suites for s in ("shared", "pertask", "logistic")):
        _harness.log("warming up the JIT-compiled solvers (not timed)")
        _peers.warm_up()

    from . import (
        suite_logistic,
        suite_memory,
        suite_pertask,
        suite_scaling,
        suite_shared,
        suite_startup,
    )

    modules = {"shared": suite_shared, "pertask": suite_pertask, "logistic": suite_logistic,
               "startup": suite_startup, "memory": suite_memory, "scaling": suite_scaling}
    tables = []
    for name in suites:
        t0 = time.perf_counter()
        _harness.log(f"== suite {name}")
        if name == "shared":
            res = suite_shared.run(quick=args.quick, grid=args.grid)
        elif name == "pertask":
            res = suite_pertask.run(quick=args.quick, heavy=args.heavy, cvxpy=not args.no_cvxpy)
        else:
            res = modules[name].run(quick=args.quick)
        res["seconds"] = time.perf_counter() - t0
        result["suites"][name] = res
        text = modules[name].report(res)
        tables.append(text)
        print(text + "\n", flush=True)
        _write(out_path, result)  # keep partial results if a later suite fails
    result["seconds"] = time.perf_counter() - started
    _write(out_path, result)
    _harness.log(f"wrote {out_path} ({result['seconds']:.0f} s in all)")
    if not args.no_plots and "shared" in result["suites"]:
        from . import _plots

        for path in _plots.draw(result, out_path.parent, stem=out_path.stem):
            _harness.log(f"wrote {path}")
    if not args.no_plots and "scaling" in result["suites"]:
        from . import _plots

        for path in _plots.draw_scaling(result, out_path.parent, stem=out_path.stem):
            _harness.log(f"wrote {path}")
    return result


def _write(path, result):
    with open(path, "w") as fh:
        json.dump(result, fh, indent=1, default=_json_default)


def _json_default(o):
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, (np.bool_,)):
        return bool(o)
    return str(o)


if __name__ == "__main__":
    main()
