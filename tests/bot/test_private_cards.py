"""A private record's cards where several people read them (issue 28), through HTTP on both engines: a post in a
channel or group chat shows everyone its reference and title only, each listed viewer who may see it their own
full card through the refresh (at most 60: the others open it with a click, the answer theirs alone), and the
message extension inserts nothing more; posted cards follow the record's visibility as it changes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.bot.test_message_extension import dialog_values, fetch, inserted, invoke, search, submit, titles
from tests.conftest import ALICE, BOB, CARD, CAROL, DAVE, CardInHand, Person, Teams, all_text

SECRET = "Secret acquisition"
NO_ACCESS = "You don't have access to L-1."


@pytest.fixture
async def private(teams: Teams) -> Teams:
    await teams.say(ALICE, "new contact Jane Buyer jane@contoso.example Contoso")
    await teams.say(ALICE, f"new lead {SECRET}")
    await teams.say(ALICE, "contact L-1 jane@contoso.example")
    await teams.say(BOB, "follow L-1")
    await teams.say(ALICE, "visibility L-1 private")
    await teams.say(ALICE, "new lead Open deal")
    await teams.say(CAROL, "help")
    return teams


def refresh_ids(card: dict[str, Any]) -> list[str]:
    ids: list[str] = card["refresh"]["userIds"]
    return ids


async def refreshed(teams: Teams, person: Person, card: dict[str, Any], chat: str = "channel") -> dict[str, Any]:
    """What Teams shows a listed viewer: the answer to the card's refresh action (an automatic invoke)."""
    action = card["refresh"]["action"]
    value = {
        "action": {"type": "Action.Execute", "verb": action["verb"], "data": action["data"]},
        "trigger": "automatic",
    }
    status, body = await teams.post(
        teams.activity(person, kind="invoke", chat=chat, name="adaptiveCard/action", value=value)
    )
    assert status == 200
    return body


@pytest.mark.parametrize("chat", ["channel", "group"])
async def test_a_private_record_posted_where_several_read_shows_them_its_reference_and_title_only(
    private: Teams, chat: str
) -> None:
    post = await CardInHand.posted(private, ALICE, "show L-1", chat=chat)
    shown = all_text(private.connector.shown(post.message_id))
    assert "L-1 · Lead" in shown and SECRET in shown and NO_ACCESS in shown
    assert "Jane" not in shown and "Bob Follower" not in shown and "New" not in shown  # nothing but the two
    assert post.buttons() == ["Open"]
    assert refresh_ids(post.card) == [ALICE.teams_id, BOB.teams_id]  # the owner and the follower: not Carol
    for person in (ALICE, BOB):
        mine = await refreshed(private, person, post.card, chat)
        assert mine["type"] == CARD and "Jane Buyer" in all_text(mine["value"]) and NO_ACCESS not in str(mine)
    carol = await refreshed(private, CAROL, post.card, chat)
    missing = await refreshed(private, CAROL, {"refresh": {"action": {"verb": "record.show", "data": {"ref": "L-9"}}}})
    assert carol["value"] == "I can't find L-1." and missing["value"] == "I can't find L-9."
    opened = await post.held_by(CAROL).press("Open")
    assert opened.answer["value"] == NO_ACCESS  # changes nothing, and says so
    assert all_text(private.connector.shown(post.message_id)) == shown


async def test_an_everyones_record_posted_in_a_channel_is_its_full_card_as_before(private: Teams) -> None:
    post = await CardInHand.posted(private, ALICE, "show L-2", chat="channel")
    assert "Open deal" in post.text and "have access" not in post.text and "Comment" in post.buttons()


async def test_beyond_60_viewers_the_others_open_it_with_a_click_theirs_alone(private: Teams) -> None:
    services = private.services
    record = services.records.get_record(ALICE.tenant_id, "L-1")
    people = [Person(f"29:many-{i}", f"aad0000{i:02d}-0000-4000-8000-0000000000{i:02d}", f"Many {i}", f"m{i}@x.example")
              for i in range(70)]  # fmt: skip
    with services.repo.transaction():
        for person in people:
            user = services.repo.people.upsert_user(
                ALICE.tenant_id, person.teams_id, person.aad_object_id, person.name, "2026-11-23T12:00:00+00:00"
            )
            services.repo.follows.add_follower(ALICE.tenant_id, record.id, user.id, "2026-11-23T12:00:00+00:00")
    post = await CardInHand.posted(private, ALICE, "show L-1", chat="channel")
    ids = refresh_ids(post.card)
    assert len(ids) == 60 and ids[0] == ALICE.teams_id  # Teams' limit: the poster and owner first
    last = people[-1]
    assert last.teams_id not in ids
    private.connector.add_member(last.teams_id, last.name, last.email, last.aad_object_id, last.tenant_id)
    opened = await post.held_by(last).press("Open")
    assert opened.answer["type"] == CARD and "Jane Buyer" in all_text(opened.answer["value"])
    assert NO_ACCESS in all_text(private.connector.shown(post.message_id))  # the post itself unchanged


async def test_a_posted_card_follows_the_records_visibility_as_it_changes(private: Teams) -> None:
    post = await CardInHand.posted(private, ALICE, "show L-2", chat="channel")
    await private.say(ALICE, "visibility L-2 private")
    await private.cards_updated()
    shown = private.connector.shown(post.message_id)
    assert "You don't have access to L-2." in all_text(shown) and refresh_ids(shown) == [ALICE.teams_id]
    await private.say(ALICE, "visibility L-2 everyone")
    await private.cards_updated()
    assert "[Follow]" in all_text(private.connector.shown(post.message_id))


