"""One way to ask (issue 12): view modules ask `Model.objects.visible_to(user, action)` (and the
helpers of responsibilities/scoped.py); they never import or call the scoping internals."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "notifications",
    "responsibilities",
    "inspections",
    "accountability",
    "assessments",
    "dashboards",
    "security",
)
INTERNAL_MODULE = "responsibilities.scoping"
INTERNALS = frozenset(
    {
        "scope_q",
        "scoped",
        "get_scoped_object_or_404",
        "paths_q",
        "path_in_scope",
        "scope_paths",
        "user_grants",
        "is_unrestricted",
        "registered_perms",
    }
)


def _view_modules() -> list[Path]:
    return sorted(
        p
        for app in APPS
        for p in (ROOT / app).rglob("*.py")
        # The REST endpoints (each app's api.py) are views too.
        if p.stem in ("views", "api") or p.stem.endswith("_views") or p.parent.name == "views"
    )


def _violations(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == INTERNAL_MODULE or node.module.startswith(INTERNAL_MODULE + "."):
                found.append(f"imports from {node.module}")
            elif node.module == "responsibilities" and any(a.name == "scoping" for a in node.names):
                found.append("imports responsibilities.scoping")
            found += [f"imports {a.name}" for a in node.names if a.name in INTERNALS]
        elif isinstance(node, ast.Import):
            found += [f"imports {a.name}" for a in node.names if a.name == INTERNAL_MODULE]
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in INTERNALS:
                found.append(f"calls {name}()")
    return found


def test_it_finds_the_view_modules():
    names = {f"{p.parent.name}/{p.name}" for p in _view_modules()}
    assert {
        "responsibilities/views.py",
        "dashboards/views.py",
        "inspections/risk_views.py",
    } <= names


@pytest.mark.parametrize(
    "source",
    [
        "from responsibilities.scoping import Capability",
        "from responsibilities import scoping",
        "import responsibilities.scoping",
        "from somewhere import scope_q",
        "def v(request):\n    return Finding.objects.filter(kit.scope_q(request.user, 'x'))",
        "def v(request):\n    return scoped(Finding.objects.all(), request.user, 'x')",
    ],
)
def test_it_catches_every_way_of_reaching_the_internals(source):
    """The check below cannot pass vacuously: each of these is a violation."""
    assert _violations(source)


def test_it_lets_views_ask_the_model():
    source = (
        "from responsibilities.scoped import Capability, holds\n"
        "def v(request):\n"
        "    return Finding.objects.visible_to(request.user, 'view')\n"
    )
    assert _violations(source) == []


@pytest.mark.parametrize("path", _view_modules(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_it_keeps_view_modules_off_the_scoping_internals(path):
    assert _violations(path.read_text()) == [], f"{path.relative_to(ROOT)} reaches the scoping kit"
