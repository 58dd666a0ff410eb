"""The message extension, driven over HTTP exactly as Teams sends its invokes: the Records and Contacts
searches (initialRun, paging, bad input, tenants), and the two actions on a message (fetchTask, then
submitAction: valid, invalid, repeated, tampered, another tenant's ids)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app import BOT
from bot.teams.roster import ROSTER_RETRY_SECONDS, ROSTER_TIMEOUT
from cards.common import plain
from tests.conftest import (
    ALICE,
    BOB,
    CARD,
    CAROL,
    CHANNEL,
    GROUP_CHAT,
    MALLORY,
    CardInHand,
    Person,
    Teams,
    all_text,
    find,
)
from tests.fake_clock import FakeClock
from tests.fake_connector import Posted

TEAMS_WAITS = 5.0  # seconds Teams gives an extension's invoke (respond-to-task-module-submit, below)
LINK = "https://teams.microsoft.com/l/message/19:abc@thread.tacv2/1700000000001"
HTML = (
    '<p>Hi <at id="0">Alice Owner</at>, Contoso wants 40 seats&nbsp;&amp; a quote</p>'
    "<p>Budget is <b>approved</b>.<br>Call me.</p><script>alert('x')</script>"
)


# What Teams reads in the answer to each invoke of the message extension; anything else it cannot show
# ("Unable to reach the app"). A search answers `composeExtension` results or a message
# (https://learn.microsoft.com/en-us/microsoftteams/platform/messaging-extensions/how-to/search-commands/respond-to-search);
# fetchTask answers "a `task` object containing either an Adaptive Card or a URL" or a message
# (https://learn.microsoft.com/en-us/microsoftteams/platform/messaging-extensions/how-to/action-commands/create-task-module,
# "respond with a task object that contains either a taskInfo object ... or a simple string message":
# https://learn.microsoft.com/en-us/training/modules/build-microsft-teams-message-extension-apps/6-implement-action-extension);
# submitAction answers a card, another dialog (`task`), a `botMessagePreview`, or nothing
# (https://learn.microsoft.com/en-us/microsoftteams/platform/messaging-extensions/how-to/action-commands/respond-to-task-module-submit).
ANSWERS: dict[str, dict[str, set[str]]] = {
    "composeExtension/query": {"composeExtension": {"result", "message"}},
    "composeExtension/selectItem": {"composeExtension": {"result", "message"}},
    "composeExtension/fetchTask": {"task": {"continue", "message"}},
    "composeExtension/submitAction": {
        "task": {"continue", "message"},
        "composeExtension": {"result", "botMessagePreview"},
    },
}


def answer_teams_reads(name: str, body: Any) -> bool:
    if name == "composeExtension/submitAction" and body in ({}, None, ""):
        return True  # no response: the dialog closes
    kinds = ANSWERS[name]
    return (
        isinstance(body, dict)
        and len(body) == 1
        and any(
            key in body and isinstance(body[key], dict) and body[key].get("type") in types
            for key, types in kinds.items()
        )
    )


async def invoke(teams: Teams, person: Person, name: str, value: Any, chat: str = "personal") -> Any:
    status, body = await teams.post(teams.activity(person, kind="invoke", chat=chat, name=name, value=value))
    assert status == 200, (status, body)
    assert answer_teams_reads(name, body), (name, body)
    return body


async def search(
    teams: Teams, person: Person, command: str, text: str | None, skip: int = 0, count: int = 25, chat: str = "personal"
) -> dict[str, Any]:
    parameters = [{"name": "initialRun", "value": "true"}] if text is None else [{"name": "query", "value": text}]
    value = {"commandId": command, "parameters": parameters, "queryOptions": {"skip": skip, "count": count}}
    body = await invoke(teams, person, "composeExtension/query", value, chat)
    result: dict[str, Any] = body["composeExtension"]
    return result


def titles(result: dict[str, Any]) -> list[str]:
    assert result["type"] == "result" and result["attachmentLayout"] == "list", result
    return [a["preview"]["content"]["title"] for a in result["attachments"]]


async def pick(teams: Teams, person: Person, attachment: dict[str, Any]) -> dict[str, Any]:
    """The person picks a search result: Teams sends `composeExtension/selectItem` with the value of the
    result's tap, and inserts the card the bot answers with."""
    preview = attachment["preview"]["content"]
    assert attachment["content"] == preview and preview["tap"]["type"] == "invoke", attachment
    return inserted(await invoke(teams, person, "composeExtension/selectItem", preview["tap"]["value"]))


def payload(html: str = HTML, author: str = "Jane Buyer") -> dict[str, Any]:
    return {
        "id": "1700000000001",
        "body": {"contentType": "html", "content": html},
        "from": {"user": {"id": "29:jane", "displayName": author, "userIdentityType": "aadUser"}},
        "linkToMessage": LINK,
        "createdDateTime": "2026-11-23T11:59:00.000Z",
    }