async def test_a_1_1_card_of_someone_who_lost_access_shows_no_more(private: Teams) -> None:
    await private.say(ALICE, "share L-1 carol@contoso.example")
    mine = await CardInHand.posted(private, CAROL, "show L-1")
    assert "Jane Buyer" in mine.text
    await private.say(ALICE, "unshare L-1 carol@contoso.example")
    await private.cards_updated()
    shown = all_text(private.connector.shown(mine.message_id))
    assert "You don't have access to L-1." in shown and "Jane Buyer" not in shown


async def test_a_change_made_in_a_channel_posts_no_detail_of_a_private_record(private: Teams) -> None:
    for command in ("comment L-1 Their board meets Friday", "stage L-1 Contacted", "value L-1 90000 EUR"):
        replies = await private.say(BOB, command, chat="channel")
        posted = " ".join(all_text(c) for r in replies for c in r.cards) + " ".join(r.text for r in replies)
        assert NO_ACCESS in posted and "Friday" not in posted and "90,000" not in posted, command
    lists = all_text(await private.card(ALICE, "leads", chat="channel"))
    assert SECRET not in lists and "Open deal" in lists and "listed in our 1:1 chat" in lists


# --- the message extension ------------------------------------------------------------------------------


async def test_the_records_search_finds_it_only_for_those_who_may_see_it(private: Teams) -> None:
    for said in ("secret", "L-1", "acquisition", "jane"):
        assert not any(SECRET in t for t in titles(await search(private, CAROL, "searchRecords", said))), said
        assert any(SECRET in t for t in titles(await search(private, BOB, "searchRecords", said))), said
    assert not any(SECRET in t for t in titles(await search(private, CAROL, "searchRecords", None)))
    await private.say(ALICE, "share L-1 carol@contoso.example")  # on its access list: found by her too
    assert any(SECRET in t for t in titles(await search(private, CAROL, "searchRecords", "secret")))
    await private.say(ALICE, "unshare L-1 carol@contoso.example")
    assert not any(SECRET in t for t in titles(await search(private, CAROL, "searchRecords", "secret")))
    typeahead = {"queryText": "secret", "queryOptions": {"skip": 0, "top": 15}, "dataset": "crm.records"}
    for person, results in ((CAROL, []), (BOB, [{"title": f"L-1 · {SECRET} · New", "value": "L-1"}])):
        status, body = await private.post(
            private.activity(person, kind="invoke", name="application/search", value=typeahead)
        )
        assert status == 200 and body["value"]["results"] == results


async def test_a_picked_result_inserts_the_reference_and_title_only_and_a_tampered_one_nothing(private: Teams) -> None:
    [result] = (await search(private, BOB, "searchRecords", "secret"))["attachments"]
    tap = result["preview"]["content"]["tap"]["value"]
    card = inserted(await invoke(private, BOB, "composeExtension/selectItem", tap))
    assert NO_ACCESS in all_text(card) and "Jane" not in all_text(card)
    assert refresh_ids(card) == [BOB.teams_id, ALICE.teams_id]
    hidden = await invoke(private, CAROL, "composeExtension/selectItem", tap)  # Carol replays Bob's result
    missing = await invoke(private, CAROL, "composeExtension/selectItem", {"record": 999_999})
    assert hidden == missing and "no longer exists" in str(hidden)


async def test_add_to_a_record_refuses_a_private_one_like_a_missing_one_and_inserts_only_its_title(
    private: Teams,
) -> None:
    dialog = await fetch(private, CAROL, "addToRecord")
    assert SECRET not in str(dialog)  # the dialog's record picker
    hidden = await submit(private, CAROL, "addToRecord", dialog_values(dialog, ref="L-1"))
    missing = await submit(private, CAROL, "addToRecord", dialog_values(dialog, ref="L-9"))
    assert str(hidden).replace("L-1", "L-9") == str(missing) and "I can't find L-9." in str(missing)
    dialog = await fetch(private, BOB, "addToRecord")
    card = inserted(await submit(private, BOB, "addToRecord", dialog_values(dialog, ref="L-1")))
    assert NO_ACCESS in all_text(card) and "Contoso wants" not in all_text(card)


async def test_a_contact_card_inserted_in_a_chat_lists_only_everyones_records(private: Teams) -> None:
    [result] = (await search(private, BOB, "searchContacts", "jane"))["attachments"]
    card = inserted(
        await invoke(private, BOB, "composeExtension/selectItem", result["preview"]["content"]["tap"]["value"])
    )
    assert SECRET not in all_text(card)


async def test_a_lead_from_a_message_made_private_by_default_is_posted_as_its_title_only(private: Teams) -> None:
    await private.say(ALICE, "visibility default private")
    dialog = await fetch(private, DAVE, "leadFromMessage")
    value = {
        "commandId": "leadFromMessage",
        "commandContext": "message",
        "data": dialog_values(dialog, title="Quiet deal"),
    }
    body = await invoke(private, DAVE, "composeExtension/submitAction", value, "channel")
    preview = body["composeExtension"]["activityPreview"]["attachments"][0]["content"]
    assert "Quiet deal" in all_text(preview)  # the preview is its sender's alone
    on_send = {
        "commandId": "leadFromMessage", "commandContext": "message", "botMessagePreviewAction": "send",
        "botActivityPreview": [{"type": "message/card", "attachments": [{"contentType": CARD, "content": preview}]}],
    }  # fmt: skip
    before = len(private.connector.posted)
    await invoke(private, DAVE, "composeExtension/submitAction", on_send, "channel")
    [post] = [p for p in private.connector.posted[before:] if p.cards]
    assert "You don't have access to L-3." in all_text(post.cards[0]) and "Jane" not in all_text(post.cards[0])
    assert await private.text(CAROL, "show L-3") == "I can't find L-3."
