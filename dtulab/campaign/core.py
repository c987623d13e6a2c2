"""Fault campaigns: try a fault at every point where it matters, name each failure.

A campaign (power.py, network.py; registered by name in ``CAMPAIGNS``) first
lists its fault points — a power campaign learns them from one clean run of
its scenario — then runs each point on a fresh bench: the fault, the
recovery, and the invariants. A failed invariant raises ``InvariantFailed``;
the point's ``Outcome`` keeps which invariant, the transcripts and the
timeline, and the one-line command that reproduces it (``--only POINT``,
``--seed``, the target's options). A point the target cannot do (its
capabilities, platforms.base.CAPABILITIES) is listed with the reason and
reported ``unsupported``, never run and never passed. ``run_campaign`` prints a
progress bar and a final table and writes ``campaign.json``, ``campaign.html``
and Allure results (report.py).
"""

from __future__ import annotations

import random
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

from dtulab.dialects import dialect
from dtulab.platforms.base import CAPABILITIES, Unsupported
from dtulab.progress import Progress
from dtulab.world import ServerConfig, World, WorldConfig

FACTORY = 60.0  # seconds for factory settings and the restart to GPRS
PASSED, FAILED, NOT_REACHED, UNSUPPORTED = "passed", "failed", "not reached", "unsupported"
STATUSES = (PASSED, FAILED, NOT_REACHED, UNSUPPORTED)


class CampaignError(ValueError):
    """Bad campaign input (unknown scenario or point); one line for the CLI."""


class InvariantFailed(AssertionError):
    """An invariant did not hold at a fault point."""

    def __init__(self, invariant: str, detail: str) -> None:
        super().__init__(f"{invariant}: {detail}")
        self.invariant = invariant
        self.detail = detail


class NotReached(Exception):
    """The fault point never came up in this run (its trigger did not fire)."""


def check(invariant: str, condition: bool, detail: str) -> None:
    if not condition:
        raise InvariantFailed(invariant, detail)


@dataclass(frozen=True)
class Point:
    """One place to put a fault: ``id`` is what ``--only`` takes; ``unsupported`` says why
    the target cannot do it ("": it can)."""

    id: str
    description: str
    unsupported: str = ""


@dataclass
class Outcome:
    point: Point
    status: str
    invariant: str = ""
    detail: str = ""
    seconds: float = 0.0
    reproduce: str = ""
    evidence: dict[str, str] = field(default_factory=dict)  # transcripts, timeline, console

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "point": asdict(self.point)}


@dataclass(frozen=True)
class Options:
    target: str = "reference"
    scenario: str = ""
    depth: int = 1
    seed: int = 1
    short: bool = False  # the CI version: fewer points
    state_dir: str | None = None
    # the target's options by name (platforms.base.user_options: firmware, lg_env, port, ...)
    target_options: dict[str, Any] = field(default_factory=dict)


class Campaign:
    """A set of fault points and how to try one."""

    name: ClassVar[str]

    def __init__(self, options: Options) -> None:
        self.options = options
        self.random = random.Random(options.seed)
        self._capabilities: frozenset[str] | None = None

    def points(self) -> list[Point]:
        raise NotImplementedError

    def run_point(self, point: Point, world: World) -> None:
        """Fault, recovery, invariants on a started bench; raise InvariantFailed or NotReached."""
        raise NotImplementedError

    def world_config(self) -> WorldConfig:
        o = self.options
        return WorldConfig(
            target=o.target,
            timing="fast",
            state_dir=o.state_dir,
            servers=[ServerConfig("dc1"), ServerConfig("dc2")],
            **o.target_options,
        )

    def capabilities(self) -> frozenset[str]:
        """What the target can do, as a bench on it says (started once, unpowered)."""
        if self._capabilities is None:
            with bench(replace(self.world_config(), power_on=False)) as world:
                self._capabilities = frozenset(c for c in CAPABILITIES if world.target.has(c))
        return self._capabilities

    def lacking(self, *needs: str) -> str:
        """Why the target cannot do a point that needs ``needs`` ("" if it can)."""
        missing = [c for c in needs if c not in self.capabilities()]
        return "; ".join(str(Unsupported(self.options.target, CAPABILITIES[c])) for c in missing)

    def reproduce(self, point: Point) -> str:
        o = self.options
        parts = [f"dtulab campaign {self.name} --target {o.target}"]
        if o.scenario:
            parts.append(f"--scenario {o.scenario}")
        parts += [f"--{k.replace('_', '-')} {v}" for k, v in o.target_options.items()]
        if o.depth != 1:
            parts.append(f"--depth {o.depth}")
        parts.append(f"--seed {o.seed} --only {point.id}")
        return " ".join(parts)