async def fetch(teams: Teams, person: Person, command: str, html: str = HTML) -> dict[str, Any]:
    value = {"commandId": command, "commandContext": "message", "context": {"theme": "default"}}
    body = await invoke(teams, person, "composeExtension/fetchTask", {**value, "messagePayload": payload(html)})
    task = body["task"]
    assert task["type"] == "continue" and task["value"]["card"]["contentType"] == CARD, body
    dialog: dict[str, Any] = task["value"]["card"]["content"]
    return dialog


def dialog_values(dialog: dict[str, Any], **typed: str) -> dict[str, Any]:
    """What Teams submits: the Action.Submit's data merged with every input's value."""
    [submit] = find(dialog, "Action.Submit")
    inputs = {i["id"]: str(i.get("value", "")) for i in find(dialog, "Input.")}
    return {**submit["data"], **inputs, **typed}


async def submit(teams: Teams, person: Person, command: str, data: dict[str, Any]) -> dict[str, Any]:
    value = {"commandId": command, "commandContext": "message", "messagePayload": payload(), "data": data}
    body: dict[str, Any] = await invoke(teams, person, "composeExtension/submitAction", value)
    return body


def previewed(body: dict[str, Any]) -> dict[str, Any]:
    """The card of a `botMessagePreview` answer: what the person sees before Send (Teams allows one card)."""
    result = body["composeExtension"]
    assert result["type"] == "botMessagePreview" and result["activityPreview"]["type"] == "message", body
    [attachment] = result["activityPreview"]["attachments"]
    assert attachment["contentType"] == CARD
    card: dict[str, Any] = attachment["content"]
    return card


async def preview_action(
    teams: Teams, person: Person, action: str, card: dict[str, Any], chat: str = "personal"
) -> tuple[Any, list[Posted]]:
    """Send or Edit on the preview: Teams sends the previewed card back (`botActivityPreview`). The answer, and
    what the bot posted meanwhile."""
    value = {
        "commandId": "leadFromMessage", "commandContext": "message", "botMessagePreviewAction": action,
        "botActivityPreview": [{"type": "message/card", "attachments": [{"contentType": CARD, "content": card}]}],
        "messagePayload": payload(),
    }  # fmt: skip
    before = len(teams.connector.posted)
    body = await invoke(teams, person, "composeExtension/submitAction", value, chat)
    return body, teams.connector.posted[before:]


def inserted(body: dict[str, Any]) -> dict[str, Any]:
    [attachment] = body["composeExtension"]["attachments"]
    assert attachment["contentType"] == CARD
    card: dict[str, Any] = attachment["content"]
    return card


def count(teams: Teams, table: str, tenant: str = ALICE.tenant_id) -> int:
    sql = f"SELECT count(*) FROM {table} WHERE tenant_id = ?"
    return int(teams.services.repo.db.execute(sql, [tenant]).fetchone()[0])


@pytest.fixture
async def deals(teams: Teams) -> Teams:
    await teams.say(ALICE, "new contact Jane Buyer jane@contoso.example Contoso")
    await teams.say(ALICE, "new lead Contoso rollout")
    await teams.say(ALICE, "contact L-1 jane@contoso.example")
    await teams.say(BOB, "new lead Fabrikam pilot")  # Bob's: Alice neither owns nor follows it
    await teams.say(ALICE, "new lead Northwind renewal")
    await teams.say(MALLORY, "new contact Jane Elsewhere jane@fabrikam.example")
    await teams.say(MALLORY, "new lead Contoso rival deal")
    return teams


async def test_initial_run_shows_my_own_and_followed_records_newest_first(deals: Teams) -> None:
    result = await search(deals, ALICE, "searchRecords", None)
    assert titles(result) == ["L-3 · Northwind renewal", "L-1 · Contoso rollout"]
    preview = result["attachments"][1]["preview"]
    assert preview["contentType"] == "application/vnd.microsoft.card.thumbnail"
    assert preview["content"]["text"] == "Lead · New · Jane Buyer"
    await deals.say(ALICE, "follow L-2")
    assert titles(await search(deals, ALICE, "searchRecords", None)) == [
        "L-2 · Fabrikam pilot", "L-3 · Northwind renewal", "L-1 · Contoso rollout",
    ]  # fmt: skip


async def test_paging_through_skip_and_count(deals: Teams) -> None:
    for i in range(7):
        await deals.say(ALICE, f"new lead Paged deal {i}")
    first = titles(await search(deals, ALICE, "searchRecords", "paged", skip=0, count=5))
    second = titles(await search(deals, ALICE, "searchRecords", "paged", skip=5, count=5))
    assert len(first) == 5 and len(second) == 2 and not set(first) & set(second)
    assert first[0] == "L-10 · Paged deal 6"
    assert titles(await search(deals, ALICE, "searchRecords", "paged", skip=10, count=5)) == []


