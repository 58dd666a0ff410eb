"""The message catalogs (locales/*/LC_MESSAGES/messages.po) against what the code says: every message the
code marks has a translation in every catalog, with the same named placeholders, so a German or Portuguese
reader never meets an English sentence, a `{name}` left unfilled, or a message that cannot be filled.

The messages are extracted from the code here, as `make messages` does (Babel's extractor), so a new `_()`
without its translations fails this test, not a person."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.domain.language import CATALOGS, LOCALES, placeholders

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("bot", "cards", "manifest")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
MAPPING = [("**.py", "python")]
Key = tuple[str | None, str | tuple[str, ...]]


@functools.cache
def extracted() -> dict[Key, str]:
    """Every marked message of the code: (context, msgid or (singular, plural)) -> where it is."""
    found: dict[Key, str] = {}
    for folder in SOURCES:
        for filename, line, message, _comments, context in extract_from_dir(
            ROOT / folder, method_map=MAPPING, keywords=KEYWORDS
        ):
            found.setdefault((context, message), f"{folder}/{filename}:{line}")
    return found


@functools.cache
def catalog(folder: str) -> Catalog:
    with (LOCALES / folder / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=folder)


def test_the_code_marks_messages_and_every_catalog_exists() -> None:
    assert len(extracted()) > 5
    assert sorted(CATALOGS.values()) == sorted(p.name for p in LOCALES.iterdir() if p.is_dir())


@pytest.mark.parametrize("folder", sorted(CATALOGS.values()))
def test_every_message_has_a_translation_in_every_catalog(folder: str) -> None:
    entries = catalog(folder)
    missing = []
    for (context, message), where in extracted().items():
        entry = entries.get(message[0] if isinstance(message, tuple) else message, context=context)
        strings = () if entry is None else entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if entry is None or entry.fuzzy or not strings or not all(strings):
            missing.append(f"{where}: {message!r}")
    assert not missing, f"{folder} lacks {len(missing)} translations (make messages, then translate):\n" + "\n".join(
        missing
    )


@pytest.mark.parametrize("folder", sorted(CATALOGS.values()))
def test_every_translation_has_the_placeholders_of_its_message(folder: str) -> None:
    wrong = []
    for entry in catalog(folder):
        msgid, strings = entry.id, entry.string
        if not msgid:
            continue
        if not isinstance(msgid, str):  # plural forms: each may drop the count (`ein Deal`), never add or lose a name
            wanted = placeholders(msgid[0]) | placeholders(msgid[1])
            for form in strings or ():
                found = placeholders(form)
                if not (wanted - {"n"} <= found <= wanted):
                    wrong.append(f"{msgid[1]!r} -> {form!r}")
        elif isinstance(strings, str) and strings and placeholders(strings) != placeholders(msgid):
            wrong.append(f"{msgid!r} -> {strings!r}")
    assert not wrong, f"{folder}: placeholders differ:\n" + "\n".join(wrong)


@pytest.mark.parametrize("folder", sorted(CATALOGS.values()))
def test_no_catalog_keeps_messages_the_code_no_longer_says(folder: str) -> None:
    code = {(context, message if isinstance(message, str) else message[0]) for context, message in extracted()}
    stale = [entry.id for entry in catalog(folder) if entry.id and (entry.context, _singular(entry.id)) not in code]
    assert not stale, f"{folder} has entries no code says (make messages drops them): {stale}"


def _singular(msgid: str | tuple[str, ...] | list[str]) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def _marked_calls(tree: ast.AST) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in KEYWORDS
    ]


def test_a_message_is_a_literal_never_text_built_at_run_time() -> None:
    """`_(f"Hello {name}")` would look the person's text up as a msgid (and never find it): the message is a
    literal and the values come as named arguments, filled in after the translation."""
    built = []
    for folder in SOURCES:
        for path in (ROOT / folder).rglob("*.py"):
            for call in _marked_calls(ast.parse(path.read_text(encoding="utf-8"))):
                count = {"ngettext": 2, "pgettext": 2}.get(call.func.id, 1)  # type: ignore[attr-defined]
                messages = call.args[:count]
                if len(messages) < count or not all(
                    isinstance(a, ast.Constant) and isinstance(a.value, str) for a in messages
                ):
                    built.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert not built, f"messages built at run time: {built}"
