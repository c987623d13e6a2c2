"""Progress of long runs (campaigns, benchmarks) for the person or the log watching them.

On a terminal the bar is redrawn in place (carriage return) and ends with a
newline when the run is done. Into a file or a CI log, where a redrawn bar
would pile up as one long line, it writes a whole line each time another
tenth of the work is done, and at the end.
"""

from __future__ import annotations

import sys
from typing import TextIO

WIDTH = 30


def bar(done: int, total: int) -> str:
    filled = WIDTH * min(done, total) // max(total, 1)
    return f"[{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{total}"


class Progress:
    """One bar; ``show`` as often as you like, it writes only what its stream can use."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self._tenth = -1

    def show(self, label: str, done: int, total: int, note: str = "") -> None:
        finished = done >= total
        text = f"  {label:18} {bar(done, total)}{' ' + note if note else ''}"
        if self.tty:
            self.stream.write("\r" + text + ("\n" if finished else ""))
        else:
            tenth = 10 * done // max(total, 1)
            if tenth == self._tenth and not finished:
                return
            self._tenth = tenth
            self.stream.write(text + "\n")
        self.stream.flush()
        if finished:
            self._tenth = -1

    def say(self, line: str) -> None:
        """A line of its own (between bars)."""
        self.stream.write(line + "\n")
        self.stream.flush()