async def test_search_by_title_company_contact_and_reference_in_this_tenant_only(deals: Teams) -> None:
    assert titles(await search(deals, ALICE, "searchRecords", "rollout")) == ["L-1 · Contoso rollout"]
    assert titles(await search(deals, ALICE, "searchRecords", "jane")) == ["L-1 · Contoso rollout"]  # its Contact
    assert titles(await search(deals, ALICE, "searchRecords", "contoso")) == ["L-1 · Contoso rollout"]
    assert titles(await search(deals, ALICE, "searchRecords", "fabrikam")) == ["L-2 · Fabrikam pilot"]
    assert titles(await search(deals, ALICE, "searchRecords", "l-2")) == ["L-2 · Fabrikam pilot"]
    assert titles(await search(deals, MALLORY, "searchRecords", "contoso")) == ["L-1 · Contoso rival deal"]
    assert titles(await search(deals, MALLORY, "searchRecords", "rollout")) == []
    assert titles(await search(deals, MALLORY, "searchContacts", "jane")) == ["Jane Elsewhere"]


async def test_contacts_by_text_come_newest_first_and_empty_text_lists_them_by_name(deals: Teams) -> None:
    await deals.say(ALICE, "new contact Janet Newer janet@northwind.example Northwind")
    await deals.say(ALICE, "new contact Adam Later adam@northwind.example Northwind")
    assert titles(await search(deals, ALICE, "searchContacts", "jan")) == ["Janet Newer", "Jane Buyer"]
    assert titles(await search(deals, ALICE, "searchContacts", "northwind")) == ["Adam Later", "Janet Newer"]
    assert titles(await search(deals, ALICE, "searchContacts", "northwind", skip=1, count=5)) == ["Janet Newer"]
    assert titles(await search(deals, ALICE, "searchContacts", "")) == ["Adam Later", "Jane Buyer", "Janet Newer"]
    assert titles(await search(deals, MALLORY, "searchContacts", "northwind")) == []


@pytest.mark.parametrize(
    "said", ["", "   ", '"', "*", "NEAR(", "-", 'contoso" OR "', "roll*", "- rollout", "\x00\u202e"]
)
async def test_odd_searches_answer_results_or_nothing_never_an_error(deals: Teams, said: str) -> None:
    found = titles(await search(deals, ALICE, "searchRecords", said))
    assert found in ([], ["L-3 · Northwind renewal", "L-1 · Contoso rollout"], ["L-1 · Contoso rollout"])
    assert isinstance(titles(await search(deals, ALICE, "searchContacts", said)), list)


async def test_a_very_long_search_is_answered_with_a_message(deals: Teams) -> None:
    result = await search(deals, ALICE, "searchRecords", "a" * 1000)
    assert result == {"type": "message", "text": "Search with at most 100 characters: a reference, a title or a name."}
    status, body = await deals.post(
        deals.activity(ALICE, kind="invoke", name="composeExtension/query", value={"commandId": 7, "parameters": "x"})
    )
    assert status == 200 and body["composeExtension"]["type"] == "message"


async def test_the_inserted_record_card_is_the_live_show_card(deals: Teams) -> None:
    result = await search(deals, ALICE, "searchRecords", "rollout")
    card = await pick(deals, ALICE, result["attachments"][0])
    shown = await deals.card(ALICE, "show L-1")
    assert all_text(card) == all_text(shown)
    assert card["refresh"]["action"]["verb"] == "record.show" and ALICE.teams_id in card["refresh"]["userIds"]
    buttons = [a["data"] for a in find(card, "Action.Execute") if a["verb"] == "record.comment_form"]
    assert buttons == [{"ref": "L-1", "version": 2}]


async def test_the_inserted_card_clicked_in_a_channel_works_and_is_never_updated_by_the_bot(deals: Teams) -> None:
    card = await pick(deals, ALICE, (await search(deals, ALICE, "searchRecords", "rollout"))["attachments"][0])
    # Alice sends it into the channel: Teams posts it as her message, which no bot may update (the fake refuses).
    in_channel = CardInHand(deals, BOB, card, "1700000000999", "channel")
    await in_channel.press("Unfollow")  # the card shows Alice's view until Bob's own comes: as for `show`
    assert "You don't follow L-1." in in_channel.text
    await in_channel.press("Follow")
    assert "You now follow L-1." in in_channel.text and "Unfollow" in in_channel.buttons()
    await in_channel.press("Comment")
    await in_channel.press("Add comment", comment="Spoke to Jane: quote by Friday")
    assert "Comment added to L-1." in in_channel.text  # each click's answer is the clicker's own card
    await deals.say(ALICE, "stage L-1 Contacted")
    await deals.cards_updated()
    # Never learnt as a post, so never updated: each listed viewer gets the truth through the card's refresh.
    assert deals.connector.updates_of("1700000000999") == [] and deals.connector.refused == []
    assert card["refresh"]["action"]["verb"] == "record.show" and ALICE.teams_id in card["refresh"]["userIds"]
    sql = "SELECT count(*) FROM card_posts WHERE activity_id = ?"
    assert deals.services.repo.db.execute(sql, ["1700000000999"]).fetchone()[0] == 0


