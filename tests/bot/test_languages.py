"""The reader's language through HTTP: Teams' clientInfo locale on each activity decides what the bot answers
in, and each person's latest locale is kept so that what reaches them later speaks it (bot/domain/language.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.config import Config
from tests.bot.test_pipeline_weekly import TUESDAY, posts, started
from tests.conftest import ALICE, CardInHand, Person, Teams, all_text, find
from tests.fake_clock import FakeClock

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


async def test_a_german_and_a_brazilian_colleague_each_see_the_record_in_their_language(teams: Teams) -> None:
    await teams.say(ALICE, "new lead Acme rollout")
    await teams.say(ALICE, "value L-1 25000 EUR")
    german = all_text(await teams.card(HANS, "show L-1"))
    brazilian = all_text(await teams.card(ANA, "show L-1"))
    english = all_text(await teams.card(ALICE, "show L-1"))
    for words in ("Kontakt", "Andere Teilnehmer (0)", "Follower (1)", "Phase: Neu", "Verantwortlich: Alice Owner"):
        assert words in german, german
    for words in ("Contato", "Outros participantes (0)", "Colaboradores (1)", "Fase: Novo", "Responsável"):
        assert words in brazilian, brazilian
    assert "Other participants (0)" in english and "Followers (1)" in english and "Stage: New" in english
    assert "25.000,00 EUR" in brazilian and "25,000.00 EUR" in english
    assert all("Acme rollout" in card for card in (german, brazilian, english))  # user data is never translated
    assert "Andere Teilnehmer" not in english and "Outros participantes" not in german


async def test_each_one_is_told_of_a_change_in_their_own_language(teams: Teams) -> None:
    await teams.say(ALICE, "new lead Acme rollout")
    assert "Sie folgen jetzt L-1." in all_text(await teams.card(HANS, "follow L-1"))
    assert "Agora você segue L-1." in all_text(await teams.card(ANA, "follow L-1"))
    await teams.settled()
    teams.connector.posted.clear()
    await teams.say(ALICE, "comment L-1 *Budget* approved by Jane_Doe")
    await teams.settled()
    [to_hans] = teams.notifications(HANS)
    [to_ana] = teams.notifications(ANA)
    german, brazilian = all_text(to_hans.cards[0]), all_text(to_ana.cards[0])
    assert r"Alice Owner hat kommentiert: \*Budget\* approved by Jane\_Doe" in german  # escaped once
    assert "Sie erhalten dies, weil Sie L-1 folgen." in german and "[Nicht mehr folgen]" in german
    assert r"Alice Owner comentou: \*Budget\* approved by Jane\_Doe" in brazilian
    assert "Você recebe isto porque segue L-1." in brazilian and "[Deixar de seguir]" in brazilian
    assert to_hans.activity["summary"] == "L-1: Alice Owner hat kommentiert: *Budget* approved by Jane_Doe"
    assert to_ana.activity["summary"] == "L-1: Alice Owner comentou: *Budget* approved by Jane_Doe"


async def test_stage_names_are_understood_and_answered_in_the_readers_language(teams: Teams) -> None:
    await teams.say(ALICE, "new lead Acme rollout")
    moved = all_text(await teams.card(HANS, "stage L-1 qualifiziert"))
    assert "L-1 in Qualifiziert verschoben." in moved and "Phase: Qualifiziert" in moved
    again = all_text(await teams.card(ANA, "stage L-1 Contatado"))
    assert "L-1 passou para Contatado." in again and "Fase: Contatado" in again
    assert "L-1 moved to New." in all_text(await teams.card(ALICE, "stage L-1 New"))  # English always works
    refused = await teams.text(ANA, "stage L-1 Gewonnen")
    assert (
        refused
        == "“Gewonnen” não é uma fase de leads. Escolha uma destas: Novo, Contatado, Qualificado, Desqualificado."
    )
    stored = teams.services.repo.db.execute("SELECT stage FROM records").fetchone()[0]
    assert stored == "New"  # stored by its English name, whoever moved it


async def test_a_card_shared_in_a_channel_speaks_the_sharer_and_each_viewers_refresh_their_own(teams: Teams) -> None:
    await teams.say(ALICE, "new lead Acme rollout")
    await teams.say(ANA, "follow L-1")
    shared = await CardInHand.posted(teams, HANS, "show L-1", chat="channel")
    assert "Andere Teilnehmer (0)" in shared.text  # built in the language of the one who shared it
    assert ANA.teams_id in shared.card["refresh"]["userIds"]
    refresh = shared.card["refresh"]["action"]
    answer = await teams.click(ANA, refresh["verb"], refresh["data"], chat="channel", message_id=shared.message_id)
    assert "Outros participantes (0)" in all_text(answer["value"])  # her own view, in her language


async def test_commands_work_in_the_readers_words_and_help_lists_them(teams: Teams) -> None:
    help_card = await teams.card(HANS, "hilfe")
    shown = all_text(help_card)
    assert "neuer lead <Titel>: Einen Lead anlegen (ohne Titel: ein Formular)" in shown
    assert "Jeder Befehl funktioniert auch auf Englisch." in shown
    sent = [a["data"]["msteams"]["text"] for a in find(help_card, "Action.Submit")]
    assert "neuer lead" in sent and "pipeline" in sent  # the buttons send what the reader would type
    created = all_text(await teams.card(HANS, "neuer lead Rollout Wien"))
    assert "L-1 angelegt." in created and "Rollout Wien" in created
    await teams.say(HANS, "neuer kontakt Jana Novak jana@acme.example")
    assert "Jana Novak ist jetzt der Kontakt von L-1." in all_text(
        await teams.card(HANS, "kontakt L-1 jana@acme.example")
    )
    assert "Jana Novak bei L-1: Entscheider." in all_text(
        await teams.card(HANS, "rolle L-1 jana@acme.example entscheider")
    )
    assert "Sie folgen L-1 bereits." in await teams.text(HANS, "folgen L-1 30")
    settings = all_text(await teams.card(HANS, "arbeitszeit an"))
    assert "Benachrichtigungen erreichen Sie jetzt in der Arbeitszeit, 08:00–18:00, Montag–Freitag." in settings
    ajuda = all_text(await teams.card(ANA, "ajuda"))
    assert "novo contato <nome> <e-mail>: Adicionar um contato (sem dados: um formulário)" in ajuda
    assert "Agora você segue L-1." in all_text(await teams.card(ANA, "seguir L-1 por 7 dias"))
    missing = await teams.text(ANA, "comentar L-1")
    assert missing == "Falta alguma coisa. Experimente: comentar L-1 <texto>"
    assert "L-1 moved to Contacted." in all_text(await teams.card(ALICE, "stage L-1 Contacted"))  # English still


async def test_a_posted_card_is_updated_in_its_readers_language(teams: Teams) -> None:
    await teams.say(ALICE, "new lead Acme rollout")
    posted = await CardInHand.posted(teams, HANS, "show L-1")  # Hans's own 1:1 chat
    await teams.say(ALICE, "comment L-1 Budget approved")  # the change is Alice's, in English
    await teams.cards_updated()
    updated = all_text(teams.connector.shown(posted.message_id))
    assert "Alice Owner hat kommentiert: Budget approved" in updated and "Andere Teilnehmer (0)" in updated


async def test_the_weekly_post_speaks_the_language_of_the_one_who_set_it_up(
    aiohttp_client: Any, connector: Any, bot_config: Config
) -> None:
    clock = FakeClock(TUESDAY, tick=0.000001)
    teams = await started(aiohttp_client, connector, bot_config, clock)
    await teams.say(ALICE, "new opportunity Acme rollout")
    await teams.say(ALICE, "value O-1 25000 EUR")
    answer = "\n".join(r.text for r in await teams.say(HANS, "pipeline weekly here", chat="channel"))
    assert "Jeden Montag um 09:00 (UTC) poste ich hier die Pipeline des Teams" in answer
    assert "Montag, 7. Dezember 2026" in answer
    await teams.say(ALICE, "leads")  # English meanwhile, from someone else: the post stays Hans's language
    clock.advance(5 * 86400 + 23 * 3600)  # Monday 07 Dec, 09:00 UTC
    await teams.connector.wait_for(lambda: len(posts(teams)) == 1)
    [post] = posts(teams)
    text = all_text(post.cards[0])
    assert "Die Pipeline des Teams" in text and "Gesamt: 25.000,00 EUR" in text and "Akquise" in text
    assert post.activity["summary"] == "Die Pipeline des Teams, Woche vom 07.12.2026"
