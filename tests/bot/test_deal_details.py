"""A deal's details through HTTP as Teams sends them: value (exact, in minor units), currency, close
date, title, company, next step, description; the Edit details form; every refusal; what followers hear."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from cards.times import local_day
from tests.bot.test_languages import ANA, HANS
from tests.bot.test_notifications import lead_with_followers, lines
from tests.conftest import ALICE, BOB, MALLORY, CardInHand, Teams, all_text


def stored(teams: Teams, sql: str) -> tuple:
    row = teams.services.repo.db.execute(sql).fetchone()
    assert row is not None
    return tuple(row)


async def test_value_is_stored_exactly_in_minor_units_and_shown_prominently(teams: Teams) -> None:
    await teams.card(ALICE, "new lead Acme rollout")
    card = await teams.card(ALICE, "value L-1 25,000.10 EUR")
    text = all_text(card)
    assert "L-1: value 25,000.10 EUR." in text
    assert text.splitlines()[3] == "25,000.10 EUR"  # right under the title, in large type
    assert "set the value to 25,000.10 EUR" in text and "none →" not in text
    value, currency = stored(teams, "SELECT value, currency FROM records")
    assert (value, type(value), currency) == (2500010, int, "EUR")  # an integer of cents, not a float
    # the first currency used became the organisation's default; the record keeps its own
    assert "default currency is EUR" in await teams.text(ALICE, "currency")
    await teams.card(ALICE, "new lead Second")
    assert "value 7,000.00 EUR" in all_text(await teams.card(ALICE, "value L-2 7000"))
    assert "value 1,000,000 JPY" in all_text(await teams.card(ALICE, "value L-2 JPY 1000000"))
    assert stored(teams, "SELECT value, currency FROM records WHERE number = 2") == (1000000, "JPY")
    assert "now in USD" in await teams.text(ALICE, "currency usd")


async def test_bad_values_currencies_and_dates_are_refused_and_change_nothing(teams: Teams) -> None:
    await teams.card(ALICE, "new lead Acme rollout")
    await teams.card(ALICE, "value L-1 100 EUR")
    before = stored(teams, "SELECT value, currency, close_date, version FROM records")
    refusals = {
        "value L-1 abc": "“abc” is not an amount",
        "value L-1 -5": "can't be negative",
        "value L-1 1e309": "“1e309” is not an amount",
        "value L-1 10.123 EUR": "EUR amounts have at most 2 decimals",
        "value L-1 2000000000000 EUR": "too large",
        "value L-1 100 XXXX": "“XXXX” is not a currency code",
        "value L-1 100 XXX": "“XXX” is not a currency code",
        "close L-1 2027-02-30": "“2027-02-30” is not a date on the calendar",
        "close L-1 someday": "“someday” is not a date I understand",
        "rename L-1 " + "x" * 201: "at most 200 characters",
        "value L-9 100 EUR": "I can't find L-9",
        "currency XXXX": "“XXXX” is not a currency code",
    }
    for command, expected in refusals.items():
        assert expected in await teams.text(ALICE, command), command
    assert stored(teams, "SELECT value, currency, close_date, version FROM records") == before
    assert "I can't find L-1" in await teams.text(MALLORY, "value L-1 5")  # another tenant's record


async def test_close_dates_as_people_say_them(teams: Teams) -> None:
    await teams.card(ALICE, "new lead Acme rollout")
    assert "close date 2027-03-31" in all_text(await teams.card(ALICE, "close L-1 2027-03-31"))
    today = datetime.now(UTC).date()
    friday = today + timedelta(days=(4 - today.weekday() - 1) % 7 + 1)
    card = all_text(await teams.card(ALICE, "close L-1 next friday"))
    assert (
        f"closes {local_day(friday.isoformat())}" in card
        and f"changed the close date: {local_day('2027-03-31')} →" in card
    )
    last_month = ((today.month - 1) // 3 + 1) * 3
    after = date(today.year + 1, 1, 1) if last_month == 12 else date(today.year, last_month + 1, 1)
    quarter_end = after - timedelta(days=1)
    assert f"closes {local_day(quarter_end.isoformat())}" in all_text(
        await teams.card(ALICE, "close L-1 end of quarter")
    )


async def test_an_overdue_close_date_is_marked(teams: Teams) -> None:
    await teams.card(ALICE, "new lead Acme rollout")
    assert "Overdue" not in all_text(await teams.card(ALICE, "close L-1 2099-01-01"))
    assert f"Overdue: expected to close {local_day('2020-01-31')}" in all_text(
        await teams.card(ALICE, "close L-1 2020-01-31")
    )
    assert "Overdue" not in all_text(await teams.card(ALICE, "stage L-1 Disqualified"))


async def test_title_company_and_next_step_by_chat(teams: Teams) -> None:
    await teams.card(ALICE, "new lead Acme rollout")
    text = all_text(await teams.card(ALICE, "rename L-1 Acme global rollout"))
    assert "Acme global rollout" in text and "changed the title: Acme rollout → Acme global rollout" in text
    assert "Company: Initech" in all_text(await teams.card(ALICE, "company L-1 Initech"))
    assert "Next step: Send the offer by Friday" in all_text(
        await teams.card(ALICE, "next L-1 Send the offer by Friday")
    )
    assert "L-1" in all_text(await teams.card(ALICE, "find initech"))  # the company is searchable
    assert "Nothing to change" in await teams.text(ALICE, "company L-1 Initech")


async def test_the_company_defaults_to_the_contacts(teams: Teams) -> None:
    await teams.say(ALICE, "new contact Jane Buyer jane@acme.example Acme Ltd")
    await teams.card(ALICE, "new lead Rollout")
    assert "Company: Acme Ltd" in all_text(await teams.card(ALICE, "contact L-1 jane@acme.example"))


async def test_followers_hear_of_value_and_close_date_not_of_description(teams: Teams) -> None:
    await lead_with_followers(teams, BOB)
    lead = await CardInHand.posted(teams, ALICE, "show L-1")
    await lead.press("Edit details")
    await lead.press("Save details", description="Rollout to 3 plants")
    assert "description updated" in lead.text and "Rollout to 3 plants" in lead.text
    await teams.card(ALICE, "next L-1 Call Jane")
    await teams.card(ALICE, "value L-1 25000 EUR")
    await teams.card(ALICE, "close L-1 2027-03-31")
    await teams.settled()
    assert sorted(lines(teams, BOB)) == [  # one notification or two, in the order the sender sent them
        f"Alice Owner set the close date to {local_day('2027-03-31')}",
        "Alice Owner set the value to 25,000.00 EUR",
    ]


async def test_the_edit_details_form_reports_every_wrong_field_and_stores_nothing(teams: Teams) -> None:
    await teams.card(ALICE, "new lead Acme rollout")
    lead = await CardInHand.posted(teams, ALICE, "show L-1")
    await lead.press("Edit details")
    inputs = lead.inputs()
    assert [inputs[i]["type"] for i in ("title", "value", "currency", "close_date", "description")] == [
        "Input.Text", "Input.Number", "Input.ChoiceSet", "Input.Date", "Input.Text",
    ]  # fmt: skip
    await lead.press("Save details", value="1e309", currency="XXXX", close_date="2027-02-30", title="")
    text = lead.text
    assert "“1e309” is not an amount" not in text  # no currency to read it in yet: the currency is the problem
    assert "“XXXX” is not a currency code" in text and "“2027-02-30” is not a date on the calendar" in text
    assert "A record needs a title." in text
    assert "value" not in lead.inputs()["value"]  # the refused number is not put back into the card
    await lead.press("Save details", value="abc", currency="EUR", close_date="2027-03-31", title="Acme rollout")
    assert "“abc” is not an amount" in lead.text and lead.inputs()["close_date"]["value"] == "2027-03-31"
    assert stored(teams, "SELECT value, close_date, version FROM records") == (None, None, 1)
    await lead.press("Save details", value="125000.5", currency="EUR", close_date="2027-03-31", company="Acme")
    assert f"125,000.50 EUR · closes {local_day('2027-03-31')}" in lead.text
    assert stored(teams, "SELECT value, currency, close_date, company FROM records") == (
        12500050, "EUR", "2027-03-31", "Acme",
    )  # fmt: skip
    await lead.press("Edit details")
    assert lead.inputs()["value"]["value"] == 125000.5 and lead.inputs()["currency"]["value"] == "EUR"


async def test_the_value_is_grouped_the_readers_way(teams: Teams) -> None:
    await teams.card(ALICE, "new lead Acme rollout")
    await teams.card(ALICE, "value L-1 25000 EUR")
    activity = teams.message(ALICE, "show L-1")
    activity["entities"] = [{"type": "clientInfo", "locale": "de-DE", "country": "DE", "platform": "Web"}]
    status, _ = await teams.post(activity)
    assert status in (200, 201)
    card = teams.connector.replies_to(activity["id"])[0].cards[0]
    assert "25.000,00 EUR" in all_text(card)


async def test_a_stale_edit_details_form_changes_only_what_its_sender_changed(teams: Teams) -> None:
    await teams.card(ALICE, "new lead Acme rollout")
    bob = await CardInHand.posted(teams, BOB, "show L-1")
    await bob.press("Edit details")  # no value, no close date yet: those inputs are empty
    await teams.card(ALICE, "value L-1 50000 EUR")
    await teams.card(ALICE, "close L-1 2027-03-31")
    await bob.press("Save details", title="Acme global rollout")  # Teams sends no untouched empty input
    text = bob.text
    assert "title Acme global rollout" in text and "cleared" not in text, text
    assert f"50,000.00 EUR · closes {local_day('2027-03-31')}" in text
    assert stored(teams, "SELECT title, value, currency, close_date FROM records") == (
        "Acme global rollout", 5000000, "EUR", "2027-03-31",
    )  # fmt: skip


async def test_a_field_changed_meanwhile_is_kept_and_its_sender_may_apply_theirs(teams: Teams) -> None:
    await teams.card(ALICE, "new lead Acme rollout")
    bob = await CardInHand.posted(teams, BOB, "show L-1")
    await bob.press("Edit details")
    await teams.card(ALICE, "value L-1 50000 EUR")
    await bob.press("Save details", value="60000", currency="EUR", next_step="Call Jane")
    text = bob.text
    assert "next step Call Jane" in text, text
    assert "value is now 50,000.00 EUR (yours: 60,000.00 EUR)" in text and "kept" in text, text
    assert stored(teams, "SELECT value, next_step FROM records") == (5000000, "Call Jane")
    assert "[Apply mine: value 60,000.00 EUR]" in text
    await bob.press("Apply mine: value 60,000.00 EUR")
    assert "value 60,000.00 EUR" in bob.text
    assert stored(teams, "SELECT value, currency FROM records") == (6000000, "EUR")


async def test_two_saves_of_the_same_form_do_not_both_blindly_apply(teams: Teams) -> None:
    await teams.card(ALICE, "new lead Acme rollout")
    opened = await CardInHand.posted(teams, BOB, "show L-1")
    await opened.press("Edit details")

    def the_form() -> CardInHand:  # the same form, clicked again (each click replaces the card in hand)
        return CardInHand(teams, BOB, opened.card, opened.message_id, opened.chat)

    await the_form().press("Save details", title="Acme one")
    second = await the_form().press("Save details", title="Acme two", company="Initech")
    text = second.text
    assert "company Initech" in text and "title is now Acme one (yours: Acme two)" in text, text
    assert stored(teams, "SELECT title, company FROM records") == ("Acme one", "Initech")
    third = await the_form().press("Save details", title="Acme two", company="Initech")  # again: nothing new
    assert "nothing changed" in third.text and "title is now Acme one (yours: Acme two)" in third.text
    assert stored(teams, "SELECT title, company, version FROM records") == ("Acme one", "Initech", 3)
    tampered = {"ref": "L-1", "version": 3, "shown": {"title": ["x"]}, "title": "Pwned"}
    answer = await teams.click(BOB, "record.edit_details", tampered)
    assert "can't read" in str(answer) and stored(teams, "SELECT title FROM records") == ("Acme one",)


async def test_a_field_kept_and_its_apply_button_speak_the_readers_language(teams: Teams) -> None:
    """The kept field is named with its own article (der Wert, a data de fechamento), both values the reader's way."""
    await teams.card(ALICE, "new lead Acme rollout")
    hans = replace(HANS, locale="de-DE")
    german = await CardInHand.posted(teams, hans, "show L-1")
    await german.press("Details bearbeiten")
    brazilian = await CardInHand.posted(teams, ANA, "show L-1")
    await brazilian.press("Editar detalhes")
    await teams.card(ALICE, "value L-1 50000 EUR")
    await teams.card(ALICE, "close L-1 2027-03-31")
    await german.press("Details speichern", value="60000", currency="EUR")
    text = german.text
    assert (
        "von jemand anderem geändert, daher beibehalten: der Wert ist jetzt 50.000,00 EUR (Ihrer: 60.000,00 EUR)"
        in (text)
    ), text
    await german.press("Meins übernehmen: Wert 60.000,00 EUR")
    assert "Wert 60.000,00 EUR" in german.text, german.text
    assert stored(teams, "SELECT value, currency FROM records") == (6000000, "EUR")
    await brazilian.press("Salvar detalhes", close_date="2027-06-30")
    text = brazilian.text
    assert "a data de fechamento agora é 31 de mar. de 2027 (a sua: 30 de jun. de 2027)" in text, text
    assert "[Aplicar o meu: data de fechamento 30 de jun. de 2027]" in text
    assert stored(teams, "SELECT close_date FROM records") == ("2027-03-31",)
