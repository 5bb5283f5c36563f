"""Progress for long searches: a bar on a terminal, plain log lines otherwise.

Silent unless ``verbose`` is set, like everything else in the package.
"""

import sys
import time


class Progress:
    def __init__(self, total, desc, verbose=0, stream=None):
        self.total, self.desc, self.verbose = total, desc, verbose
        self.stream = sys.stderr if stream is None else stream
        self.done = 0
        self.start = time.perf_counter()
        self.bar = verbose and hasattr(self.stream, "isatty") and self.stream.isatty()

    def update(self, info=""):
        self.done += 1
        if not self.verbose:
            return
        elapsed = time.perf_counter() - self.start
        if self.bar:
            width = 30
            filled = int(width * self.done / self.total)
            line = (
                f"\r{self.desc} [{'#' * filled}{'.' * (width - filled)}] "
                f"{self.done}/{self.total} {elapsed:5.1f}s {info}"
            )
            self.stream.write(line)
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(f"[{self.desc}] {self.done}/{self.total} {elapsed:.1f}s {info}\n")
        self.stream.flush()
