"""What ``dtulab diff`` leaves behind: reproducers and the side-by-side report.

For a difference it writes, in its output folder:

- ``scenario.json``: the shrunk scenario, its targets and options (scenario.py);
- ``test_diff_seed<N>.py``: a pytest test with the steps written out, which
  fails while the targets differ (copy it into tests/ to keep it);
- ``diff_seed<N>.robot``: the same as a Robot test
  (``Targets Should Agree On Scenario``, robot/DiffLibrary.py);
- ``diff.html``: the steps with each target's outcome, and every part of the
  observations (RS232 out, data centre in, SMS, LEDs, settings) side by side,
  the parts that differ marked.

Without a difference only ``diff.html`` is written (what was played, and that
the targets agreed).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from dtulab.diff.observe import Observation
from dtulab.diff.scenario import save
from dtulab.diff.search import Play, Result

PYTEST = '''"""Found by `{command}`: the targets differ in {parts}.

Kept as a regression test: it passes once they agree (docs/diff.md).
"""

from dtulab.diff.scenario import assert_agree, replay
from dtulab.diff.steps import {imports}

TARGETS = {targets!r}
OPTIONS = {options!r}
STEPS = [
{steps}
]


def test_the_targets_agree_seed{seed}() -> None:
    assert_agree(replay(STEPS, TARGETS, OPTIONS))
'''

ROBOT = """*** Settings ***
Documentation     Found by ``{command}``: the targets differ in {parts}.
...               The scenario is scenario.json beside this file (docs/diff.md).
Library           dtulab.robot.DiffLibrary


*** Test Cases ***
The Targets Agree On Scenario Seed {seed}
    Targets Should Agree On Scenario    ${{CURDIR}}/scenario.json
"""


def write(
    result: Result, out: Path, command: str, seed: int, targets: list[str], options: dict[str, Any]
) -> list[Path]:
    """The files for ``result`` in ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    report = out / "diff.html"
    shown = result.finding or result.unstable
    report.write_text(page(result, shown, command))
    if result.finding is None:
        return [report]
    found = result.finding
    parts = ", ".join(sorted({d.part for ds in found.differences.values() for d in ds}))
    scenario = out / "scenario.json"
    save(scenario, found.scenario, targets, options)
    names = sorted({type(s).__name__ for s in found.scenario})
    test = out / f"test_diff_seed{seed}.py"
    test.write_text(
        PYTEST.format(
            command=command,
            parts=parts,
            imports=", ".join(names) if names else "Step",
            targets=targets,
            options=options,
            steps="".join(f"    {s!r},\n" for s in found.scenario).rstrip("\n"),
            seed=seed,
        )
    )
    robot = out / f"diff_seed{seed}.robot"
    robot.write_text(ROBOT.format(command=command, parts=parts, seed=seed))
    return [scenario, test, robot, report]


def page(result: Result, shown: Play | None, command: str) -> str:
    """The HTML report: the search's figures and, for a difference, both sides."""
    head = (
        f"<h1>dtulab diff</h1><p><code>{html.escape(command)}</code></p>"
        f"<p>{result.played} scenarios played in {result.seconds:.0f} s.</p>"
    )
    if shown is None:
        body = "<p>No difference: every scenario did the same on every target.</p>"
    else:
        verdict = (
            "A difference, seen again on a second run"
            if shown is result.finding
            else "A difference that did not come back on a second run (timing, not behaviour)"
        )
        body = f"<h2>{verdict}</h2>" + _steps(shown) + _parts(shown)
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>dtulab diff</title><style>"
        "body{font-family:sans-serif}table{border-collapse:collapse}"
        "td,th{border:1px solid #999;padding:4px;vertical-align:top}"
        "pre{margin:0;white-space:pre-wrap;max-width:60ch}.differs{background:#fdd}"
        "</style></head><body>" + head + body + "</body></html>\n"
    )


def _steps(shown: Play) -> str:
    names = list(shown.observations)
    rows = ["<tr><th>#</th><th>step</th>" + "".join(f"<th>{n}</th>" for n in names) + "</tr>"]
    labels = ["(power on from the saved image)", *map(repr, shown.scenario)]
    for i, label in enumerate(labels):
        outcomes = [shown.observations[n].outcomes[i] for n in names]
        mark = " class='differs'" if len(set(outcomes)) > 1 else ""
        cells = "".join(f"<td>{html.escape(o)}</td>" for o in outcomes)
        rows.append(f"<tr{mark}><td>{i}</td><td><code>{html.escape(label)}</code></td>{cells}</tr>")
    return "<h3>Steps and outcomes</h3><table>" + "".join(rows) + "</table>"


def _parts(shown: Play) -> str:
    names = list(shown.observations)
    rows = ["<tr><th>part</th>" + "".join(f"<th>{n}</th>" for n in names) + "</tr>"]
    for part in ("rs232", "dc1", "sms", "leds", "settings"):
        values = [_show(shown.observations[n], part) for n in names]
        mark = " class='differs'" if len(set(values)) > 1 else ""
        cells = "".join(f"<td><pre>{html.escape(v)}</pre></td>" for v in values)
        rows.append(f"<tr{mark}><td>{part}</td>{cells}</tr>")
    return "<h3>What each target did</h3><table>" + "".join(rows) + "</table>"


def _show(observation: Observation, part: str) -> str:
    value = getattr(observation, part)
    if isinstance(value, tuple):
        return "\n".join(value)
    text: str = value
    return text.replace("\r", "\\r").replace("\n", "\\n\n")
