"""Headless Chromium (Debian's ``chromium``, installed by scripts/setup): a page printed to PDF,
and the DOM a real browser builds from it.

Follows Chromium's command-line switches for headless mode (``--headless``,
``--print-to-pdf``, ``--no-pdf-header-footer``, ``--dump-dom``). Each run gets a
fresh ``--user-data-dir`` and its own process group, killed whole if it
outlives ``timeout``; as root Chromium needs ``--no-sandbox``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

TIMEOUT = 120.0  # generous: a loaded 2-core machine starts Chromium in a few seconds


class ChromiumError(RuntimeError):
    """Chromium is missing, failed or did not finish (the message says which)."""


def find() -> str | None:
    """The Chromium binary on PATH (``chromium``, as Debian names it), or None."""
    return shutil.which("chromium")


def run(*args: str, timeout: float = TIMEOUT) -> str:
    """Run headless Chromium with ``args``; its standard output."""
    binary = find()
    if binary is None:
        raise ChromiumError("chromium not found on PATH (scripts/setup installs Debian's chromium)")
    with tempfile.TemporaryDirectory(prefix="dtulab-chromium-") as profile:
        argv = [
            binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            f"--user-data-dir={profile}", *args,
        ]  # fmt: skip
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ChromiumError(f"chromium still running after {timeout:g} s: stopped") from None
        finally:  # no browser process of this run is left behind, whatever happened
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    if proc.returncode != 0:
        last = (err.strip().splitlines() or ["no message"])[-1]
        raise ChromiumError(f"chromium failed (exit {proc.returncode}): {last}")
    return out


def print_pdf(page: Path, pdf: Path, timeout: float = TIMEOUT) -> None:
    """Print the HTML file ``page`` to ``pdf`` as Chromium prints it (its print stylesheet)."""
    pdf.unlink(missing_ok=True)
    run("--no-pdf-header-footer", f"--print-to-pdf={pdf.resolve()}", page.resolve().as_uri(),
        timeout=timeout)  # fmt: skip
    if not pdf.exists() or not pdf.read_bytes().startswith(b"%PDF"):
        raise ChromiumError(f"chromium wrote no PDF to {pdf}")


def dump_dom(page: Path, timeout: float = TIMEOUT) -> str:
    """The DOM Chromium built from the HTML file ``page``, serialised."""
    return run("--dump-dom", page.resolve().as_uri(), timeout=timeout)
