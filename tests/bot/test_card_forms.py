"""The forms the bot sends (new lead, new contact), clicked the way Teams does: an adaptiveCard/action invoke."""

from typing import Any

import pytest

from tests.conftest import ALICE, CARD, Teams, all_text, find

MESSAGE = "application/vnd.microsoft.activity.message"


def inputs(card: dict[str, Any]) -> dict[str, Any]:
    return {i["id"]: i for i in find(card, "Input.")}


async def click_button(teams: Teams, card: dict[str, Any], title: str, values: dict[str, str]) -> dict[str, Any]:
    """Click the button with this title: Teams merges the inputs' values into the action's data."""
    action = next(a for a in find(card, "Action.Execute") if a["title"] == title)
    return await teams.click(ALICE, action["verb"], {**action.get("data", {}), **values})


async def test_new_lead_form_creates_the_lead(teams: Teams) -> None:
    form = await teams.card(ALICE, "new lead")
    assert set(inputs(form)) == {"title", "company"}
    body = await click_button(teams, form, "Create lead", {"title": "From the form", "company": "Acme"})
    assert body["type"] == CARD
    text = all_text(body["value"])
    assert "L-1 created." in text and "From the form" in text and "Company: Acme" in text


async def test_new_record_form_without_title_comes_back_with_the_message(teams: Teams) -> None:
    form = await teams.card(ALICE, "new opportunity")
    body = await click_button(teams, form, "Create opportunity", {"title": "  ", "company": "Kept Ltd"})
    again = body["value"]
    assert "An opportunity needs a title." in all_text(again)
    assert inputs(again)["company"]["value"] == "Kept Ltd"
    assert teams.services.records.list_records(ALICE.tenant_id, None) == []


async def test_new_contact_form_keeps_values_and_shows_the_email_error(teams: Teams) -> None:
    form = await teams.card(ALICE, "new contact")
    values = {"name": "Jane Buyer", "email": "not-an-email", "company": "Acme", "job_title": "CFO", "phone": ""}
    body = await click_button(teams, form, "Add contact", values)
    again = body["value"]
    assert "“not-an-email” is not a valid email address." in all_text(again)
    assert inputs(again)["name"]["value"] == "Jane Buyer" and inputs(again)["job_title"]["value"] == "CFO"
    assert teams.services.contacts.count_contacts(ALICE.tenant_id) == 0
    body = await click_button(teams, again, "Add contact", {**values, "email": "jane@acme.example"})
    assert "Jane Buyer added." in all_text(body["value"])
    assert teams.services.contacts.count_contacts(ALICE.tenant_id) == 1


@pytest.mark.parametrize(
    ("verb", "data"),
    [
        ("record.explode", {}),
        (None, {}),
        (42, {}),
        ("record.create", "not an object"),
        ("record.create", {"kind": "invoice", "title": "x"}),
        ("record.create", {"kind": "lead", "title": ["list"]}),
        ("record.create", {"kind": "lead", "title": "x" * 20_000}),
        ("contact.create", {"name": {"first": "Jane"}}),
        ("record.show", {}),
        ("record.show", {"ref": "L-999"}),
    ],
)
async def test_tampered_payloads_get_a_message_and_change_nothing(teams: Teams, verb: Any, data: Any) -> None:
    body = await teams.click(ALICE, verb, data)
    assert body["statusCode"] == 200 and body["type"] == MESSAGE and body["value"]
    assert teams.services.records.list_records(ALICE.tenant_id, None) == []
    assert teams.services.contacts.count_contacts(ALICE.tenant_id) == 0


async def test_invoke_without_an_action_and_unknown_invokes(teams: Teams) -> None:
    invoke = teams.activity(ALICE, kind="invoke", name="adaptiveCard/action", value="garbage")
    status, body = await teams.post(invoke)
    assert status == 200 and body["type"] == MESSAGE
    status, _ = await teams.post(teams.activity(ALICE, kind="invoke", name="something/else", value={}))
    assert status == 501


async def test_follow_and_unfollow_buttons(teams: Teams) -> None:
    from tests.conftest import BOB

    await teams.card(ALICE, "new lead Deal")
    body = await teams.click(BOB, "record.follow", {"ref": "L-1"})
    assert "You now follow L-1." in all_text(body["value"]) and "You follow this record." in all_text(body["value"])
    body = await teams.click(BOB, "record.unfollow", {"ref": "l-1"})
    assert "You no longer follow L-1." in all_text(body["value"])
    body = await teams.click(BOB, "record.unfollow", {"ref": "L-1"})
    assert "You don't follow L-1." in all_text(body["value"])  # refused on the record card itself