async def test_a_contact_result_inserts_their_card_with_records_and_a_new_lead_button(deals: Teams) -> None:
    await deals.say(ALICE, "participant L-3 jane@contoso.example")
    result = await search(deals, ALICE, "searchContacts", "jane")
    assert titles(result) == ["Jane Buyer"]
    assert result["attachments"][0]["preview"]["content"]["text"] == "jane@contoso.example · Contoso"
    card = CardInHand(deals, BOB, await pick(deals, ALICE, result["attachments"][0]), "1700000000998", "channel")
    assert "**L-1** Contoso rollout" in card.text and "Lead · New · Contact" in card.text
    assert "Lead · New · Participant" in card.text
    await card.press("New lead with this Contact")
    await card.press("Create lead", lead_title="")
    assert "A lead needs a title." in card.text and count(deals, "records") == 3
    await card.press("Create lead", lead_title="Contoso expansion")
    assert "L-4 created with Jane Buyer as its Contact." in card.text and "Jane Buyer" in card.text
    view = deals.services.records.view(ALICE.tenant_id, "L-4")
    assert view.contact is not None and view.contact.name == "Jane Buyer" and view.owner.name == "Bob Follower"


async def test_results_are_previews_and_a_picked_result_from_another_tenant_or_tampered_finds_nothing(
    deals: Teams,
) -> None:
    result = await search(deals, ALICE, "searchRecords", None)
    assert all(a["contentType"] == "application/vnd.microsoft.card.thumbnail" for a in result["attachments"])
    assert "actions" not in str(result)  # no live card travels with the results: it is built when picked
    theirs = deals.services.records.get_record(MALLORY.tenant_id, "L-1")
    their_contact = deals.services.repo.contacts.contact_by_email(MALLORY.tenant_id, "jane@fabrikam.example")
    assert their_contact is not None
    for value, said in [
        ({"record": theirs.id}, "That record no longer exists: search again."),
        ({"contact": their_contact.id}, "That contact no longer exists. Search again."),
        ({"record": "1"}, "This result is out of date: search again."),
        ({"record": True}, "This result is out of date: search again."),
        ("x", "This result is out of date: search again."),
        ({}, "This result is out of date: search again."),
    ]:
        body = await invoke(deals, ALICE, "composeExtension/selectItem", value)
        assert body == {"composeExtension": {"type": "message", "text": said}}, (value, body)


async def test_a_tampered_contact_card_from_another_tenant_finds_nothing(deals: Teams) -> None:
    theirs = deals.services.repo.contacts.contact_by_email(MALLORY.tenant_id, "jane@fabrikam.example")
    assert theirs is not None
    body = await deals.click(ALICE, "contact.create_lead", {"contact": theirs.id, "lead_title": "Stolen"})
    assert body["value"] == "That contact no longer exists." and count(deals, "records") == 3


async def test_fetch_task_prefills_the_lead_dialog_from_the_message(deals: Teams) -> None:
    dialog = await fetch(deals, ALICE, "leadFromMessage")
    inputs = {i["id"]: i for i in find(dialog, "Input.")}
    assert inputs["title"]["value"] == "Hi Alice Owner, Contoso wants 40 seats & a quote"
    assert inputs["comment"]["value"] == (
        "Hi Alice Owner, Contoso wants 40 seats & a quote\n\nBudget is approved.\nCall me."
    )
    assert "alert" not in str(dialog) and "<" not in inputs["comment"]["value"]
    assert inputs["contact"]["choices.data"]["dataset"] == "crm.contacts"
    assert [c["title"] for c in inputs["contact"]["choices"]] == ["Jane Buyer · jane@contoso.example · Contoso"]
    assert "From a message, sender shown as “Jane Buyer”" in all_text(dialog)


