"""The layers hold: platforms/ (the targets) imports nothing above peripherals/, and the bench
and the keyword library use the targets' declared interface, not attributes probed by name.

docs/architecture.md draws the layers: peripherals/ (the board's models and links), dtu/ (the
reference firmware), platforms/ (targets on a Board), dtulab/ (the bench, campaigns, CLI),
robot/ (the keyword library) and tests/. A target gets a ``Board`` and its options, never the
bench, so a target module that imported dtulab would be a way back up.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from dtulab.platforms import TARGETS
from dtulab.world import WorldConfig

ROOT = Path(__file__).resolve().parents[1]
KEYWORD_LIBRARIES = {p.stem for p in (ROOT / "robot").glob("*.py")}  # imported by name
BELOW_BENCH = ("dtulab.peripherals", "dtulab.dtu", "dtulab.platforms")  # the links in dtulab/
TOP_LEVEL = ("dtu", "peripherals", "platforms")  # folders installed as dtulab.*, never alone


def above_platforms(name: str) -> bool:
    top = name.split(".")[0]
    if top == "dtulab":
        return not any(name == b or name.startswith(b + ".") for b in BELOW_BENCH)
    return top in {"robot", "tests", "scripts"} | KEYWORD_LIBRARIES


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def imported(tree: ast.AST) -> list[tuple[int, str]]:
    """Every module an ``import`` or ``from ... import`` names, anywhere in the file
    (under ``if TYPE_CHECKING:`` and inside functions too), with its line."""
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"line {node.lineno}: a relative import"
            names.append((node.lineno, node.module or ""))
    return names


@pytest.mark.parametrize("path", modules("platforms"), ids=lambda p: str(p.relative_to(ROOT)))
def test_platforms_import_nothing_above_peripherals(path):
    above = [
        f"{path.relative_to(ROOT)}:{line}: imports {name}"
        for line, name in imported(ast.parse(path.read_text()))
        if above_platforms(name)
    ]
    assert not above, "\n".join(above)


@pytest.mark.parametrize("folder", ["dtulab", "dtu", "peripherals", "platforms", "robot", "tests"])
def test_one_package_every_import_goes_through_dtulab(folder):
    """dtu/, peripherals/ and platforms/ are imported as dtulab.* (what a wheel installs);
    a bare ``import dtu...`` would load a second copy of the module in a checkout."""
    bare = [
        f"{path.relative_to(ROOT)}:{line}: imports {name}"
        for path in modules(folder)
        for line, name in imported(ast.parse(path.read_text()))
        if name.split(".")[0] in TOP_LEVEL
    ]
    assert not bare, "\n".join(bare)


def test_the_import_check_sees_an_import_under_type_checking():
    tree = ast.parse("if TYPE_CHECKING:\n    import dtulab.world\n")
    assert imported(tree) == [(2, "dtulab.world")]
    assert above_platforms("dtulab.world") and above_platforms("dtulab")
    assert not above_platforms("dtulab.peripherals.links")
    assert not above_platforms("dtulab.dtu") and not above_platforms("dtulab.platforms.base")


def probes(tree: ast.AST) -> list[tuple[int, str]]:
    """``getattr``/``hasattr`` calls with a literal attribute name: an interface not declared."""
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            found.append((node.lineno, f"{node.func.id}(..., {node.args[1].value!r})"))
    return found


def test_no_attribute_is_probed_by_name_in_the_bench_or_the_keywords():
    """A target's console, its RS232 port: declared on ``Target``, used as attributes."""
    found = [
        f"{path.relative_to(ROOT)}:{line}: {call}"
        for path in modules("dtulab") + modules("robot")
        for line, call in probes(ast.parse(path.read_text()))
    ]
    assert not found, "\n".join(found)


def test_the_probe_check_sees_a_getattr_with_a_literal_name():
    tree = ast.parse('console = getattr(world.target, "console", None)\ngetattr(run, state)()\n')
    assert probes(tree) == [(1, "getattr(..., 'console')")]


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_every_target_option_is_a_bench_setting(name):
    """The bench fills a target's options from its settings of the same names."""
    settings = {f.name for f in dataclasses.fields(WorldConfig)}
    options = {f.name for f in dataclasses.fields(TARGETS[name].options_type)}
    assert options <= settings, f"{name}: options {sorted(options - settings)} are not settings"
