"""The shape of the code stays visible: imports go one way (STYLE.md).

app.py -> bot.teams -> bot.handlers -> bot.services -> (storage, bot.domain); cards -> bot.domain;
bot.notify is the background work (no botbuilder); bot.domain imports nothing of the project."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ("bot", "cards", "storage", "app")


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


def ours(modules: set[str]) -> set[str]:
    return {m for m in modules if m.split(".")[0] in PROJECT}


def test_the_domain_imports_nothing_of_the_project() -> None:
    for path in files("bot/domain"):
        bad = {m for m in ours(imports_of(path)) if not m.startswith("bot.domain")}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_cards_and_storage_import_only_the_domain() -> None:
    for path in files("cards", "storage"):
        own = path.relative_to(ROOT).parts[0]
        bad = {m for m in ours(imports_of(path)) if not m.startswith(("bot.domain", own))}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_services_know_no_handlers_cards_or_teams() -> None:
    for path in files("bot/services"):
        bad = {
            m
            for m in imports_of(path)
            if m.startswith(
                ("bot.handlers", "bot.teams", "bot.notify", "cards", "aiohttp", "botbuilder", "botframework")
            )
        }
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_handlers_and_background_work_know_nothing_of_teams_transport() -> None:
    for path in files("bot/handlers", "bot/notify"):
        bad = {
            m
            for m in imports_of(path)
            if m.startswith(("bot.teams", "aiohttp", "botbuilder", "botframework", "storage"))
        }
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_only_the_teams_room_and_app_import_botbuilder() -> None:
    for path in [ROOT / "app.py", *files("bot", "cards", "storage")]:
        uses = {m for m in imports_of(path) if m.startswith(("botbuilder", "botframework", "msrest"))}
        allowed = path == ROOT / "app.py" or path.parent == ROOT / "bot" / "teams"
        assert not uses or allowed, f"{path.relative_to(ROOT)} imports {uses}"


def test_only_storage_imports_sqlite_and_only_graph_imports_msgraph() -> None:
    for path in [ROOT / "app.py", *files("bot", "cards", "storage")]:
        imported = imports_of(path)
        if "storage" not in path.relative_to(ROOT).parts[:1]:
            assert not {m for m in imported if m.startswith(("sqlite_utils", "sqlite3", "psycopg"))}, path
        if path != ROOT / "bot" / "graph.py":
            assert not {m for m in imported if m.startswith(("msgraph", "azure.identity", "kiota"))}, path


def test_behaviour_is_composed_not_inherited() -> None:
    """No class in bot/ or storage/ with more than two bases besides Protocol, TypedDict and Enum kinds: the
    use cases and the storage groups are objects built with what they need (issue 24)."""
    allowed = {"Protocol", "TypedDict", "Enum", "StrEnum", "IntEnum", "Generic", "NamedTuple", "Exception"}
    for path in files("bot", "storage"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                bases = [ast.unparse(b).split("[")[0].split(".")[-1] for b in node.bases]
                counted = [b for b in bases if b not in allowed]
                assert len(counted) <= 2, f"{path.relative_to(ROOT)}: class {node.name}({', '.join(bases)})"


def test_the_services_are_groups_of_use_cases() -> None:
    """CrmService only composes: it defines no use case of its own, and no group inherits another."""
    from bot.services import CrmService

    own = {name for name, value in vars(CrmService).items() if callable(value) and not name.startswith("__")}
    assert own <= {"for_turn", "_compose"}, own
    for path in files("bot/services"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and node.name.endswith("Cases"):
                assert not node.bases, f"{path.relative_to(ROOT)}: {node.name} inherits {ast.unparse(node.bases[0])}"