CAMPAIGNS: dict[str, type[Campaign]] = {}


def register(cls: type[Campaign]) -> type[Campaign]:
    CAMPAIGNS[cls.name] = cls
    return cls


@contextmanager
def bench(config: WorldConfig) -> Iterator[World]:
    world = World(config)
    world.start()
    try:
        yield world
    finally:
        world.stop()


def fresh(world: World) -> None:
    """Every bench starts from the factory settings: a new EEPROM image where the bench
    models it; else (a real device keeps its EEPROM from run to run) ``AT+CIRELOAD``."""
    if not world.target.has("eeprom"):
        with world.host() as host:
            speaker = dialect(world.config.dialect, host)
            if world.target.has("leds"):  # it has just been powered: booting, then GPRS
                world.wait_led("NET", True, FACTORY)
            else:
                speaker.wait_online(FACTORY)
            speaker.factory_reset(FACTORY)


def evidence(world: World) -> dict[str, str]:
    """What a failure report shows: the link transcripts (the modem's where the bench models
    it), the timeline, the console."""
    out = {"RS232 transcript": world.call(world.rs232_transcript.text)}
    if world.target.has("modem"):
        out["modem transcript"] = world.call(world.modem_transcript.text)
    out["timeline"] = world.timeline()
    console = world.target.console
    if console:
        out["firmware console"] = "\n".join(console[-300:])
    return out


def try_point(campaign: Campaign, point: Point) -> Outcome:
    start = time.monotonic()
    outcome = Outcome(point, PASSED, reproduce=campaign.reproduce(point))
    if point.unsupported:  # never run: the target cannot do it
        outcome.status, outcome.detail = UNSUPPORTED, point.unsupported
        return outcome
    with bench(campaign.world_config()) as world:
        try:
            fresh(world)
            campaign.run_point(point, world)
        except InvariantFailed as exc:
            outcome.status, outcome.invariant, outcome.detail = FAILED, exc.invariant, exc.detail
        except NotReached as exc:
            outcome.status, outcome.detail = NOT_REACHED, str(exc)
        except Unsupported as exc:  # found out on the way: the reason, not a failure
            outcome.status, outcome.detail = UNSUPPORTED, str(exc)
        except Exception as exc:  # the bench itself or a timeout: still this point's failure
            outcome.status, outcome.invariant = FAILED, "ran to the end"
            outcome.detail = f"{exc!r}\n{traceback.format_exc(limit=4)}"
        if outcome.status in (FAILED, NOT_REACHED):
            outcome.evidence = evidence(world)
    outcome.seconds = round(time.monotonic() - start, 2)
    return outcome


def select(points: list[Point], only: str | None) -> list[Point]:
    if not only:
        return points
    chosen = [p for p in points if p.id == only]
    if not chosen:
        known = ", ".join(p.id for p in points[:12]) + (" …" if len(points) > 12 else "")
        raise CampaignError(f"no point '{only}' in this campaign (points: {known})")
    return chosen


def run_points(
    campaign: Campaign, points: list[Point], progress: Progress | None = None
) -> list[Outcome]:
    outcomes: list[Outcome] = []
    failed = 0
    for i, point in enumerate(points):
        if progress:
            progress.show(campaign.name, i, len(points), f"failed {failed} {point.id[:40]:40}")
        outcome = try_point(campaign, point)
        failed += outcome.status == FAILED
        outcomes.append(outcome)
    if progress:
        progress.show(campaign.name, len(points), len(points), f"failed {failed} {'done':40}")
    return outcomes


def run_campaign(
    name: str,
    options: Options,
    only: str | None = None,
    out: Path | None = None,
    allure_dir: Path | None = None,
    progress: Progress | None = None,
) -> list[Outcome]:
    """List the points (learning where needed), try each, write the reports under ``out``."""
    from dtulab.campaign import report

    if name not in CAMPAIGNS:
        raise CampaignError(f"unknown campaign '{name}' (known: {', '.join(sorted(CAMPAIGNS))})")
    campaign = CAMPAIGNS[name](options)
    if progress:
        progress.say(f"  {name}: finding the fault points (a clean run) on {options.target}")
    points = select(campaign.points(), only)
    outcomes = run_points(campaign, points, progress)
    if out is not None:
        title = f"{name} campaign on {options.target}" + (
            f" ({options.scenario})" if options.scenario else ""
        )
        meta = {"campaign": name, "options": asdict(options), "only": only}
        report.write(out, allure_dir, title, meta, outcomes)
    return outcomes