async def test_create_lead_from_message_with_a_new_contact(deals: Teams) -> None:
    dialog = await fetch(deals, ALICE, "leadFromMessage")
    data = dialog_values(dialog, new_name="Nora Buyer", new_email="nora@contoso.example")
    card = previewed(await submit(deals, ALICE, "leadFromMessage", data))
    text = all_text(card)
    assert "L-4 · Lead" in text and "Hi Alice Owner, Contoso wants 40 seats & a quote" in text
    assert plain("Nora Buyer · nora@contoso.example") in text and "You follow this record." in text
    # The link back is shown, not made a link (user-supplied text is literal: see tests/bot/test_markdown.py).
    assert f"Alice Owner created it from a Teams message, sender shown as “Jane Buyer”: {LINK}" in text.replace(
        "\u200b", ""
    )
    assert "Alice Owner commented: Hi Alice Owner" in text
    assert "Budget is approved." in deals.services.repo.db.execute("SELECT text FROM comments").fetchone()[0]
    again = previewed(await submit(deals, ALICE, "leadFromMessage", data))  # the same dialog, submitted twice
    assert "L-4 · Lead" in all_text(again)
    assert count(deals, "records") == 4 and count(deals, "contacts") == 2 and count(deals, "comments") == 1


async def test_a_previewed_lead_is_posted_by_the_bot_on_send_once_and_kept_up_to_date(deals: Teams) -> None:
    """botMessagePreview: the submit previews the card; Send has the bot post it as its own message (the only
    kind a bot may update), tracked like a `show`, once however often Teams delivers the Send."""
    dialog = await fetch(deals, ALICE, "leadFromMessage")
    value = {"commandId": "leadFromMessage", "commandContext": "message", "messagePayload": payload(),
             "data": dialog_values(dialog, title="Seats for Contoso")}  # fmt: skip
    card = previewed(await invoke(deals, ALICE, "composeExtension/submitAction", value, "channel"))
    assert "L-4 · Lead" in all_text(card) and count(deals, "records") == 4  # the lead exists; nothing posted yet
    on_send: dict[str, Any] = {
        "commandId": "leadFromMessage", "commandContext": "message", "botMessagePreviewAction": "send",
        "botActivityPreview": [{"type": "message/card", "attachments": [{"contentType": CARD, "content": card}]}],
    }  # fmt: skip
    send = deals.activity(ALICE, kind="invoke", chat="channel", name="composeExtension/submitAction", value=on_send)
    before = len(deals.connector.posted)
    for _ in range(2):  # Teams redelivers an invoke it is unsure about
        status, body = await deals.post(send)
        assert status == 200 and answer_teams_reads("composeExtension/submitAction", body), body
    [post] = deals.connector.posted[before:]
    assert post.conversation_id == f"{CHANNEL};messageid=1700000000000" and post.method == "POST"
    assert "L-4 · Lead" in all_text(post.cards[0]) and "Seats for Contoso" in all_text(post.cards[0])
    await deals.say(BOB, "stage L-4 Contacted")
    await deals.cards_updated()
    [update] = deals.connector.updates_of(post.id)  # the bot's own message: Teams lets it change
    assert "Stage: Contacted" in all_text(update.activity["attachments"][0]["content"])
    assert deals.connector.refused == []


async def test_edit_on_the_preview_says_the_lead_exists_and_a_stale_preview_posts_nothing(deals: Teams) -> None:
    dialog = await fetch(deals, ALICE, "leadFromMessage")
    card = previewed(await submit(deals, ALICE, "leadFromMessage", dialog_values(dialog)))
    body, posted = await preview_action(deals, ALICE, "edit", card)
    assert (
        body["task"]["type"] == "message" and body["task"]["value"].startswith("L-4 was already created") and not posted
    )
    tampered = {
        **card,
        "refresh": {"action": {"type": "Action.Execute", "verb": "record.show", "data": {"ref": "L-99"}}},
    }
    for stale in (tampered, {"type": "AdaptiveCard"}, "x"):
        body, posted = await preview_action(deals, ALICE, "send", stale)  # type: ignore[arg-type]
        assert body == {
            "task": {"type": "message", "value": "This preview is out of date: start again from the message."}
        }
        assert posted == []
    mallory_dialog = dialog_values(await fetch(deals, MALLORY, "leadFromMessage"), title="Mallory secret deal")
    theirs = previewed(await submit(deals, MALLORY, "leadFromMessage", mallory_dialog))
    body, posted = await preview_action(deals, ALICE, "send", theirs)  # her L-2 names Alice's own L-2 here
    [shown] = [c for p in posted for c in p.cards]
    assert "Fabrikam pilot" in all_text(shown) and "secret" not in all_text(shown)
    assert count(deals, "records") == 4


async def test_a_preview_sent_where_the_bot_cannot_post_says_so(deals: Teams) -> None:
    dialog = await fetch(deals, ALICE, "leadFromMessage")
    card = previewed(await submit(deals, ALICE, "leadFromMessage", dialog_values(dialog)))
    deals.connector.removed_from.add(CHANNEL)
    body, posted = await preview_action(deals, ALICE, "send", card, chat="channel")
    assert body["task"]["value"].startswith("I could not post the card in this chat") and posted == []


