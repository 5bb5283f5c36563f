"""Timing, tolerance sweeps, tables and machine description shared by the suites."""

import os
import platform
import subprocess
import sys
import time
import warnings

import numpy as np


def _timed(fn):
    """(wall time in seconds, result) of one call of ``fn()``, its warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        out = fn()
        return time.perf_counter() - t0, out


def clock(fn, repeat_below=1.0, max_repeat=3, budget=0.3, max_calls=30):
    """(best wall time in seconds, result of the last call) of ``fn()``.

    Calls shorter than ``repeat_below`` seconds are repeated and the fastest is kept, to
    tame timer and machine noise on tiny fits: ``max_repeat`` calls in all, and more
    (up to ``max_calls``) until they add up to ``budget`` seconds. A fit of a few
    milliseconds, where this machine's state moves single calls by 25 % or more, is
    then the best of tens of calls, as ``timeit`` would take it; every solver is
    timed the same way.
    """
    best, out, total = np.inf, None, 0.0
    for k in range(max(max_repeat, max_calls)):
        elapsed, out = _timed(fn)
        best = min(best, elapsed)
        total += elapsed
        if k == 0 and elapsed >= repeat_below:
            break
        if k + 1 >= max_repeat and (total >= budget or k + 1 >= max_calls):
            break
    return best, out


def interleaved(fns, budget=1.5, min_rounds=5, max_rounds=25):
    """{name: best wall time} of the calls ``fns[name]()``, timed in rounds that call
    each once, the order rotating from round to round, until ``budget`` seconds (at
    least ``min_rounds`` rounds, at most ``max_rounds``). Timed one after the other,
    this machine's drifts of 20-30 % within a minute decide ratios of fits of a few
    milliseconds; in rounds they meet every solver alike."""
    names = list(fns)
    best = dict.fromkeys(names, np.inf)
    total = 0.0
    for k in range(max_rounds):
        for name in names[k % len(names):] + names[: k % len(names)]:
            elapsed = _timed(fns[name])[0]
            best[name] = min(best[name], elapsed)
            total += elapsed
        if k + 1 >= min_rounds and total >= budget:
            break
    return best


def sweep(fit, rescore, tols, own_tol, time_cap=None, repeat_below=1.0):
    """Run ``fit(tol)`` for tolerances from loose to tight.

    ``fit(tol)`` returns (W (d, T), extra dict); ``rescore(W)`` returns a dict with at
    least ``ok`` (the accuracy target is met). Stops after the first run with
    tol <= own_tol that meets the target, or once a run took longer than ``time_cap``.
    Returns the list of points (tol, time, extra..., rescore...).
    """
    points = []
    for tol in tols:
        try:
            seconds, (W, extra) = clock(lambda tol=tol: fit(tol), repeat_below)
        except Exception as exc:  # a peer failing is a result, not a crash
            points.append({"tol": tol, "error": f"{type(exc).__name__}: {exc}"})
            break
        pt = {"tol": tol, "time": seconds, **extra, **rescore(W)}
        points.append(pt)
        if pt["ok"] and tol <= own_tol:
            break
        if time_cap is not None and seconds > time_cap:
            break
    return points


def summarise(points, own_tol):
    """Pick the run at the solver's own tol and the first run that meets the target."""
    at_tol = next((p for p in points if p.get("tol") == own_tol and "time" in p), None)
    to_target = next((p for p in points if p.get("ok")), None)
    error = next((p["error"] for p in points if "error" in p), None)
    last = next((p for p in reversed(points) if "time" in p), None)
    return {"at_tol": at_tol, "to_target": to_target, "last": last, "error": error,
            "points": points}


def fmt(x, spec=".3g"):
    if x is None:
        return "-"
    if isinstance(x, float) and np.isnan(x):
        return "nan"
    return format(x, spec)


def table(rows, columns):
    """Plain-text (Markdown) table from a list of dicts."""
    head = [c[0] for c in columns]
    body = [[c[1](r) for c in columns] for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body, strict=False)]

    def line(cells):
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in body]
    return "\n".join(out)


def versions():
    out = {"python": platform.python_version()}
    for name in ("numpy", "scipy", "sklearn", "numba", "mtlreg", "skglm", "celer", "cvxpy"):
        try:
            mod = __import__(name)
            out[name] = getattr(mod, "__version__", "?")
        except Exception:
            out[name] = None
    try:
        from threadpoolctl import threadpool_info

        out["blas"] = sorted({f"{i['internal_api']} ({i['num_threads']} threads)"
                              for i in threadpool_info()})
    except Exception:
        pass
    return out


def machine():
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = None
    try:
        with open("/proc/meminfo") as fh:
            mem = round(int(fh.readline().split()[1]) / 2**20, 1)
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": mem,
        "os": f"{platform.system()} {platform.release()}",
    }


def git_revision():
    """Short commit of the checkout, with "+dirty" when mtlreg/ has uncommitted changes."""
    here = os.path.dirname(os.path.abspath(__file__))

    def git(*args):
        return subprocess.run(["git", *args], capture_output=True, text=True, check=True,
                              cwd=here).stdout.strip()

    try:
        rev = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--", os.path.join(here, "..", "mtlreg"))
        return rev + ("+dirty" if dirty else "")
    except Exception:
        return None


def log(msg):
    print(msg, file=sys.stderr, flush=True)
