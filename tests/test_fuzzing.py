"""The fuzz harness registry (dtulab/fuzzing, docs/fuzzing.md): every harness is registered
once with its source and a saved corpus, the Python harnesses pass their corpora (the
regression inputs), their properties catch what they claim to, and scripts/fuzz answers bad
arguments with one line and exit status 2. The firmware's harnesses are built and replayed by
the fuzz job of scripts/test (clang)."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from dtulab.dtu import ftp_download as ftp
from dtulab.dtu import usr721
from dtulab.fuzzing import ftp_frames, modem_atparse, runner, usr721_commands
from dtulab.fuzzing.registry import HARNESSES, ROOT
from dtulab.peripherals.gsm_modem.atparse import parse_line

PYTHON = [h for h in HARNESSES.values() if h.engine == "atheris"]


def test_every_firmware_harness_is_registered_with_its_source_and_corpus():
    sources = {p.stem.removeprefix("fuzz_") for p in (ROOT / "firmware" / "fuzz").glob("fuzz_*.c")}
    registered = {h.source for h in HARNESSES.values() if h.engine == "libfuzzer"}
    assert sources == registered
    for h in HARNESSES.values():
        assert any(h.corpus.iterdir()), f"{h.name}: empty corpus {h.corpus}"


@pytest.mark.parametrize("harness", PYTHON, ids=[h.name for h in PYTHON])
def test_python_harness_passes_its_corpus(harness):
    assert runner.replay(harness) > 0


def test_properties_catch_what_they_claim():
    # a parse that does not survive being written back would be reported
    assert modem_atparse.canonical(parse_line('+CMGS="1"')[0]) == '+CMGS="1"'
    # a frame parser that lost a byte would be reported: feed the harness a broken one
    frame = ftp.frame(ftp.START, b"ftp://h/f")
    original = ftp._State.parse

    def lossy(self: ftp._State, ftp_mode: bool) -> bytes:
        return original(self, ftp_mode)[1:]

    ftp._State.parse = lossy  # type: ignore[method-assign]
    try:
        with pytest.raises(AssertionError, match="lost"):
            ftp_frames.check(b"\x00\x05hello" + bytes([len(frame)]) + frame)
    finally:
        ftp._State.parse = original  # type: ignore[method-assign]


@pytest.mark.parametrize(
    "argv", [["nope"], [], ["fw-at", "--time", "0"], ["fw-at", "--jobs", "0"], ["--ci", "fw-at"]]
)
def test_bad_arguments_one_line_exit_2(argv):
    done = subprocess.run(
        [sys.executable, "-m", "dtulab.fuzzing", *argv], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stdout == "" and len(done.stderr.splitlines()) == 1, done.stderr


def test_list_names_every_harness():
    done = subprocess.run(
        [sys.executable, "-m", "dtulab.fuzzing", "--list"], capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    assert [line.split()[0] for line in done.stdout.splitlines()] == list(HARNESSES)


@pytest.mark.parametrize("line", ['AT+CIMOD="\x1d4"', 'AT+CIMOD=" 4\x1c"', "AT+CIMOD=\x1d4"])
def test_a_number_with_white_space_around_it_is_the_number(line):
    """py-usr721 found AT+CIMOD="<0x1d>...4" raising ValueError out of execute: str.strip takes
    0x1c-0x1f as white space, int() does not. Now the stripped digits count, as in the firmware."""
    dtu = usr721_commands.Bench()
    assert asyncio.run(usr721.execute(dtu, line, usr721.Session("serial"))) == ["OK"]
    assert dtu.settings.mode_name == "SMS"


@pytest.mark.slow
def test_a_firmware_corpus_replays_in_a_fresh_checkout(tmp_path, monkeypatch):
    """A clean clone has no build/fuzz yet: replaying a firmware corpus (what CI's fuzz job
    does first) makes the folder libFuzzer writes into (CI run 37 failed without it)."""
    runner.build()
    monkeypatch.setattr(runner, "BUILD", tmp_path / "build" / "fuzz")
    harness = HARNESSES["fw-store"]
    assert runner.replay(harness) == len([p for p in harness.corpus.iterdir() if p.is_file()])
    assert (tmp_path / "build" / "fuzz").is_dir()