async def test_create_lead_from_message_picking_a_contact(deals: Teams) -> None:
    dialog = await fetch(deals, ALICE, "leadFromMessage")
    jane = find(dialog, "Input.ChoiceSet")[0]["choices"][0]["value"]
    card = previewed(await submit(deals, ALICE, "leadFromMessage", dialog_values(dialog, contact=jane, title="Seats")))
    assert "Seats" in all_text(card) and "Jane Buyer · jane@contoso.example · Contoso" in all_text(card)


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        ({"title": ""}, "title", "A lead needs a title."),
        ({"title": "x" * 201}, "title", "A title can be at most 200 characters."),
        ({"new_email": "nora@contoso.example"}, "new_name", "A new Contact needs a name."),
        (
            {"new_name": "Nora", "new_email": "not an email"},
            "new_email",
            "“not an email” is not a valid email address.",
        ),
        ({"new_name": "Jane 2", "new_email": "jane@contoso.example"}, "new_email", "Jane Buyer already has the email"),
        ({"contact": "1", "new_name": "Nora"}, "contact", "Pick a Contact or create a new one, not both."),
        ({"contact": "99999"}, "contact", "That contact no longer exists."),
        ({"comment": "y" * 4001}, "comment", "A comment can be at most 4,000 characters"),
        ({"buying_role": "boss"}, "buying_role", "“boss” is not a buying role."),
        ({"buying_role": "decision_maker"}, "buying_role", "Pick or create the Contact to give them a buying role."),
    ],
)
async def test_a_refused_lead_comes_back_in_the_dialog_and_writes_nothing(
    deals: Teams, typed: dict[str, str], field: str, message: str
) -> None:
    dialog = await fetch(deals, ALICE, "leadFromMessage")
    body = await submit(deals, ALICE, "leadFromMessage", dialog_values(dialog, **typed))
    again = body["task"]["value"]["card"]["content"]
    blocks = [b for b in again["body"] if b.get("type") in ("TextBlock", "Input.Text", "Input.ChoiceSet")]
    at = next(i for i, b in enumerate(blocks) if b.get("id") == field)
    assert blocks[at + 1]["text"].startswith(message), blocks[at + 1]
    assert {i["id"]: i.get("value", "") for i in find(again, "Input.")}["comment"] == typed.get(
        "comment", dialog_values(dialog)["comment"]
    )  # what was typed is kept
    assert count(deals, "records") == 3 and count(deals, "contacts") == 1 and count(deals, "comments") == 0


async def test_another_tenants_contact_in_a_tampered_submit_is_not_found(deals: Teams) -> None:
    theirs = deals.services.repo.contacts.contact_by_email(MALLORY.tenant_id, "jane@fabrikam.example")
    assert theirs is not None
    dialog = await fetch(deals, ALICE, "leadFromMessage")
    body = await submit(deals, ALICE, "leadFromMessage", dialog_values(dialog, contact=str(theirs.id)))
    assert "That contact no longer exists." in all_text(body["task"]["value"]["card"]["content"])
    assert count(deals, "records") == 3 and count(deals, "records", MALLORY.tenant_id) == 1


@pytest.mark.parametrize(
    "tampered",
    [
        {"key": ""},
        {"key": "not-hex"},
        {"key": 5},
        {"title": ["x"]},
        {"contact": "1; DROP TABLE contacts"},
        {"link": {}},
    ],
)
async def test_a_tampered_dialog_is_refused_with_a_message(deals: Teams, tampered: dict[str, Any]) -> None:
    dialog = await fetch(deals, ALICE, "leadFromMessage")
    body = await submit(deals, ALICE, "leadFromMessage", {**dialog_values(dialog), **tampered})
    task = body["task"]  # an action's refusal is a `task`: a message, or the dialog again
    shown = task["value"] if task["type"] == "message" else all_text(task["value"]["card"]["content"])
    assert "out of date" in shown or "can't read" in shown
    assert count(deals, "records") == 3


async def test_add_a_message_to_a_record_notifies_its_followers_once(deals: Teams) -> None:
    await deals.say(BOB, "follow L-1")
    await deals.settled()
    dialog = await fetch(deals, ALICE, "addToRecord")
    picker = find(dialog, "Input.ChoiceSet")[0]
    assert picker["choices.data"]["dataset"] == "crm.records"
    assert [c["value"] for c in picker["choices"]] == ["L-1", "L-3"]  # Bob's follow made L-1 the newest
    data = dialog_values(dialog, ref="L-1")
    card = inserted(await submit(deals, ALICE, "addToRecord", data))
    assert "Alice Owner commented: Hi Alice Owner, Contoso wants 40 seats" in all_text(card)
    await submit(deals, ALICE, "addToRecord", data)  # submitted twice: one comment
    [comment] = deals.services.repo.db.execute("SELECT text FROM comments").fetchall()
    assert comment[0].endswith(f"(from a Teams message, sender shown as “Jane Buyer”: {LINK})")
    await deals.settled()
    [note] = deals.notifications(BOB)[-1:]
    assert "Alice Owner commented: Hi Alice Owner" in all_text(note.cards[0])


