"""Speed and memory benchmarks of mtlreg against its peers.

Run ``python -m benchmarks.run --help`` from the repository root. Nothing here is
installed or imported by the package; the peers (scikit-learn, skglm, celer,
cvxpy, matplotlib) are used when they are installed and skipped otherwise.
"""
