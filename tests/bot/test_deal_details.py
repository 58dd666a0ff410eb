"""A deal's details through HTTP as Teams sends them: value (exact, in minor units), currency, close
date, title, company, next step, description; the Edit details form; every refusal; what followers hear."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

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
    assert "changed the value: none → 25,000.10 EUR" in text
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
    assert f"closes {friday.isoformat()}" in card and "changed the close date: 2027-03-31 →" in card
    last_month = ((today.month - 1) // 3 + 1) * 3
    after = date(today.year + 1, 1, 1) if last_month == 12 else date(today.year, last_month + 1, 1)
    quarter_end = after - timedelta(days=1)
    assert f"closes {quarter_end.isoformat()}" in all_text(await teams.card(ALICE, "close L-1 end of quarter"))


async def test_an_overdue_close_date_is_marked(teams: Teams) -> None:
    await teams.card(ALICE, "new lead Acme rollout")
    assert "Overdue" not in all_text(await teams.card(ALICE, "close L-1 2099-01-01"))
    assert "Overdue: expected to close 2020-01-31" in all_text(await teams.card(ALICE, "close L-1 2020-01-31"))
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
        "Alice Owner changed the close date: none → 2027-03-31",
        "Alice Owner changed the value: none → 25,000.00 EUR",
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
    assert "125,000.50 EUR · closes 2027-03-31" in lead.text
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
