"""The reader's language through HTTP: Teams' clientInfo locale on each activity decides what the bot answers
in, and each person's latest locale is kept so that what reaches them later speaks it (bot/domain/language.py)."""

from __future__ import annotations

from dataclasses import replace

from tests.conftest import ALICE, Person, Teams

HANS = Person(
    "29:hans", "aad0aa75-0000-4000-8000-000000000006", "Hans Vertrieb", "hans@contoso.example", locale="de-AT"
)
ANA = Person("29:ana", "aad0a7a0-0000-4000-8000-000000000007", "Ana Vendas", "ana@contoso.example", locale="pt-BR")


def stored_locale(teams: Teams, person: Person) -> str | None:
    row = teams.services.repo.db.execute("SELECT locale FROM users WHERE teams_id = ?", [person.teams_id]).fetchone()
    return row[0]


async def test_each_persons_latest_locale_is_stored_and_a_malformed_one_is_ignored(teams: Teams) -> None:
    await teams.say(HANS, "leads")
    assert stored_locale(teams, HANS) == "de-AT"
    await teams.say(replace(HANS, locale="de-CH"), "leads")
    assert stored_locale(teams, HANS) == "de-CH"
    for malformed in ("../../etc", "de_DE", "x" * 200):
        await teams.say(replace(HANS, locale=malformed), "leads")
        assert stored_locale(teams, HANS) == "de-CH"
    await teams.say(ALICE, "leads")
    assert stored_locale(teams, ALICE) == "en-US"  # no clientInfo: the activity's own locale


async def test_a_refusal_speaks_the_readers_language(teams: Teams) -> None:
    await teams.say(ALICE, "new lead Rollout")
    assert "„a*b“ ist kein Betrag" in await teams.text(HANS, "value L-1 a*b EUR")
    assert "“a*b” não é um valor" in await teams.text(ANA, "value L-1 a*b EUR")
    assert "“a*b” is not an amount" in await teams.text(ALICE, "value L-1 a*b EUR")
    # No locale this time, or none that is one: the person's latest; for someone never seen with one, English.
    assert "„1e9“ ist kein Betrag" in await teams.text(replace(HANS, locale="../../etc"), "value L-1 1e9 EUR")
    stranger = Person("29:zed", "aad0ee00-0000-4000-8000-000000000008", "Zed", "zed@contoso.example", locale="xx_YY")
    assert "“1e9” is not an amount" in await teams.text(stranger, "value L-1 1e9 EUR")
