"""The command table and its parser."""

import pytest

from bot.handlers.commands import COMMANDS, MAX_MESSAGE_CHARS, TooLong, parse


@pytest.mark.parametrize(
    ("text", "name", "ref", "rest"),
    [
        ("HELP", "help", "", ""),
        ("new lead Acme rollout", "new lead", "", "Acme rollout"),
        ("New   Opportunity  Big one", "new opportunity", "", "Big one"),
        ("remove participant l-3 jane@acme.example", "remove participant", "l-3", "jane@acme.example"),
        ("participant L-3 Jane Doe", "participant", "L-3", "Jane Doe"),
        ("comment L-1 line one\nline two", "comment", "L-1", "line one\nline two"),
        ("contacts acme", "contacts", "", "acme"),
        ("  stage o-2 won ", "stage", "o-2", "won"),
        ("value L-3 25000 EUR", "value", "L-3", "25000 EUR"),
        ("close l-3 end of quarter", "close", "l-3", "end of quarter"),
        ("company L-3 Acme", "company", "L-3", "Acme"),
        ("Erase Contact jane@acme.example", "erase contact", "", "jane@acme.example"),
    ],
)
def test_parse(text: str, name: str, ref: str, rest: str) -> None:
    parsed = parse(text)
    assert parsed is not None
    assert (parsed.name, parsed.ref, parsed.text) == (name, ref, rest)


@pytest.mark.parametrize("text", ["", "hello", "leads please", "helpme", "contactsx", "newlead x"])
def test_not_commands(text: str) -> None:
    assert parse(text) is None


def test_very_long_text_is_refused_before_parsing() -> None:
    with pytest.raises(TooLong):
        parse("comment L-1 " + "x" * MAX_MESSAGE_CHARS)


def test_the_table_is_the_product_vocabulary() -> None:
    names = [c.name for c in COMMANDS]
    assert len(names) == len(set(names))
    expected = {
        "help", "new lead", "new opportunity", "new contact", "contacts", "leads", "opportunities", "my", "show",
        "find", "contact", "participant", "remove participant", "follow", "unfollow", "following", "comment",
        "stage", "convert", "email", "notifications", "role", "working hours",
        "value", "close", "rename", "company", "next", "currency", "owner", "archive", "restore",
        "edit contact", "merge contacts", "delete contact", "erase contact", "export contacts", "export records",
        "pipeline", "task", "tasks", "done",
    }  # fmt: skip
    assert set(names) == expected
    for command in COMMANDS:
        assert command.usage.startswith(command.name) and command.description
        assert parse(
            command.usage.replace("<ref>", "L-1").replace("<", "").replace(">", "").replace("[", "").replace("]", "")
        )