async def test_the_record_picker_typeahead_searches_this_tenants_records(deals: Teams) -> None:
    value = {"queryText": "contoso", "queryOptions": {"skip": 0, "top": 15}, "dataset": "crm.records"}
    status, body = await deals.post(deals.activity(ALICE, kind="invoke", name="application/search", value=value))
    assert status == 200 and body["value"]["results"] == [{"title": "L-1 · Contoso rollout · New", "value": "L-1"}]


@pytest.mark.parametrize(("ref", "message"), [("", "Pick a record."), ("L-77", "I can't find L-77.")])
async def test_adding_to_no_record_or_an_unknown_one_says_so_in_the_dialog(
    deals: Teams, ref: str, message: str
) -> None:
    dialog = await fetch(deals, ALICE, "addToRecord")
    body = await submit(deals, ALICE, "addToRecord", dialog_values(dialog, ref=ref))
    assert message in all_text(body["task"]["value"]["card"]["content"])
    assert count(deals, "comments") == 0


async def test_a_message_without_text_cannot_be_added(deals: Teams) -> None:
    dialog = await fetch(deals, ALICE, "addToRecord", html="<p><img src='x'></p>")
    body = await submit(deals, ALICE, "addToRecord", dialog_values(dialog, ref="L-1"))
    assert "This message has no text to add as a comment." in all_text(body["task"]["value"]["card"]["content"])


async def test_someone_whose_first_contact_is_a_search_is_recorded(deals: Teams) -> None:
    assert deals.services.repo.people.find_user(CAROL.tenant_id, CAROL.teams_id, None) is None
    assert titles(await search(deals, CAROL, "searchRecords", None)) == []  # owns and follows nothing yet
    carol = deals.services.repo.people.find_user(CAROL.tenant_id, CAROL.teams_id, None)
    assert carol is not None and carol.name == "Carol Other"
    assert titles(await search(deals, CAROL, "searchRecords", "rollout")) == ["L-1 · Contoso rollout"]


async def test_an_unknown_invoke_of_the_extension_is_refused_without_a_crash(deals: Teams) -> None:
    status, _ = await deals.post(deals.activity(ALICE, kind="invoke", name="composeExtension/queryLink", value={}))
    assert status == 501
    unavailable = {"task": {"type": "message", "value": "This action is not available any more: update the CRM app."}}
    assert (
        await invoke(deals, ALICE, "composeExtension/submitAction", {"commandId": "other", "data": {}}) == unavailable
    )
    assert await invoke(deals, ALICE, "composeExtension/fetchTask", {"commandId": "other"}) == unavailable
    assert await invoke(deals, ALICE, "composeExtension/fetchTask", "not a dict") == unavailable


@pytest.mark.parametrize("name", ["composeExtension/fetchTask", "composeExtension/submitAction"])
async def test_an_action_from_an_unknown_organisation_is_refused_with_a_task_message(deals: Teams, name: str) -> None:
    activity = deals.activity(ALICE, kind="invoke", name=name, value={"commandId": "leadFromMessage"})
    activity["channelData"] = {}
    activity["conversation"].pop("tenantId")
    status, body = await deals.post(activity)
    assert status == 200 and answer_teams_reads(name, body)
    assert body == {"task": {"type": "message", "value": "I could not tell who you are in which organisation."}}


async def test_a_search_from_an_unknown_organisation_is_answered_in_the_extensions_shape(deals: Teams) -> None:
    activity = deals.activity(ALICE, kind="invoke", name="composeExtension/query", value={"commandId": "searchRecords"})
    activity["channelData"] = {}
    activity["conversation"].pop("tenantId")
    status, body = await deals.post(activity)
    assert status == 200
    assert body == {
        "composeExtension": {"type": "message", "text": "I could not tell who you are in which organisation."}
    }


async def test_the_contact_picked_in_the_dialog_gets_their_buying_role(deals: Teams) -> None:
    """Issue 15: the buying role is set where the person is added, in the message extension's dialog too."""
    dialog = await fetch(deals, ALICE, "leadFromMessage")
    roles = {c["value"] for i in find(dialog, "Input.ChoiceSet") if i["id"] == "buying_role" for c in i["choices"]}
    assert "decision_maker" in roles and "economic_buyer" in roles
    data = dialog_values(dialog, new_name="Nora Buyer", new_email="nora@contoso.example", buying_role="economic_buyer")
    text = all_text(previewed(await submit(deals, ALICE, "leadFromMessage", data)))
    assert "Economic buyer" in text
    assert "Alice Owner set the role of" in text and "to Economic buyer" in text and "none →" not in text


