"""The search: scenarios drawn by hypothesis, played on every target, compared, shrunk.

``search`` draws scenarios from the grammar (grammar.py) with a fixed seed,
plays each on the first target (the golden model, usually ``reference``) and
on each other target from the same start (runner.py), and compares what they
did (observe.py). Drawing stops at the first difference or when the budget is
spent. A difference is then shrunk by hypothesis (``hypothesis.find``: fewer
steps, simpler steps, as long as some difference remains) within a budget of
its own, and the smallest scenario is played once more on every target: a
difference that does not come back is *unstable* (timing, not behaviour) and
reported as such, never as a finding.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, find, settings
from hypothesis.errors import NoSuchExample

from dtulab.diff.grammar import scenarios
from dtulab.diff.observe import Difference, Observation, compare
from dtulab.diff.runner import DiffBench
from dtulab.diff.steps import Step


@dataclass
class Play:
    """One scenario played on every bench: each bench's observation, and the differences of
    each other bench from the first."""

    scenario: list[Step]
    observations: dict[str, Observation]
    differences: dict[str, list[Difference]]

    @property
    def differs(self) -> bool:
        return any(self.differences.values())


@dataclass
class Result:
    """What a search found: ``played`` scenarios in all, the ``finding`` (shrunk, and seen
    again) or an ``unstable`` difference that did not come back, or neither."""

    played: int = 0
    seconds: float = 0.0
    finding: Play | None = None
    unstable: Play | None = None
    first: Play | None = None  # the difference as first seen, before shrinking
    log: list[str] = field(default_factory=list)


class BudgetSpent(Exception):
    """The search's time is up (raised through hypothesis to end the drawing)."""


def play(benches: Sequence[DiffBench], scenario: list[Step]) -> Play:
    """``scenario`` on every bench, side by side (each bench is its own world); the
    differences from the first."""
    with ThreadPoolExecutor(len(benches)) as pool:
        runs = [pool.submit(b.run, scenario) for b in benches]
        observations = {b.name: run.result() for b, run in zip(benches, runs, strict=True)}
    golden = observations[benches[0].name]
    differences = {b.name: compare(golden, observations[b.name]) for b in benches[1:]}
    return Play(scenario, observations, differences)


def search(
    benches: Sequence[DiffBench],
    seed: int = 1,
    steps: int = 8,
    budget: float = 120.0,
    shrink_budget: float | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> Result:
    """Draw and play scenarios until a difference or ``budget`` seconds; shrink a difference
    for at most ``shrink_budget`` s (default: the same as ``budget``)."""
    result = Result()
    start = time.monotonic()
    shrinking: list[float] = []  # the moment shrinking began, once a difference is seen
    smallest: list[Play] = []
    seen: dict[str, bool] = {}  # hypothesis asks again for the one it reports: same answer

    def differs(scenario: list[Step]) -> bool:
        key = repr(scenario)
        if key not in seen:
            seen[key] = fresh(scenario)
        return seen[key]

    def fresh(scenario: list[Step]) -> bool:
        now = time.monotonic()
        if not shrinking and now - start > budget:
            raise BudgetSpent
        if shrinking and now - shrinking[0] > (budget if shrink_budget is None else shrink_budget):
            return False  # out of shrinking time: hypothesis keeps what it has
        result.played += 1
        played = play(benches, scenario)
        phase = "shrinking" if shrinking else "searching"
        progress(f"{phase}: scenario {result.played}, {len(scenario)} steps: "
                 + ("differs" if played.differs else "same"))  # fmt: skip
        if played.differs:
            if not shrinking:
                shrinking.append(time.monotonic())
                result.first = played
            smallest[:] = [played]
        return played.differs

    options = settings(
        max_examples=100_000,
        deadline=None,
        database=None,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
    )
    with contextlib.suppress(BudgetSpent, NoSuchExample):
        find(scenarios(max_steps=steps), differs, settings=options, random=random.Random(seed))
    if smallest:
        again = play(benches, smallest[0].scenario)  # seen once more: behaviour, not timing
        if again.differs:
            result.finding = again
        else:
            result.unstable = smallest[0]
    result.seconds = time.monotonic() - start
    return result
