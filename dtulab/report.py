"""The conformance report: for each target and AT dialect, each requirement's verdict and the
tests behind it.

A column of the report is a target in a dialect (dialects.py): named after the
target in the default dialect (usr721), ``<target>+<dialect>`` in another
(``identity.column``). Reads what ``scripts/test`` leaves in ``build/``:

- ``build/pytest-requirements*.json`` — each pytest test with its ``req``
  markers, the target and dialect it ran with (``reference`` and usr721 unless
  the test ran with others) and its outcome (written by tests/conftest.py);
  its log is ``build/logs/pytest.log``, its transcripts the attachments of its
  Allure result in ``build/allure-results``;
- ``build/robot/<folder>/output.xml`` — one Robot run per column; its target
  is the run's ``Target`` metadata (the folder's name without it), its dialect
  the ``Dialect`` metadata (usr721 without it: ``--metadata Dialect:<name>``
  beside ``--variable DIALECT:<name>``); a test's requirement IDs are its
  ``R-…`` tags; its log is ``log.html#<test id>`` beside it, its transcript
  the LED/power timeline that ``Log Bench Report`` draws in ``timelines/``
  (under pabot, in ``pabot_results/<n>/timelines/``);
- ``build/junit/*.xml`` and the Robot outputs — when the tests ran;
- ``build/identity/<column>.json`` (and ``identity/`` beside a Robot output)
  — the device as the bench read it (dtulab/identity.py).

A test skipped as ``unsupported on <target>: <reason>`` (platforms.base.Unsupported)
is *unsupported*, one skipped as ``unsupported by the dialect <name>: <reason>``
(the dialect's DialectUnsupported) *unsupported by dialect*: neither is a pass
nor a failure. For every requirement of docs/behaviour.md and every column the
verdict is ``pass`` (tests ran and all passed), ``fail`` (any failed),
``unsupported`` (none ran, one because the target cannot do what it needs),
``unsupported by dialect`` (none ran, only because the dialect cannot express
what they need) or ``not run``. Written as ``conformance.md`` (the compact grid and why
what is unsupported is) and ``conformance.html``: a page a lab hands over —
dtulab's version, when the tests ran, the firmware's coverage where
``coverage/`` beside it has it (coverage.py), per column the device's identity and
every requirement with its text, verdict and tests, each linked to its log and
transcripts — with a print stylesheet, which headless Chromium prints to
``conformance.pdf`` (``dtulab report``, dtulab/chromium.py).
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dtulab import __version__, chromium, coverage, identity

REQ = re.compile(r"^R-[A-Z]+-\d+$")
UNSUPPORTED = re.compile(r"unsupported on \S+: [^\n]*")  # platforms.base.Unsupported
BY_DIALECT = re.compile(r"unsupported by the dialect \S+: [^\n]*")  # dialects.DialectUnsupported
VERDICTS = ("pass", "fail", "unsupported", "unsupported by dialect", "not run")


class ReportError(ValueError):
    """A results file that is not what the test runs write (the message names it)."""


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except ValueError as exc:
        raise ReportError(f"{path}: not JSON ({exc})") from None


@dataclass(frozen=True)
class Link:
    """A file the report points at (absolute), and the label it shows."""

    label: str
    path: Path
    anchor: str = ""


@dataclass(frozen=True)
class Test:
    """One test run that names a requirement: ``outcome`` is passed, failed, unsupported or
    unsupported by dialect; ``note`` the failure message or the reason it is unsupported."""

    name: str
    outcome: str
    note: str = ""
    links: tuple[Link, ...] = ()


@dataclass
class Tally:
    passed: list[Test] = field(default_factory=list)
    failed: list[Test] = field(default_factory=list)
    unsupported: list[Test] = field(default_factory=list)
    by_dialect: list[Test] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """fail, else pass, else unsupported (the target cannot judge it, whatever the
        dialect), else unsupported by dialect (the target could, the dialect cannot express
        what the tests need), else not run."""
        if self.failed:
            return "fail"
        if self.passed:
            return "pass"
        if self.unsupported:
            return "unsupported"
        if self.by_dialect:
            return "unsupported by dialect"
        return "not run"

    @property
    def reasons(self) -> list[str]:
        """Why the requirement is unsupported here, each reason once (the target's, then the
        dialect's), if its verdict is one of the two."""
        if self.verdict not in ("unsupported", "unsupported by dialect"):
            return []
        return list(dict.fromkeys(t.note for t in self.unsupported + self.by_dialect))

    def add(self, test: Test) -> None:
        {
            "passed": self.passed,
            "failed": self.failed,
            "unsupported": self.unsupported,
            "unsupported by dialect": self.by_dialect,
        }[test.outcome].append(test)


def skipped(message: str) -> tuple[str, str] | None:
    """The outcome and note of a test skipped with ``message``: unsupported by dialect or
    unsupported with the reason; None for any other skip (not run)."""
    if found := BY_DIALECT.search(message):
        return "unsupported by dialect", found.group(0)
    if found := UNSUPPORTED.search(message):
        return "unsupported", found.group(0)
    return None


Results = dict[str, dict[str, Tally]]  # column -> requirement -> tally


@dataclass(frozen=True)
class Requirement:
    id: str
    text: str  # as docs/behaviour.md words it, Interpretation lines included
    section: str  # the heading it stands under


@dataclass
class Run:
    """Everything read from build/: the verdicts, the devices and when the tests ran."""

    results: Results = field(default_factory=lambda: defaultdict(dict))
    identities: dict[str, identity.Identity] = field(default_factory=dict)
    spans: list[tuple[datetime, datetime]] = field(default_factory=list)
    allure: Path | None = None  # the Allure HTML report, where generated
    coverage: Path | None = None  # the firmware's coverage report (coverage.py), where written
    diff: Path | None = None  # the differential run's page (dtulab diff --out <report>/diff)

    @property
    def columns(self) -> list[str]:
        """The default dialect's columns first, then each other dialect's; reference first."""

        def order(name: str) -> tuple[bool, str, bool, str]:
            target, dialect = identity.parts(name)
            return dialect != identity.DEFAULT_DIALECT, dialect, target != "reference", target

        return sorted(set(self.results) | set(self.identities), key=order)


def requirements(behaviour: Path) -> list[Requirement]:
    """Each ``- **R-…** text`` bullet of behaviour.md with its text (up to the next bullet,
    heading or blank line) and its section."""
    found: dict[str, Requirement] = {}
    section, current = "", ""
    words: list[str] = []

    def close() -> None:
        if current and current not in found:
            found[current] = Requirement(current, " ".join(words), section)

    for line in behaviour.read_text().splitlines():
        start = re.match(r"-\s+\*\*(R-[A-Z]+-\d+)\*\*\s*(.*)", line)
        if start or not line.strip() or line.startswith(("#", "-")):
            close()
            current, words = (start.group(1), [start.group(2)]) if start else ("", [])
            if line.startswith("#"):
                section = line.lstrip("#").strip()
        elif current:
            words.append(line.strip())
    close()
    return list(found.values())


# -- reading the results -------------------------------------------------------------------
def _allure_attachments(results: Path) -> dict[tuple[str, str], list[Link]]:
    """The newest allure-pytest result of each test, by (module[.class], test name): its
    attachments (on failure: the bench's transcripts and timeline)."""
    newest: dict[tuple[str, str], tuple[int, list[Link]]] = {}
    for path in results.glob("*-result.json"):
        data = _json(path)
        where, _, _ = str(data.get("fullName", "")).partition("#")
        key, start = (where, str(data.get("name", ""))), int(data.get("start", 0))
        links = [
            Link(str(a.get("name", "attachment")), results / str(a["source"]))
            for a in data.get("attachments", [])
            if "source" in a
        ]
        if key not in newest or newest[key][0] < start:
            newest[key] = (start, links)
    return {key: links for key, (_, links) in newest.items()}


def _allure_key(nodeid: str) -> tuple[str, str]:
    """``tests/test_x.py::Class::test_y[p]`` → (``tests.test_x.Class``, ``test_y[p]``), as
    allure-pytest names the test."""
    *where, name = nodeid.split("::")
    path, *classes = where or [""]
    return ".".join([path.removesuffix(".py").replace("/", "."), *classes]), name


def read_pytest(build: Path, run: Run) -> None:
    """build/pytest-requirements*.json (one per pytest run): each test's requirement IDs,
    target, dialect and outcome; a test skipped as unsupported (on the target or by the
    dialect) counts so, other skips as not run."""
    log = build / "logs" / "pytest.log"
    attachments = _allure_attachments(build / "allure-results")
    entries = [e for path in sorted(build.glob("pytest-requirements*.json")) for e in _json(path)]
    for entry in entries:
        outcome, nodeid, note = entry.get("outcome"), str(entry["name"]), ""
        links = ([Link("pytest.log", log)] if log.exists() else []) + attachments.get(
            _allure_key(nodeid), []
        )
        if outcome == "skipped" and (unsupported := skipped(entry.get("reason", ""))):
            outcome, note = unsupported
        elif outcome not in ("passed", "failed"):
            continue
        test = Test(f"pytest {nodeid}", str(outcome), note, tuple(links))
        where = identity.column(
            entry.get("target", "reference"), entry.get("dialect", identity.DEFAULT_DIALECT)
        )
        for req in entry["reqs"]:
            run.results[where].setdefault(req, Tally()).add(test)


def _junit_spans(build: Path, run: Run) -> None:
    """When each JUnit test suite (pytest's) started, and for how long it ran."""
    for xml in sorted((build / "junit").glob("*.xml")):
        try:
            for suite in ET.parse(xml).iter("testsuite"):
                if stamp := suite.get("timestamp"):
                    start = datetime.fromisoformat(stamp)
                    start = start if start.tzinfo else start.astimezone()
                    length = timedelta(seconds=float(suite.get("time", "0")))
                    run.spans.append((start, start + length))
        except (ET.ParseError, ValueError) as exc:
            raise ReportError(f"{xml}: not JUnit XML ({exc})") from None


def read_robot(output: Path, run: Run) -> None:
    """One Robot run (its output.xml): in the column of its Target and Dialect metadata."""
    from robot.api import ExecutionResult, ResultVisitor
    from robot.errors import DataError
    from robot.result import TestCase

    try:
        result = ExecutionResult(str(output))
    except DataError as exc:
        raise ReportError(str(exc)) from None
    metadata = result.suite.metadata  # scripts/test's --metadata Target:… Dialect:…
    tallies = run.results[
        identity.column(
            metadata.get("Target", output.parent.name),
            metadata.get("Dialect", identity.DEFAULT_DIALECT),
        )
    ]
    log = output.parent / "log.html"
    timelines = list(output.parent.glob("**/timelines/*.svg"))

    def links(test: TestCase) -> tuple[Link, ...]:
        found = [Link("log.html", log, str(test.id))] if log.exists() else []
        picture = re.sub(r"[^\w.-]+", "_", test.name) + ".svg"  # as Log Bench Report names it
        found += [Link("timeline", svg) for svg in timelines if svg.name == picture]
        return tuple(found)

    class Collect(ResultVisitor):  # type: ignore[misc]  # robot.api is untyped
        def visit_test(self, test: TestCase) -> None:
            reqs = [str(tag) for tag in test.tags if REQ.match(str(tag))]
            if not reqs:
                return
            unsupported = skipped(test.message)
            if test.passed:
                outcome, note = "passed", ""
            elif unsupported and test.skipped:  # Unsupported, DialectUnsupported skips
                outcome, note = unsupported
            elif test.failed:
                outcome, note = "failed", (test.message.splitlines() or [""])[0][:300]
            else:
                return
            entry = Test(f"robot {test.longname}", outcome, note, links(test))
            for req in reqs:
                tallies.setdefault(req, Tally()).add(entry)

    result.visit(Collect())
    start, end = result.suite.start_time, result.suite.end_time
    if start and end:  # Robot writes local time without a zone
        run.spans.append((start.astimezone(), end.astimezone()))


def collect(build: Path) -> Run:
    run = Run()
    read_pytest(build, run)
    _junit_spans(build, run)
    for output in sorted((build / "robot").glob("*/output.xml")):
        read_robot(output, run)
    for folder in [*sorted((build / "robot").glob("*/identity")), build / "identity"]:
        try:
            run.identities.update(identity.load(folder))  # scripts/test's build/identity wins
        except ValueError as exc:
            raise ReportError(str(exc)) from None
    return run


@dataclass(frozen=True)
class Summary:
    """The grid: a row per requirement (its ID, then its verdict in each column) and, per
    column, why what is unsupported there is (reason -> requirement IDs)."""

    columns: list[str]
    rows: list[list[str]]
    why: dict[str, dict[str, list[str]]]

    def verdicts(self, column: str) -> int:
        """How many requirements got a verdict (pass or fail) in ``column``."""
        if column not in self.columns:
            return 0
        at = self.columns.index(column) + 1
        return sum(row[at] in ("pass", "fail") for row in self.rows)


def reasons(tallies: dict[str, Tally], ids: list[str]) -> dict[str, list[str]]:
    """Why requirements are unsupported in one column: each reason with the IDs it covers."""
    found: dict[str, list[str]] = defaultdict(list)
    for req in ids:
        for note in tallies.get(req, Tally()).reasons:
            found[note].append(req)
    return dict(found)


def summary(run: Run, ids: list[str]) -> Summary:
    columns = run.columns
    rows = [[req, *(run.results[c].get(req, Tally()).verdict for c in columns)] for req in ids]
    return Summary(columns, rows, {c: reasons(run.results[c], ids) for c in columns})


def markdown(grid: Summary) -> str:
    lines = ["# Conformance summary", ""]
    if any(identity.parts(c)[1] != identity.DEFAULT_DIALECT for c in grid.columns):
        others = f"the others in {identity.DEFAULT_DIALECT}"
        lines += [f"A column TARGET+DIALECT ran in that AT dialect, {others}.", ""]
    lines += ["| requirement | " + " | ".join(grid.columns) + " |"]
    lines.append("|---" * (len(grid.columns) + 1) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in grid.rows]
    for column, why in grid.why.items():
        if why:
            lines += ["", f"Unsupported in {column}, and why:", ""]
            lines += [f"- {note}: {', '.join(ids)}" for note, ids in why.items()]
    return "\n".join(lines) + "\n"


# -- the page ------------------------------------------------------------------------------
STYLE = """
body{font-family:sans-serif;font-size:14px;margin:2em;color:#111}
h1{margin-bottom:.2em} h2{border-bottom:2px solid #444;padding-bottom:.2em}
table{border-collapse:collapse;margin:.5em 0} td,th{padding:3px 8px;border:1px solid #bbb;
vertical-align:top;text-align:left}
.facts th{background:#f2f2f2;width:12em}
.v{font-weight:bold;white-space:nowrap} td.v a{color:#111}
.pass{background:#c8f0c8} .fail{background:#f5b5b5} .unsupported{background:#e4e4e4}
.unsupported-by-dialect{background:#d9def2} .not-run{background:#fff2b0}
.req{margin:.8em 0;padding:.4em .6em;border-left:6px solid #bbb;break-inside:avoid}
.r-pass{border-color:#3a3} .r-fail{border-color:#c33} .r-unsupported{border-color:#888}
.r-unsupported-by-dialect{border-color:#668} .r-not-run{border-color:#cb3}
.req h3{margin:0;font-size:1em} .text{margin:.2em 0 .3em;color:#333}
.tests{margin:0;padding-left:1.2em} .tests li{margin:.15em 0} .note{color:#555}
.passed::marker{content:"✓ "} .failed::marker{content:"✗ "}
.unsupported-test::marker,.by-dialect-test::marker{content:"– "}
.mono{font-family:monospace;word-break:break-all} .muted{color:#666}
.path{display:none}
@media print{
 body{margin:0;font-size:10.5px} @page{size:A4;margin:14mm}
 section.target{break-before:page} .grid{break-after:page}
 a{color:#111;text-decoration:none} .path{display:inline;color:#555;font-size:.9em}
 .pass,.fail,.unsupported,.unsupported-by-dialect,.not-run{-webkit-print-color-adjust:exact;
  print-color-adjust:exact}
}
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _header(run: Run, sources: list[str]) -> str:
    now = datetime.now(UTC)
    facts = [("dtulab", __version__), ("report made", _when(now))]
    if run.spans:
        start, end = min(s for s, _ in run.spans), max(e for _, e in run.spans)
        seconds = round((end - start).total_seconds())
        hours = f"{seconds // 3600} h " if seconds >= 3600 else ""
        facts += [
            ("tests ran", f"{_when(start)} – {_when(end)}"),
            ("duration", f"{hours}{seconds // 60 % 60} min {seconds % 60} s"),
        ]
    else:
        facts.append(("tests ran", "unknown: no JUnit XML or Robot output with times"))
    facts.append(("read from", ", ".join(sources) or "nothing"))
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in facts)
    return f'<table class="facts">{rows}</table>'


def _link(link: Link, out: Path) -> str:
    href = os.path.relpath(link.path, out).replace(os.sep, "/")
    href += f"#{link.anchor}" if link.anchor else ""
    return f'<a href="{_e(href)}">{_e(link.label)}</a><span class="path"> ({_e(href)})</span>'


def _identity(found: identity.Identity | None) -> str:
    if found is None:
        why = "not read: no bench on this target came online (see the reasons below)"
        return f'<table class="facts"><tr><th>device</th><td>{_e(why)}</td></tr></table>'
    absent = f"not read: no {found.dialect} command gives it, or the device refused it"
    facts = [
        ("target", found.target),
        ("dialect", found.dialect),
        ("version reply", found.version or absent),
        ("IMEI", found.imei or absent),
        ("ICCID", found.iccid or absent),
        ("firmware image", found.firmware or "none: the target runs no image the bench loads"),
        ("image SHA-256", found.firmware_sha256 or "—"),
        ("read at", found.read_at),
    ]
    rows = "".join(f'<tr><th>{_e(k)}</th><td class="mono">{_e(v)}</td></tr>' for k, v in facts)
    return f'<table class="facts">{rows}</table>'


def _test(test: Test, out: Path) -> str:
    css = {
        "passed": "passed",
        "failed": "failed",
        "unsupported": "unsupported-test",
        "unsupported by dialect": "by-dialect-test",
    }
    links = " ".join(_link(link, out) for link in test.links)
    note = f'<br><span class="note">{_e(test.note)}</span>' if test.note else ""
    return f'<li class="{css[test.outcome]}">{_e(test.outcome)}: {_e(test.name)} {links}{note}</li>'


def _column_section(
    column: str, run: Run, reqs: list[Requirement], why: dict[str, list[str]], out: Path
) -> str:
    tallies = run.results.get(column, {})
    counts: dict[str, int] = defaultdict(int)
    parts = []
    for req in reqs:
        tally = tallies.get(req.id, Tally())
        verdict = tally.verdict
        counts[verdict] += 1
        tests = tally.failed + tally.unsupported + tally.by_dialect + tally.passed
        listed = "".join(_test(t, out) for t in tests) or "<li>no test named it here</li>"
        css = verdict.replace(" ", "-")
        parts.append(
            f'<div class="req r-{css}" id="{_e(column)}-{req.id}"><h3>{req.id} '
            f'<span class="v {css}">{verdict}</span></h3><p class="text">{_e(req.text)}</p>'
            f'<ul class="tests">{listed}</ul></div>'
        )
    totals = ", ".join(f"{counts[v]} {v}" for v in VERDICTS)
    listed = "".join(f"<li>{_e(note)}: {', '.join(ids)}</li>" for note, ids in why.items())
    target, dialect = identity.parts(column)
    return (
        f'<section class="target" id="target-{_e(column)}">'
        f"<h2>Target: {_e(target)}, dialect: {_e(dialect)}</h2>"
        f"{_identity(run.identities.get(column))}<p><b>{_e(totals)}</b></p>"
        + (f"<p>Unsupported here, and why:</p><ul>{listed}</ul>" if listed else "")
        + "".join(parts)
        + "</section>"
    )


def html_page(
    run: Run, grid: Summary, reqs: list[Requirement], out: Path, sources: list[str]
) -> str:
    head = "".join(f'<th><a href="#target-{_e(c)}">{_e(c)}</a></th>' for c in grid.columns)
    rows = []
    for req, (_, *verdicts) in zip(reqs, grid.rows, strict=True):
        cells = ""
        for column, verdict in zip(grid.columns, verdicts, strict=True):
            css = verdict.replace(" ", "-")
            cells += f'<td class="v {css}"><a href="#{_e(column)}-{req.id}">{verdict}</a></td>'
        rows.append(f'<tr><th>{req.id}</th><td class="text">{_e(req.text)}</td>{cells}</tr>')
    allure = (
        f"<p>Every test with its steps: the Allure report, {_link(Link('allure', run.allure), out)}"
        "</p>"
        if run.allure
        else ""
    )
    found = coverage.read(run.coverage.parent) if run.coverage else None
    covered = ""
    if run.coverage and found:
        names = ", ".join(f"<code>{_e(f.name)}</code> ({_e(f.file)})" for f in found.unreached)
        covered = (
            "<p>The firmware's coverage by the suites on the native target (firmware/dtu/, its"
            f" coverage build): {_e(found.headline())};"
            f" {_link(Link('coverage', run.coverage), out)}. Functions no test reaches"
            f" ({len(found.unreached)}): {names or 'none'}.</p>"
        )
    diffed = (
        "<p>The golden model against the firmware, scenario by scenario (dtulab diff,"
        f" docs/diff.md): {_link(Link('differential run', run.diff), out)}.</p>"
        if run.diff
        else ""
    )
    return (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        f"<title>dtulab conformance report</title><style>{STYLE}</style>"
        "<h1>Conformance report</h1>"
        "<p>The DTU's behaviour against the requirements of docs/behaviour.md (restated from"
        " the USR-GPRS232-721 manual), as dtulab's suites found it on each target, in each AT"
        " dialect: a column TARGET+DIALECT ran in that dialect, the others in"
        f" {identity.DEFAULT_DIALECT}.</p>"
        f"{_header(run, sources)}{allure}{covered}{diffed}"
        '<div class="grid"><h2>Summary</h2>'
        f"<table><tr><th>requirement</th><th>text</th>{head}</tr>{''.join(rows)}</table>"
        "<p class=muted>pass: every test that names it passed; fail: one failed; unsupported:"
        " none ran, the target cannot do what one needs; unsupported by dialect: none ran, the"
        " target could, but the DTU's AT dialect cannot express what they need (the reasons"
        " are in the column's section); not run: no test named it there.</p></div>"
        + "".join(_column_section(c, run, reqs, grid.why[c], out) for c in grid.columns)
        + "</html>"
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


def pdf(page: Path) -> str:
    """``page`` printed to PDF beside it by headless Chromium; one line saying what happened."""
    target = page.with_suffix(".pdf")
    if chromium.find() is None:
        return f"PDF skipped: chromium not found (scripts/setup installs it); print {page} instead"
    try:
        chromium.print_pdf(page, target)
    except chromium.ChromiumError as exc:
        return f"PDF failed: {exc}"
    return f"PDF in {target}"


def write(build: Path, behaviour: Path, out: Path) -> Summary:
    run = collect(build)
    reqs = requirements(behaviour)
    grid = summary(run, [r.id for r in reqs])
    out.mkdir(parents=True, exist_ok=True)
    allure = out / "allure" / "index.html"
    run.allure = allure if allure.exists() else None
    covered = out / "coverage" / "index.html"
    run.coverage = covered if covered.exists() else None
    diffed = out / "diff" / "diff.html"
    run.diff = diffed if diffed.exists() else None
    sources = [
        os.path.relpath(p, build.parent)
        for p in [
            *sorted(build.glob("pytest-requirements*.json")),
            *sorted((build / "robot").glob("*/output.xml")),
            build / "identity",
        ]
        if p.exists()
    ]
    (out / "conformance.md").write_text(markdown(grid))
    (out / "conformance.html").write_text(html_page(run, grid, reqs, out, sources))
    return grid
