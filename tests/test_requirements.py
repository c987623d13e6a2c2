"""Every requirement ID of docs/behaviour.md is checked by at least one test."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def requirement_ids() -> set[str]:
    text = (ROOT / "docs" / "behaviour.md").read_text()
    return set(re.findall(r"\*\*(R-[A-Z]+-\d+)\*\*", text))


def tagged_ids() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "tests").glob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "req"
            ):
                found |= {str(a.value) for a in node.args if isinstance(a, ast.Constant)}
    return found


def test_docs_behaviour_is_the_shared_spec_plus_interpretations():
    shared = ROOT.parent / "shared" / "docs" / "behaviour.md"
    if shared.exists():  # beside a checkout, as in CI: the project's copy must not drift
        assert (ROOT / "docs" / "behaviour.md").read_text().startswith(shared.read_text())


def test_every_requirement_has_a_test():
    ids = requirement_ids()
    assert len(ids) >= 25
    missing = sorted(ids - tagged_ids())
    assert not missing, f"requirements without a test: {missing}"


def test_tests_name_only_real_requirements():
    unknown = sorted(tagged_ids() - requirement_ids())
    assert not unknown, f"tests tagged with unknown requirement IDs: {unknown}"
