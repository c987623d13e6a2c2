"""A scenario as a file, and playing one again: what a reproducer (pytest or Robot) calls.

A scenario file is JSON: ``{"targets": [...], "options": {...}, "steps": [...]}``,
each step ``{"step": "<name>", <field>: <value>}`` with bytes as
``{"hex": "..."}``. ``replay`` plays a scenario on fresh benches of the given
targets and ``assert_agree`` fails with what differs: the Robot keyword
``Targets Should Agree On Scenario`` (robot/DiffLibrary.py) and the pytest
reproducers that ``dtulab diff`` writes are both one call of them.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from dtulab.diff.runner import DiffBench
from dtulab.diff.search import Play, play
from dtulab.diff.steps import STEPS, Step


def step_to_json(step: Step) -> dict[str, Any]:
    fields = {
        k: {"hex": v.hex()} if isinstance(v, bytes) else v
        for k, v in asdict(step).items()  # type: ignore[call-overload]
    }
    return {"step": step.name, **fields}


def step_from_json(data: dict[str, Any]) -> Step:
    data = dict(data)
    name = data.pop("step", None)
    if name not in STEPS:
        raise ValueError(f"unknown step {name!r} (known: {', '.join(sorted(STEPS))})")
    args = {k: bytes.fromhex(v["hex"]) if isinstance(v, dict) else v for k, v in data.items()}
    return STEPS[name](**args)


def save(path: Path, steps: list[Step], targets: list[str], options: dict[str, Any]) -> None:
    doc = {"targets": targets, "options": options, "steps": [step_to_json(s) for s in steps]}
    path.write_text(json.dumps(doc, indent=1) + "\n")


def load(path: Path) -> tuple[list[Step], list[str], dict[str, Any]]:
    """The steps, targets and target options of a scenario file."""
    doc = json.loads(Path(path).read_text())
    return [step_from_json(s) for s in doc["steps"]], list(doc["targets"]), doc.get("options", {})


def replay(steps: list[Step], targets: list[str], options: dict[str, Any] | None = None) -> Play:
    """``steps`` on a fresh bench of each target (the first is the golden model); ``options``
    are the bench's target options (``firmware``, ``board``, ...), each used by the targets
    that have it."""
    with contextlib.ExitStack() as stack:
        benches = [stack.enter_context(DiffBench(t, options)) for t in targets]
        return play(benches, steps)


def differences_text(result: Play) -> str:
    """Each part that differs, with what the golden model and the other target did."""
    golden = next(iter(result.observations))
    lines = []
    for target, diffs in result.differences.items():
        for d in diffs:
            lines += [f"{d.part}:", f"  {golden}: {d.left!r}", f"  {target}: {d.right!r}"]
    return "\n".join(lines)


def assert_agree(result: Play) -> None:
    """Fail with what differs, if anything does."""
    if result.differs:
        raise AssertionError("the targets differ:\n" + differences_text(result))
