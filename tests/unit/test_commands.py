"""The command table and its parser."""

import pytest

from bot.handlers.command_words import LOCALIZED
from bot.handlers.commands import COMMANDS, MAX_MESSAGE_CHARS, TooLong, local_name, parse, spec_named


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
        "stage", "convert", "email", "meet", "notifications", "role", "working hours",
        "value", "close", "rename", "company", "next", "currency", "owner", "archive", "restore",
        "edit contact", "merge contacts", "delete contact", "erase contact", "export contacts", "export records",
        "pipeline", "visibility", "share", "unshare",
        # issue 26: next steps
        "task", "tasks", "done", "my day", "quiet after",
        # issue 31: custom fields, several pipelines, lost reasons, and who administers them
        "fields", "field add", "field rename", "field remove", "set", "pipelines", "pipeline add", "pipeline delete",
        "move", "reason", "lost reasons", "admins",
    }  # fmt: skip
    assert set(names) == expected
    for command in COMMANDS:
        assert command.usage.startswith(command.name) and command.description
        assert parse(
            command.usage.replace("‹ref›", "L-1").replace("‹", "").replace("›", "").replace("[", "").replace("]", "")
        )


@pytest.mark.parametrize(
    ("text", "name", "ref", "rest"),
    [
        ("hilfe", "help", "", ""),
        ("Neuer Lead Acme Rollout", "new lead", "", "Acme Rollout"),
        ("kontakt bearbeiten jane@acme.example", "edit contact", "", "jane@acme.example"),
        ("Kontakt L-1 jane@acme.example", "contact", "L-1", "jane@acme.example"),
        ("teilnehmer entfernen L-1 Jane", "remove participant", "L-1", "Jane"),
        ("NÄCHSTER SCHRITT L-1 Angebot schicken", "next", "L-1", "Angebot schicken"),
        ("folgen L-1 30", "follow", "L-1", "30"),
        ("ajuda", "help", "", ""),
        ("novo lead Implementação", "new lead", "", "Implementação"),
        ("novo contacto Ana ana@acme.example", "new contact", "", "Ana ana@acme.example"),
        ("novo contato Ana ana@acme.example", "new contact", "", "Ana ana@acme.example"),
        ("deixar de seguir O-2", "unfollow", "O-2", ""),
        ("seguir O-2", "follow", "O-2", ""),
        ("fechamento O-2 2027-03-31", "close", "O-2", "2027-03-31"),
        ("e-mail L-1", "email", "L-1", ""),
    ],
)
def test_commands_are_understood_in_german_and_portuguese(text: str, name: str, ref: str, rest: str) -> None:
    parsed = parse(text)
    assert parsed is not None
    assert (parsed.name, parsed.ref, parsed.text) == (name, ref, rest)


def test_every_localized_word_is_its_command_and_its_usage_starts_with_it() -> None:
    english = {c.name for c in COMMANDS}
    for language, table in LOCALIZED.items():
        assert set(table) == english, language  # every command has its word in every language
        for name, (word, usage) in table.items():
            parsed = parse(usage.split(" <")[0].split(" [")[0])
            assert parsed is not None and parsed.name == name, (language, word)
            assert usage.startswith(word) and (word not in english or word == name), (language, word)
            assert local_name(spec_named(name), language) == word


@pytest.mark.parametrize(
    ("text", "name", "ref", "rest"),
    [
        (
            "feld hinzufügen opportunity Region choice EMEA, APAC",
            "field add",
            "",
            "opportunity Region choice EMEA, APAC",
        ),
        ("Feld umbenennen Region zu Vertriebsregion", "field rename", "", "Region zu Vertriebsregion"),
        ("setzen O-3 Region EMEA", "set", "O-3", "Region EMEA"),
        ("verschieben O-3 Renewals", "move", "O-3", "Renewals"),
        ("pipeline anlegen Renewals: Due 30%", "pipeline add", "", "Renewals: Due 30%"),
        ("verlustgründe", "lost reasons", "", ""),
        ("adicionar campo contact Região text", "field add", "", "contact Região text"),
        ("preencher O-3 Região EMEA", "set", "O-3", "Região EMEA"),
        ("motivos de perda Preço, Prazo", "lost reasons", "", "Preço, Prazo"),
        ("motivo O-3 Preço", "reason", "O-3", "Preço"),
        ("excluir pipeline Renovações", "pipeline delete", "", "Renovações"),
        ("eliminar pipeline Renovações", "pipeline delete", "", "Renovações"),
        ("campos", "fields", "", ""),
        ("administradores", "admins", "", ""),
    ],
)
def test_issue_31s_commands_are_understood_in_german_and_portuguese(text: str, name: str, ref: str, rest: str) -> None:
    parsed = parse(text)
    assert parsed is not None
    assert (parsed.name, parsed.ref, parsed.text) == (name, ref, rest)
