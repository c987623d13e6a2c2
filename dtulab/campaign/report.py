"""What a campaign leaves behind: a table on the terminal, campaign.json, campaign.html and
Allure results (one test per fault point, the evidence attached, the HTML page attached to a
summary test), so ``dtulab report`` shows the campaign in the Allure report."""

from __future__ import annotations

import html
import json
import time
import uuid
from pathlib import Path
from typing import Any

from dtulab.campaign.core import FAILED, NOT_REACHED, PASSED, STATUSES, UNSUPPORTED, Outcome

SYMBOL = {
    PASSED: "passed",
    FAILED: "FAILED",
    NOT_REACHED: "not reached",
    UNSUPPORTED: "unsupported",
}


def table(outcomes: list[Outcome]) -> str:
    width = max([len(o.point.id) for o in outcomes] + [10])
    lines = [f"{'point':{width}}  {'result':11}  invariant / detail"]
    for o in outcomes:
        why = o.invariant + (f": {o.detail.splitlines()[0][:90]}" if o.detail else "")
        lines.append(f"{o.point.id:{width}}  {SYMBOL[o.status]:11}  {why}")
    counts = {s: sum(o.status == s for o in outcomes) for s in STATUSES}
    lines.append(
        f"{len(outcomes)} points: {counts[PASSED]} passed, {counts[FAILED]} failed, "
        f"{counts[NOT_REACHED]} not reached, {counts[UNSUPPORTED]} unsupported"
    )
    lines += [f"  reproduce {o.point.id}: {o.reproduce}" for o in outcomes if o.status == FAILED]
    return "\n".join(lines)


def page(title: str, outcomes: list[Outcome]) -> str:
    rows = []
    for o in outcomes:
        details = "".join(
            f"<details><summary>{html.escape(name)}</summary><pre>{html.escape(text)}</pre>"
            "</details>"
            for name, text in o.evidence.items()
        )
        rows.append(
            f"<tr class='{o.status.replace(' ', '-')}'><td>{html.escape(o.point.id)}</td>"
            f"<td>{html.escape(o.point.description)}</td><td>{SYMBOL[o.status]}</td>"
            f"<td>{html.escape(o.invariant)}<pre>{html.escape(o.detail)}</pre>"
            f"<code>{html.escape(o.reproduce) if o.status == FAILED else ''}</code>{details}</td>"
            f"<td>{o.seconds:.1f} s</td></tr>"
        )
    return (
        f"<!doctype html><meta charset='utf-8'><title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif}td{vertical-align:top;border-top:1px solid #ccc}"
        ".failed{background:#fdd}.not-reached{background:#eee}.unsupported{color:#666}"
        "pre{white-space:pre-wrap}</style>"
        f"<h1>{html.escape(title)}</h1><pre>{html.escape(table(outcomes))}</pre>"
        "<table><tr><th>point</th><th>fault</th><th>result</th><th>invariant, evidence</th>"
        f"<th>time</th></tr>{''.join(rows)}</table>"
    )


def _allure_result(
    out: Path,
    name: str,
    status: str,
    labels: dict[str, str],
    attachments: dict[str, tuple[str, str]],
    message: str = "",
) -> None:
    """One Allure result file (the allure-results format allure-pytest writes)."""
    files = []
    for title, (text, kind) in attachments.items():
        source = f"{uuid.uuid4()}-attachment.{'html' if kind == 'text/html' else 'txt'}"
        (out / source).write_text(text)
        files.append({"name": title, "source": source, "type": kind})
    now = int(time.time() * 1000)
    result = {
        "uuid": str(uuid.uuid4()),
        "historyId": name,
        "name": name,
        "fullName": name,
        "status": status,
        "statusDetails": {"message": message},
        "start": now,
        "stop": now,
        "labels": [{"name": k, "value": v} for k, v in labels.items()],
        "attachments": files,
    }
    (out / f"{result['uuid']}-result.json").write_text(json.dumps(result))


def write(
    out: Path, allure_dir: Path | None, title: str, meta: dict[str, Any], outcomes: list[Outcome]
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "campaign.json").write_text(
        json.dumps({**meta, "outcomes": [o.as_json() for o in outcomes]}, indent=1)
    )
    text = page(title, outcomes)
    (out / "campaign.html").write_text(text)
    if allure_dir is None:
        return
    allure_dir.mkdir(parents=True, exist_ok=True)
    suite = {"parentSuite": "campaigns", "suite": title}
    status = {PASSED: "passed", FAILED: "failed", NOT_REACHED: "skipped", UNSUPPORTED: "skipped"}
    for o in outcomes:
        evidence = {k: (v, "text/plain") for k, v in o.evidence.items()}
        _allure_result(
            allure_dir,
            f"{title}: {o.point.id}",
            status[o.status],
            suite,
            evidence,
            f"{o.invariant}: {o.detail}\n{o.reproduce}" if o.invariant else o.detail,
        )
    overall = "failed" if any(o.status == FAILED for o in outcomes) else "passed"
    _allure_result(
        allure_dir, f"{title}: summary", overall, suite, {"campaign": (text, "text/html")}
    )