# --- the roster, from chats the bot is not in ----------------------------------------------------------------


async def test_from_a_chat_without_the_bot_one_roster_lookup_fails_and_the_keystrokes_make_no_more(
    deals: Teams,
) -> None:
    """Each keystroke is a `composeExtension/query` (within Teams' 5 seconds); the roster lookup that learns a
    newcomer's email cannot work in a chat the bot is not part of: tried once, remembered for a while."""
    deals.connector.without_bot.add(GROUP_CHAT)
    clock = FakeClock()
    deals.client.app[BOT].roster.clock = clock
    before = deals.connector.member_lookups
    for typed in ("roll", "rollo", "rollou", "rollout"):
        assert titles(await search(deals, CAROL, "searchRecords", typed, chat="group")) == ["L-1 · Contoso rollout"]
    assert deals.connector.member_lookups - before == 1
    assert deals.connector.refused[-1] == (403, GROUP_CHAT)
    clock.advance(ROSTER_RETRY_SECONDS + 1)  # a while later (the bot may have been added meanwhile)
    await search(deals, CAROL, "searchRecords", "rollout", chat="group")
    assert deals.connector.member_lookups - before == 2


async def test_a_slow_roster_does_not_hold_the_search(deals: Teams) -> None:
    deals.connector.member_delay = 30.0  # Teams hangs on the lookup, far past the extension's 5 seconds
    deals.client.app[BOT].roster.timeout = 0.05  # the bot's bound (ROSTER_TIMEOUT in production), made short here
    before = deals.connector.member_lookups
    for typed in ("rollout", "contoso"):
        # Teams waits 5 seconds for an extension's answer, then shows "Unable to reach app" and drops it.
        found = await asyncio.wait_for(search(deals, CAROL, "searchRecords", typed, chat="group"), TEAMS_WAITS)
        assert titles(found) == ["L-1 · Contoso rollout"]
    assert deals.connector.member_lookups - before == 1  # the timeout is remembered like a refusal
    deals.connector.unstall()
    assert ROSTER_TIMEOUT <= 2.0  # well inside the 5 seconds Teams gives an extension's invoke


async def test_archived_records_are_offered_nowhere_as_find_hides_them(deals: Teams) -> None:
    assert "L-1 archived." in all_text(await deals.card(ALICE, "archive L-1"))
    assert "Contoso rollout" not in all_text(await deals.card(ALICE, "find contoso"))  # the rule: find's
    assert titles(await search(deals, ALICE, "searchRecords", None)) == ["L-3 · Northwind renewal"]
    for said in ("rollout", "Contoso", "jane", "L-1", "l1"):
        assert titles(await search(deals, ALICE, "searchRecords", said)) == [], said
    value = {"queryText": "contoso", "queryOptions": {"skip": 0, "top": 15}, "dataset": "crm.records"}
    status, body = await deals.post(deals.activity(ALICE, kind="invoke", name="application/search", value=value))
    assert status == 200 and body["value"]["results"] == []
    picker = find(await fetch(deals, ALICE, "addToRecord"), "Input.ChoiceSet")[0]
    assert [c["value"] for c in picker["choices"]] == ["L-3"]
    await deals.say(ALICE, "restore L-1")
    assert titles(await search(deals, ALICE, "searchRecords", "rollout")) == ["L-1 · Contoso rollout"]


async def test_the_message_author_is_quoted_as_the_client_sent_it_never_vouched_for(deals: Teams) -> None:
    """The author's name comes from the client (the message payload, then the dialog's data): the timeline shows
    it as what the message said, in quotes, never as the bot's word that this person wrote it."""
    value = {"commandId": "addToRecord", "commandContext": "message", "context": {"theme": "default"}}
    forged = payload(author="The CEO” approved: “yes")
    body = await invoke(deals, ALICE, "composeExtension/fetchTask", {**value, "messagePayload": forged})
    dialog = body["task"]["value"]["card"]["content"]
    assert "From a message, sender shown as “The CEO approved: yes”" in all_text(dialog), all_text(dialog)
    await submit(deals, ALICE, "addToRecord", dialog_values(dialog, ref="L-1"))
    await submit(deals, ALICE, "addToRecord", dialog_values(dialog, ref="L-3", key="b" * 32, author="Bob Follower"))
    comments = [r[0] for r in deals.services.repo.db.execute("SELECT text FROM comments ORDER BY id").fetchall()]
    assert comments[0].endswith(f"(from a Teams message, sender shown as “The CEO approved: yes”: {LINK})")
    assert comments[1].endswith(f"(from a Teams message, sender shown as “Bob Follower”: {LINK})")
    assert not any(" by " in c for c in comments), comments
