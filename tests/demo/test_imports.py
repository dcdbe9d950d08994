"""The demo app stands on top of the import order: no product app imports it.

Product apps are the project's own apps in INSTALLED_APPS (the project package included),
all but `demo`. Their every module is parsed, tests and migrations too, so an import inside
a function or a dotted path handed to `import_module` / `mock.patch` is found as well.
"""

import ast
from pathlib import Path

from django.apps import apps
from django.conf import settings

DEMO = "demo"


def _names_demo(module: str) -> bool:
    return module == DEMO or module.startswith(f"{DEMO}.")


def demo_imports(source: str) -> list[str]:
    """Every demo module that `source` imports or names by dotted path."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if _names_demo(alias.name)]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            module = node.module or ""
            found += [module] if _names_demo(module) else []
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # A bare "demo" is the INSTALLED_APPS entry, not an import; "demo.x" is a path.
            found += [node.value] if node.value.startswith(f"{DEMO}.") else []
    return found


def product_app_dirs() -> dict[str, Path]:
    base = Path(settings.BASE_DIR).resolve()
    return {
        config.name: Path(config.path).resolve()
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base) and config.name != DEMO
    }


def test_it_finds_no_product_app_importing_demo() -> None:
    dirs = product_app_dirs()
    assert {"responsibilities", "dashboards", "security", "liangge_zeren"} <= set(dirs)
    offenders: list[str] = []
    scanned: dict[str, int] = {}
    for name, directory in dirs.items():
        files = sorted(directory.rglob("*.py"))
        scanned[name] = len(files)
        for path in files:
            for module in demo_imports(path.read_text(encoding="utf-8")):
                offenders.append(f"{path.relative_to(directory.parent)} imports {module}")
    assert all(scanned.values()), scanned
    assert offenders == []


def test_it_recognises_every_way_of_naming_a_demo_module() -> None:
    source = """
import demo
import demo.scale as scale
from demo import steps
from demo.cast import build_cast

def later():
    from demo.org_tree import DemoContext
    return import_module("demo.steps")

import demographics
from demos import x
from . import demo
INSTALLED_APPS = ["demo"]
"""
    assert sorted(demo_imports(source)) == [
        "demo",
        "demo",
        "demo.cast",
        "demo.org_tree",
        "demo.scale",
        "demo.steps",
    ]
