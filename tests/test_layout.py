"""Where things live (issue 12): view modules import no other view module; state changes
refuse with the one TransitionRefused of the workflow kit."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("responsibilities", "inspections", "accountability", "assessments")


def _view_modules() -> list[Path]:
    return sorted(
        p
        for app in APPS
        for p in (ROOT / app).glob("*.py")
        if p.stem == "views" or p.stem.endswith("_views")
    )


def _imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


@pytest.mark.parametrize("path", _view_modules(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_it_keeps_view_modules_apart(path):
    others = {
        name
        for name in _imported(path)
        if name.rsplit(".", 1)[-1] == "views" or name.rsplit(".", 1)[-1].endswith("_views")
    }
    assert not others, f"{path.name} imports view modules {sorted(others)}"


def test_it_has_one_transition_refused():
    """State changes refuse with liangge_zeren.workflow.TransitionRefused, nothing app-local."""
    defined = [
        path.relative_to(ROOT)
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if any(
            isinstance(node, ast.ClassDef) and node.name == "TransitionRefused"
            for node in ast.walk(ast.parse(path.read_text()))
        )
    ]
    assert defined == []
