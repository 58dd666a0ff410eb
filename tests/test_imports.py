"""Every module of the project imports alone in a fresh interpreter, and the project's import graph has no
cycle (imports under `if TYPE_CHECKING:` aside; an import inside a function counts)."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("bot", "cards", "storage", "manifest", "playground", "bench")


def project_modules() -> dict[str, Path]:
    found = {"app": ROOT / "app.py"}
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = project_modules()

# One interpreter; before each module, every project module is forgotten, so each one is imported alone
# (third-party packages stay loaded: that is what keeps this fast). Each source file is compiled once and its
# code run afresh at every import (where PYTHONDONTWRITEBYTECODE is set, every import compiled it again).
ALONE = """
import importlib, importlib.machinery, sys, traceback
compiled, get_code = {}, importlib.machinery.SourceFileLoader.get_code
def compiled_once(loader, name):
    path = loader.get_filename(name)
    if path not in compiled:
        compiled[path] = get_code(loader, name)
    return compiled[path]
importlib.machinery.SourceFileLoader.get_code = compiled_once
ours = set(sys.argv[1:])
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m in ours]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except BaseException:
        failed.append(name + ": " + traceback.format_exc(limit=-3))
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


def test_every_module_imports_alone() -> None:
    done = subprocess.run(
        [sys.executable, "-c", ALONE, *MODULES], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_by(name: str, path: Path) -> set[str]:
    """The project modules `name` imports (a `from package import module` names the module)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                for other in child.orelse:
                    visit_one(other)
            else:
                visit_one(child)

    def visit_one(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        else:
            visit(node)

    visit(ast.parse(path.read_text()))
    return {module for module in found if module in MODULES and module != name}


def test_no_import_cycle() -> None:
    graph = {name: imported_by(name, path) for name, path in MODULES.items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def walk(module: str) -> None:
        state[module] = 1
        path.append(module)
        for imported in sorted(graph[module]):
            if state.get(imported) == 1:
                cycle = [*path[path.index(imported) :], imported]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if imported not in state:
                walk(imported)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            walk(module)
