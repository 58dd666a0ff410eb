"""Registration is explicit (STYLE.md habit 13): every command row and every card verb has exactly one
handler among the routers bot/handlers/routing.py lists, and the Teams layer names no verb."""

import ast
from collections import Counter
from pathlib import Path

from bot.handlers.commands import COMMANDS
from bot.handlers.routing import ROUTERS, command_routes, verb_routes
from cards import verbs

ROOT = Path(__file__).resolve().parents[1]
VERBS = {getattr(verbs, name) for name in dir(verbs) if name.isupper() and not name.endswith("_DATASET")}


def test_every_command_row_has_exactly_one_handler() -> None:
    handled = Counter(name for router in ROUTERS for name in router.commands)
    assert {c.name: handled[c.name] for c in COMMANDS} == {c.name: 1 for c in COMMANDS}
    assert set(command_routes()) == {c.name for c in COMMANDS}


def test_every_verb_constant_has_exactly_one_handler() -> None:
    handled = Counter(name for router in ROUTERS for name in router.verbs)
    assert {v: handled[v] for v in VERBS} == dict.fromkeys(VERBS, 1)
    assert set(verb_routes()) == VERBS  # and no handler for a verb no card sends


def test_the_teams_layer_names_no_verb() -> None:
    for path in (ROOT / "bot" / "teams").rglob("*.py"):
        tree = ast.parse(path.read_text())
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "cards"
            for alias in node.names
        }
        modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert "verbs" not in imported and "cards.verbs" not in modules, path.relative_to(ROOT)
        assert not any(isinstance(n, ast.Constant) and n.value in VERBS for n in ast.walk(tree)), path
