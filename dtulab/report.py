"""The conformance summary: requirement ID → verdict per target, from the test results.

Reads what ``scripts/test`` leaves in ``build/``:

- ``build/pytest-requirements.json`` — each pytest test with its ``req``
  markers, the target it ran on (``reference`` unless the test ran on
  another) and its outcome (written by tests/conftest.py);
- ``build/robot/<target>/output.xml`` — one Robot run per target; a test's
  requirement IDs are its ``R-…`` tags, and a failure whose message starts
  with ``unsupported on`` counts as *unsupported*, not as a failure.

For every requirement of docs/behaviour.md and every target the verdict is
``pass`` (tests ran and all passed), ``fail`` (any failed), ``unsupported``
(every test that names it is unsupported on that target) or ``not run``.
Written as Markdown and HTML.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REQ = re.compile(r"^R-[A-Z]+-\d+$")


@dataclass
class Tally:
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        if self.failed:
            return "fail"
        if self.passed:
            return "pass"
        if self.unsupported:
            return "unsupported"
        return "not run"


Results = dict[str, dict[str, Tally]]  # target -> requirement -> tally


def requirement_ids(behaviour: Path) -> list[str]:
    ids = re.findall(r"\*\*(R-[A-Z]+-\d+)\*\*", behaviour.read_text())
    return list(dict.fromkeys(ids))


def read_pytest(path: Path, results: Results) -> None:
    """build/pytest-requirements.json: each test's requirement IDs, target and outcome; a test
    skipped as "unsupported on <target>: <reason>" counts as unsupported, other skips as not
    run."""
    for test in json.loads(path.read_text()):
        outcome, name = test.get("outcome"), f"pytest {test['name']}"
        unsupported = re.search(r"unsupported on \S+: [^\n]*", test.get("reason", ""))
        for req in test["reqs"]:
            tally = results[test.get("target", "reference")].setdefault(req, Tally())
            if outcome == "passed":
                tally.passed.append(name)
            elif outcome == "failed":
                tally.failed.append(name)
            elif outcome == "skipped" and unsupported:
                tally.unsupported.append(f"{name}: {unsupported.group(0)}")


def read_robot(output: Path, target: str, results: Results) -> None:
    from robot.api import ExecutionResult, ResultVisitor
    from robot.result import TestCase

    class Collect(ResultVisitor):  # type: ignore[misc]  # robot.api is untyped
        def visit_test(self, test: TestCase) -> None:
            for tag in test.tags:
                if not REQ.match(str(tag)):
                    continue
                tally = results[target].setdefault(str(tag), Tally())
                name = f"robot {test.longname}"
                unsupported = re.search(r"unsupported on \S+: [^\n]*", test.message)
                if test.passed:
                    tally.passed.append(name)
                elif unsupported and test.skipped:  # platforms.base.Unsupported skips
                    tally.unsupported.append(f"{name}: {unsupported.group(0)}")
                elif test.failed:
                    tally.failed.append(f"{name}: {test.message.splitlines()[0][:200]}")

    ExecutionResult(str(output)).visit(Collect())


def collect(build: Path) -> Results:
    results: Results = defaultdict(dict)
    pytest_json = build / "pytest-requirements.json"
    if pytest_json.exists():
        read_pytest(pytest_json, results)
    for output in sorted((build / "robot").glob("*/output.xml")):
        read_robot(output, output.parent.name, results)
    return results


def summary(results: Results, ids: list[str]) -> tuple[list[str], list[list[str]]]:
    targets = sorted(results, key=lambda t: (t != "reference", t))
    rows = [[req, *(results[t].get(req, Tally()).verdict for t in targets)] for req in ids]
    return targets, rows


def markdown(targets: list[str], rows: list[list[str]]) -> str:
    lines = ["# Conformance summary", "", "| requirement | " + " | ".join(targets) + " |"]
    lines.append("|---" * (len(targets) + 1) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def html_page(targets: list[str], rows: list[list[str]], results: Results) -> str:
    colours = {"pass": "#c8f0c8", "fail": "#f5b5b5", "unsupported": "#e8e8e8", "not run": "#fff2b0"}
    head = "".join(f"<th>{html.escape(t)}</th>" for t in targets)
    body = []
    for req, *verdicts in rows:
        cells = []
        for target, verdict in zip(targets, verdicts, strict=True):
            tally = results[target].get(req, Tally())
            detail = html.escape("\n".join(tally.failed + tally.unsupported + tally.passed))
            cells.append(
                f'<td style="background:{colours[verdict]}" title="{detail}">{verdict}</td>'
            )
        body.append(f"<tr><th>{req}</th>{''.join(cells)}</tr>")
    return (
        "<!doctype html><meta charset=utf-8><title>dtulab conformance</title>"
        "<style>body{font-family:sans-serif}td,th{padding:4px 10px;border:1px solid #ccc}"
        "table{border-collapse:collapse}</style><h1>Conformance summary</h1>"
        f"<table><tr><th>requirement</th>{head}</tr>{''.join(body)}</table>"
        "<p>Hover a cell for the tests behind it.</p>"
    )


def allure_html(results: Path, out: Path) -> str:
    """The Allure HTML report (the ``allure`` npm package, installed by scripts/setup)."""
    tool = Path(__file__).resolve().parents[1] / "node_modules" / ".bin" / "allure"
    if not tool.exists():
        return "Allure HTML skipped: node_modules/.bin/allure missing (run scripts/setup)"
    if not results.is_dir() or not any(results.iterdir()):
        return f"Allure HTML skipped: no results in {results}"
    done = subprocess.run(
        [str(tool), "generate", str(results), "--output", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        return f"Allure HTML failed: {(done.stderr or done.stdout).strip().splitlines()[-1:]}"
    return f"Allure HTML in {out / 'index.html'}"


def write(build: Path, behaviour: Path, out: Path) -> tuple[list[str], list[list[str]]]:
    results = collect(build)
    targets, rows = summary(results, requirement_ids(behaviour))
    out.mkdir(parents=True, exist_ok=True)
    (out / "conformance.md").write_text(markdown(targets, rows))
    (out / "conformance.html").write_text(html_page(targets, rows, results))
    return targets, rows
