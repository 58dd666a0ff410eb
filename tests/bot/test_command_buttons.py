"""Buttons that run a command (the welcome, help and unknown-text cards, the pipeline's stage buttons, the rows
of a list) are Action.Execute, as Teams sends them: the answer is a new message in the chat, the clicked card
stays, and the invoke is answered with a short message. No card of the bot carries a messageBack or imBack
button, which the Playground's UI never sends."""

from __future__ import annotations

from typing import Any

from cards import verbs
from tests.conftest import ALICE, BOB, Person, Teams, all_text, find
from tests.e2e.playground_client import find_action
from tests.fake_connector import Posted

MESSAGE = "application/vnd.microsoft.activity.message"


async def press(
    teams: Teams, person: Person, card: dict[str, Any], title: str, chat: str = "personal"
) -> tuple[dict[str, Any], list[Posted]]:
    """Click the button titled `title` as Teams does; the invoke's answer and the messages the bot posted."""
    action = find_action(card, title)
    assert action["type"] == "Action.Execute" and action["verb"] == verbs.RUN_COMMAND, action
    value = {"action": {"type": "Action.Execute", "verb": action["verb"], "data": action["data"]}}
    invoke = teams.activity(person, kind="invoke", chat=chat, name="adaptiveCard/action", value=value)
    status, body = await teams.post(invoke)
    assert status == 200, (status, body)
    return body, teams.connector.replies_to(invoke["id"])


def no_message_back(card: dict[str, Any]) -> None:
    submits = find(card, "Action.Submit")
    assert submits == [], submits
    assert "messageBack" not in str(card) and "imBack" not in str(card)


async def test_the_help_cards_buttons_answer_below_and_leave_the_card(teams: Teams) -> None:
    await teams.say(ALICE, "new lead Initech renewal")
    help_card = await teams.card(ALICE, "help")
    no_message_back(help_card)
    body, posted = await press(teams, ALICE, help_card, "Leads")
    assert body["type"] == MESSAGE and body["value"] == "Answered below.", body
    [listed] = posted
    assert "Initech renewal" in all_text(listed.cards[0])
    body, posted = await press(teams, ALICE, help_card, "New lead")
    assert "Create lead" in all_text(posted[0].cards[0])


async def test_a_row_of_my_opens_the_record_as_a_new_card_kept_up_to_date(teams: Teams) -> None:
    await teams.say(ALICE, "new lead Umbrella pilot")
    mine = await teams.card(ALICE, "my")
    no_message_back(mine)
    rows = [c for c in find(mine, "Container") if "selectAction" in c]
    assert rows and rows[0]["selectAction"]["type"] == "Action.Execute"
    _, [shown] = await press(teams, ALICE, mine, "Show L-1")
    assert "Umbrella pilot" in all_text(shown.cards[0]) and "[Comment]" in all_text(shown.cards[0])
    await teams.say(BOB, "follow L-1")
    await teams.cards_updated()  # the posted record card is one the bot keeps up to date
    updated = teams.connector.updates_of(shown.id)
    assert updated and "Bob Follower" in all_text(updated[-1].cards[0])


async def test_the_unknown_text_cards_buttons_run_their_command(teams: Teams) -> None:
    unknown = await teams.card(ALICE, "what can you do")
    no_message_back(unknown)
    _, [answer] = await press(teams, ALICE, unknown, "My records")
    assert "Yours: owned or followed" in all_text(answer.cards[0])


async def test_a_command_button_in_a_channel_answers_in_the_channel(teams: Teams) -> None:
    help_card = await teams.card(ALICE, "help", chat="channel")
    _, posted = await press(teams, ALICE, help_card, "Pipeline", chat="channel")
    assert posted and "Pipeline" in all_text(posted[0].cards[0])


async def test_a_tampered_command_button_gets_a_plain_answer(teams: Teams) -> None:
    for data in ({}, {"command": 7}, {"command": "x" * 5000}, {"command": "drop table"}):
        value = {"action": {"type": "Action.Execute", "verb": verbs.RUN_COMMAND, "data": data}}
        invoke = teams.activity(ALICE, kind="invoke", name="adaptiveCard/action", value=value)
        status, body = await teams.post(invoke)
        assert status == 200 and body["type"] == MESSAGE, body
        [answer] = teams.connector.replies_to(invoke["id"])
        assert answer.text or answer.cards


async def test_the_welcome_is_short_and_its_buttons_start_a_person(teams: Teams) -> None:
    install = teams.activity(ALICE, kind="installationUpdate", action="add")
    status, _ = await teams.post(install)
    assert status in (200, 201)
    [welcome] = [p for p in teams.connector.replies_to(install["id"]) if p.cards]
    card = welcome.cards[0]
    buttons = [a["title"] for a in find(card, "Action.Execute")]
    assert buttons == ["New lead", "New contact", "My records", "Help"]
    assert len(find(card, "TextBlock")) <= 2 and "FactSet" not in str(card)  # no wall of commands
    _, [form] = await press(teams, ALICE, card, "New contact")
    assert "[Add contact]" in all_text(form.cards[0])
    _, [full] = await press(teams, ALICE, card, "Help")
    shown = all_text(full.cards[0])
    assert "What you can type" in shown and "show ‹ref›: Show a record, e.g. show L-3" in shown


async def test_a_command_button_runs_where_it_was_clicked(teams: Teams) -> None:
    """The place goes with the command: in a channel, `pipeline weekly here` sets the weekly post there."""
    data = {"command": "pipeline weekly here"}
    value = {"action": {"type": "Action.Execute", "verb": verbs.RUN_COMMAND, "data": data}}
    invoke = teams.activity(ALICE, kind="invoke", chat="channel", name="adaptiveCard/action", value=value)
    status, _ = await teams.post(invoke)
    assert status == 200
    [answer] = teams.connector.replies_to(invoke["id"])
    assert "Every Monday at 09:00" in answer.text, answer.text
    rows = teams.services.repo.db.execute("SELECT count(*) FROM weekly_posts").fetchone()[0]
    assert rows == 1
