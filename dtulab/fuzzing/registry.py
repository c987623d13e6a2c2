"""The fuzz harnesses by name (docs/fuzzing.md): the firmware's libFuzzer ones
(firmware/fuzz/fuzz_<source>.c, built by ``make -C firmware fuzz``) and the Python ones run
with atheris (``dtulab.fuzzing.<source>``, each a ``check(data: bytes)`` that raises on a
broken property). Each keeps its corpus in the repository: the regression inputs every CI
run replays and the seeds of the next long run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parents[2]  # the checkout (firmware/ and tests/ live there)
Engine = Literal["libfuzzer", "atheris"]


@dataclass(frozen=True)
class Harness:
    name: str
    engine: Engine
    source: str  # fuzz_<source>.c, or the module dtulab.fuzzing.<source>
    feeds: str  # one line: what bytes from outside it feeds to what

    @property
    def corpus(self) -> Path:
        if self.engine == "libfuzzer":
            return ROOT / "firmware" / "fuzz" / "corpus" / self.source
        return ROOT / "tests" / "fuzz_corpus" / self.name

    @property
    def binary(self) -> Path:
        """The libFuzzer executable (``make -C firmware fuzz``)."""
        return ROOT / "firmware" / "build" / "fuzz" / f"fuzz_{self.source}"


HARNESSES: dict[str, Harness] = {}


def register(name: str, engine: Engine, source: str, feeds: str) -> None:
    if name in HARNESSES:
        raise ValueError(f"fuzz harness {name} registered twice")
    HARNESSES[name] = Harness(name, engine, source, feeds)


register("fw-at", "libfuzzer", "at", "command lines to the firmware's at_execute / at_run_remote")
register("fw-serial", "libfuzzer", "serial", "timed RS232 bytes to the firmware's serial.c")
register("fw-modem", "libfuzzer", "modem", "the modem's bytes to the firmware's modem.c and net.c")
register("fw-store", "libfuzzer", "store", "any EEPROM image to the firmware's store_load")
register("fw-ftp", "libfuzzer", "ftp", "serial packets to the firmware's FTP frame parser")
register("fw-sms", "libfuzzer", "sms", "SMS texts and AT+CMGR replies to the firmware's sms.c")
register("py-atparse", "atheris", "modem_atparse", "AT lines to the modem model's parse_line")
register("py-pdu", "atheris", "sms_pdu", "PDUs and texts to the modem model's PDU codec")
register("py-usr721", "atheris", "usr721_commands", "command lines to the reference's usr721")
register("py-ftp", "atheris", "ftp_frames", "serial packets to the reference's FTP frame parser")
