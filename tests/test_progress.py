"""The progress bar of campaigns and benchmarks (dtulab/progress.py)."""

import io

from dtulab.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_a_line_per_tenth_and_the_end():
    log = io.StringIO()
    progress = Progress(log)
    for done in range(1001):
        progress.show("soak", done, 1000)
    lines = log.getvalue().splitlines()
    assert len(lines) == 11 and "\r" not in log.getvalue()
    assert lines[-1].endswith("[" + "#" * 30 + "] 1000/1000")
    progress.show("again", 0, 5)  # a second run starts its own lines
    assert log.getvalue().splitlines()[-1].startswith("  again")


def test_a_terminal_gets_one_line_redrawn_in_place():
    term = Terminal()
    progress = Progress(term)
    for done in range(4):
        progress.show("boot", done, 3, note=f"failed {done}")
    text = term.getvalue()
    assert text.count("\r") == 4 and text.count("\n") == 1 and text.endswith("failed 3\n")
    progress.say("done")
    assert term.getvalue().endswith("\ndone\n")
