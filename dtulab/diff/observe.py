"""What a differential run compares, and the differences the manual allows.

An ``Observation`` is everything a scenario made one DTU do that another DTU
following the same manual must do alike (issue 17): each step's outcome, the
bytes it wrote to the pile (RS232), the bytes its data centre received, in
order, the SMS it sent, its LEDs when the scenario has settled, and its
settings after a reboot (the dialect's settings dump).

Before comparing, ``NORMALISATIONS`` rewrite what may differ between two
correct DTUs. Each says why; docs/diff.md lists them:

- the version reply (``+CIVER: ...``): each implementation names itself;
- the data centre's port: each bench has its own server on a free port;
- what the DTU writes to the pile after the echo of an ``ATW`` whose save a
  power cut interrupts (``CutSave``): the OK may be out before the power
  fails or not (an emulator's cut lands a moment after the EEPROM write it is
  armed on); the runner puts a marker in its place.

Anything else that differs is a difference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import NamedTuple


class Normalisation(NamedTuple):
    pattern: re.Pattern[str]
    replacement: str
    why: str


NORMALISATIONS = (
    Normalisation(
        re.compile(r"\+CIVER: [^\r\n]*"),
        "+CIVER: <version>",
        "AT+CIVER? names the implementation and its release (manual 3.2, docs/usr721.md)",
    ),
)
PORT = "<dc1 port>"  # what the data centre's own port becomes


@dataclass(frozen=True)
class Observation:
    """One target's account of one scenario (texts are Latin-1, so every byte survives)."""

    outcomes: tuple[str, ...]
    rs232: str  # what the DTU wrote to the pile
    dc1: str  # what the data centre received
    sms: tuple[str, ...] = ()  # "<to>: <text>" of every SMS sent
    leds: str = ""  # e.g. "POW on, NET on, DATA on" once the scenario settled
    settings: tuple[str, ...] = field(default=())  # the settings dump after a reboot

    def normalised(self, port: int) -> Observation:
        """With the differences the manual allows rewritten (``port``: this bench's dc1)."""

        def norm(text: str) -> str:
            for n in NORMALISATIONS:
                text = n.pattern.sub(n.replacement, text)
            return re.sub(rf"(?<![0-9]){port}(?![0-9])", PORT, text)

        return Observation(
            outcomes=tuple(map(norm, self.outcomes)),
            rs232=norm(self.rs232),
            dc1=norm(self.dc1),
            sms=tuple(map(norm, self.sms)),
            leds=self.leds,
            settings=tuple(map(norm, self.settings)),
        )


class Difference(NamedTuple):
    """One part of the observations two targets disagree on."""

    part: str  # outcomes, rs232, dc1, sms, leds, settings
    left: str
    right: str


def compare(left: Observation, right: Observation) -> list[Difference]:
    """The parts of two (normalised) observations that differ, in the order above."""
    return [
        Difference(f.name, _text(getattr(left, f.name)), _text(getattr(right, f.name)))
        for f in fields(Observation)
        if getattr(left, f.name) != getattr(right, f.name)
    ]


def _text(value: str | tuple[str, ...]) -> str:
    return value if isinstance(value, str) else "\n".join(value)
