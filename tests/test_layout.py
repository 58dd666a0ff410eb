"""The shape of the code stays visible: imports go one way (STYLE.md)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def files(*folders: str) -> list[Path]:
    return [p for folder in folders for p in (ROOT / folder).rglob("*.py")]


def test_cards_and_storage_never_import_the_bot_layer() -> None:
    # bot.models is the shared vocabulary (plain dataclasses, no I/O); nothing else of bot/ is allowed.
    for path in files("cards", "storage"):
        bad = {m for m in imports_of(path) if m.startswith("bot") and m != "bot.models"}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_only_the_teams_layer_imports_botbuilder() -> None:
    allowed = {ROOT / "app.py", ROOT / "bot" / "teams_bot.py", ROOT / "bot" / "notifications.py"}
    for path in [ROOT / "app.py", *files("bot", "cards", "storage")]:
        uses = {m for m in imports_of(path) if m.startswith(("botbuilder", "botframework"))}
        assert not uses or path in allowed, f"{path.relative_to(ROOT)} imports {uses}"


def test_only_storage_imports_sqlite_utils_and_only_graph_imports_msgraph() -> None:
    for path in [ROOT / "app.py", *files("bot", "cards", "storage")]:
        imported = imports_of(path)
        if path.parent.name != "storage":
            assert not {m for m in imported if m.startswith(("sqlite_utils", "sqlite3"))}, path
        if path.name != "graph.py":
            assert not {m for m in imported if m.startswith(("msgraph", "azure.identity"))}, path


def test_models_and_services_know_nothing_of_teams() -> None:
    for name in ("models.py", "services.py", "outbox.py", "commands.py", "conversation.py", "actions.py"):
        imported = imports_of(ROOT / "bot" / name)
        assert not {m for m in imported if m.startswith(("botbuilder", "botframework", "aiohttp"))}, name
