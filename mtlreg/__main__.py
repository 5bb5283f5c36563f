"""``python -m mtlreg``: the command-line interface (see :mod:`mtlreg.cli`)."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
