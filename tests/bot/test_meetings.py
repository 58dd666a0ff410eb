"""Teams meetings from a record, through the bot's HTTP endpoint: with the fake Graph (tests/fake_graph.py, its
calendar learnt from Graph's reference) an Outlook event with a Teams link in the organiser's calendar, shown on the
card, moved, cancelled, prepared for and followed up on the bot's FakeClock; without Graph, Teams' own deep link
with the same people. Both storage engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import ALICE, BOB, CAROL, MALLORY, CardInHand, Teams, all_text, find
from tests.fake_graph import FakeGraph, graph_error


async def record_with_people(teams: Teams) -> CardInHand:
    for command in (
        "new contact Jane Buyer jane@acme.example Acme",
        "new contact Carl CFO carl@acme.example Acme",
        "new lead Acme rollout",
        "contact L-1 jane@acme.example",
        "participant L-1 carl@acme.example",
        "role L-1 carl@acme.example Economic buyer",
    ):
        await teams.say(ALICE, command)
    await teams.say(BOB, "follow L-1")
    return await CardInHand.posted(teams, ALICE, "show L-1")


def start_in(teams: Teams, days: int = 2, hour: int = 10) -> str:
    """A start still to come on the bot's clock, as the form takes it (the organiser's zone: UTC here)."""
    now = datetime.fromisoformat(teams.services.clock())
    return (now + timedelta(days=days)).astimezone(UTC).strftime(f"%Y-%m-%d {hour:02d}:00")


def toggle_id(card: CardInHand, text: str) -> str:
    return next(i["id"] for i in find(card.card, "Input.Toggle") if text in i["title"])


def meetings(teams: Teams) -> list[Any]:
    return teams.services.repo.db.execute(
        "SELECT status, subject, starts_at, ends_at FROM meetings ORDER BY id"
    ).fetchall()


def timeline(teams: Teams) -> list[Any]:
    return teams.services.repo.db.execute(
        "SELECT kind, old, new, detail FROM events WHERE kind LIKE 'meeting%' ORDER BY id"
    ).fetchall()


PREP_OR_RECAP = ("Meeting in an hour", "How did")


def about_meetings(teams: Teams) -> list[Any]:
    """Alice's notifications about a meeting (the prep card, "How did it go?")."""
    return [
        p
        for p in teams.notifications(ALICE)
        if any(t in all_text(p.cards[0]) for t in ("Meeting in an hour", "How did"))
    ]


@pytest.fixture
async def form(teams_with_graph: Teams) -> CardInHand:
    card = await record_with_people(teams_with_graph)
    await card.press("Schedule meeting")
    return card


async def test_a_meeting_with_the_people_around_the_deal_is_created_shown_moved_and_cancelled(
    teams_with_graph: Teams, form: CardInHand, fake_graph: tuple[FakeGraph, str]
) -> None:
    graph = fake_graph[0]
    teams = teams_with_graph
    inputs = form.inputs()
    assert inputs["subject"]["value"] == "Acme rollout (L-1)" and inputs["minutes"]["value"] == "30"
    assert inputs["time_zone"]["value"] == "UTC"
    assert "Invited (required): Jane Buyer · jane@acme.example · Acme" in form.text
    start = start_in(teams)
    await form.press(
        "Send invitations", start=start, agenda="Pricing & rollout", **{toggle_id(form, "Bob Follower"): "true"}
    )
    assert "Meeting scheduled: Outlook invited 3 people from your calendar." in form.text
    [created] = [r for r in graph.calendar() if r.method == "POST"]
    assert created.path == f"/v1.0/users/{ALICE.aad_object_id}/events"
    body = created.body
    assert body["isOnlineMeeting"] is True and body["onlineMeetingProvider"] == "teamsForBusiness"
    assert body["start"] == {"dateTime": start.replace(" ", "T") + ":00", "timeZone": "UTC"}
    assert [(a["emailAddress"]["address"], a["type"]) for a in body["attendees"]] == [
        ("jane@acme.example", "required"),
        ("carl@acme.example", "optional"),
        ("bob@contoso.example", "optional"),
    ]
    assert body["body"]["content"] == "Pricing & rollout"
    # The card shows the next meeting with its Join link; the timeline records it; Bob is told.
    join = next(a for a in find(form.card, "Action.OpenUrl") if a["title"] == "Join")["url"]
    assert join == graph.live_events()[0]["onlineMeeting"]["joinUrl"]
    assert "Next meeting:" in form.text and "Alice Owner scheduled a Teams meeting" in form.text
    await teams.settled()
    told = "\n".join(all_text(c) for p in teams.notifications(BOB) for c in p.cards)
    assert "scheduled a Teams meeting “Acme rollout (L-1)”" in told
    # Moved: Graph PATCHes the event (Outlook tells the attendees), the timeline says from when to when.
    await form.press("Reschedule")
    later = start_in(teams, days=3, hour=15)
    await form.press("Move meeting", start=later, minutes="45")
    assert "Meeting moved; Outlook tells the attendees." in form.text
    event = graph.live_events()[0]
    assert event["start"]["dateTime"] == later.replace(" ", "T") + ":00"
    assert event["end"]["dateTime"].endswith("15:45:00")
    # Cancelled: Graph's cancel (the attendees are told), the card no longer shows it.
    await form.press("Cancel meeting")
    assert "Meeting cancelled." in form.text and "Next meeting:" not in form.text
    assert graph.live_events() == []
    assert [row[0] for row in timeline(teams)] == ["meeting_scheduled", "meeting_rescheduled", "meeting_cancelled"]
    assert [row[0] for row in meetings(teams)] == ["cancelled"]
    # A cancelled meeting's prep card and "How did it go?" never go out.
    assert (
        teams.services.repo.db.execute("SELECT count(*) FROM notifications WHERE purpose LIKE 'meeting%'").fetchone()[0]
        == 0
    )


async def test_prep_an_hour_before_and_how_did_it_go_after_once(teams_with_graph: Teams, form: CardInHand) -> None:
    teams = teams_with_graph
    await teams.say(ALICE, "comment L-1 They want a pilot first")
    start = start_in(teams, days=1)
    await form.press("Send invitations", start=start)
    starts_at = datetime.fromisoformat(start.replace(" ", "T") + ":00+00:00")
    now = datetime.fromisoformat(teams.services.clock())
    assert teams.clock is not None
    teams.clock.advance((starts_at - now).total_seconds() - 3600 - 60)  # just before an hour before the start
    await teams.idle()  # all that is due by now done, the clock left where it is
    assert about_meetings(teams) == [], [all_text(p.cards[0]) for p in about_meetings(teams)]
    teams.clock.advance(120)
    await teams.connector.wait_for(lambda: len(about_meetings(teams)) == 1)
    [prep] = about_meetings(teams)
    text = all_text(prep.cards[0])
    assert "Meeting in an hour" in text and "Acme rollout (L-1)" in text
    assert "Carl CFO · carl@acme.example · Acme · Economic buyer" in text and "They want a pilot first" in text
    teams.clock.advance(3600 + 30 * 60)  # the meeting ended
    await teams.connector.wait_for(lambda: len(about_meetings(teams)) == 2)
    recap = about_meetings(teams)[1:]
    assert "How did “Acme rollout (L-1)” go?" in all_text(recap[0].cards[0])
    teams.clock.advance(24 * 3600)
    await teams.idle()
    assert len(about_meetings(teams)) == 2  # each once
    card = CardInHand(teams, ALICE, recap[0].cards[0], recap[0].id, "personal")
    await card.press("Save", notes="Pilot agreed for March", next_step="Send the pilot plan", stage="Qualified")
    assert "Thanks: the meeting's outcome is on L-1." in card.text
    view = teams.services.records.view(ALICE.tenant_id, "L-1")
    assert view.record.next_step == "Send the pilot plan" and view.record.stage == "Qualified"
    assert any(e.new == "Pilot agreed for March" for e in view.timeline)


async def test_a_second_click_creates_nothing_more(
    teams_with_graph: Teams, form: CardInHand, fake_graph: tuple[FakeGraph, str]
) -> None:
    sent = form.card
    await form.press("Send invitations", start=start_in(teams_with_graph))
    form.card = sent
    await form.press("Send invitations", start=start_in(teams_with_graph))
    assert "This meeting was already created." in form.text
    assert len(fake_graph[0].events) == 1 and len(meetings(teams_with_graph)) == 1


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"start": "2020-01-01 10:00"}, "start", "That start is in the past"),
        ({"start": "next tuesday-ish"}, "start", "Write the start like 2027-03-01 14:30."),
        ({"minutes": "0"}, "minutes", "A meeting lasts between 5 and 480 minutes."),
        ({"minutes": "2880"}, "minutes", "A meeting lasts between 5 and 480 minutes."),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "“Mars/Olympus” is not a time zone I know"),
        ({"others": ", ".join(f"p{i}@guest.example" for i in range(499))}, "others", "at most 500 attendees (501 now)"),
        ({"others": "not-an-address"}, "others", "“not-an-address” is not a valid email address."),
    ],
)
async def test_bad_input_comes_back_beside_its_field_and_sends_nothing(
    teams_with_graph: Teams, form: CardInHand, fake_graph: tuple[FakeGraph, str], values: dict[str, str],
    field: str, message: str,
) -> None:  # fmt: skip
    typed = {"start": start_in(teams_with_graph), **values}
    await form.press("Send invitations", **typed)
    assert message in form.text
    assert form.inputs()[field].get("value", "") == typed.get(field, form.inputs()[field].get("value", ""))
    assert fake_graph[0].calendar() == [] and meetings(teams_with_graph) == [] and timeline(teams_with_graph) == []


@pytest.mark.parametrize(
    ("answers", "calendars_granted", "expected"),
    [
        ([], False, "Calendars.ReadWrite application permission"),
        ([graph_error(429, "ApplicationThrottled", "slow down", **{"Retry-After": "0"})] * 3, True, "busy right now"),
        ([graph_error(503, "ServiceUnavailable", "down")] * 3, True, "having trouble right now"),
    ],
)
async def test_graph_refusing_leaves_nothing_recorded(
    teams_with_graph: Teams, form: CardInHand, fake_graph: tuple[FakeGraph, str], answers: list[Any],
    calendars_granted: bool, expected: str,
) -> None:  # fmt: skip
    graph = fake_graph[0]
    graph.answers, graph.calendars_granted = list(answers), calendars_granted
    await form.press("Send invitations", start=start_in(teams_with_graph), agenda="kept")
    assert expected in form.text and "nothing was sent to the attendees" in form.text
    assert form.inputs()["agenda"]["value"] == "kept"
    assert graph.events == {} and timeline(teams_with_graph) == []
    assert [row[0] for row in meetings(teams_with_graph)] == ["failed"]  # the form may try again
    graph.answers, graph.calendars_granted = [], True
    await form.press("Send invitations", start=start_in(teams_with_graph))
    assert "Meeting scheduled" in form.text and len(graph.events) == 1


async def test_a_contact_without_email_and_a_tampered_record_or_follower(
    teams_with_graph: Teams, fake_graph: tuple[FakeGraph, str]
) -> None:
    teams = teams_with_graph
    await record_with_people(teams)  # L-1
    await teams.say(ALICE, "new contact Nomail Person")
    await teams.say(ALICE, "new lead Quiet deal")
    await teams.say(ALICE, "contact L-2 Nomail Person")
    card = await CardInHand.posted(teams, ALICE, "meet L-2 tomorrow 10:00")
    assert "has no email address, so they cannot be invited" in card.text
    assert "Send invitations" not in card.buttons()
    data = {"ref": "L-2", "version": 1, "form_id": "0" * 32, "start": start_in(teams), "time_zone": "UTC"}
    answer = await teams.click(ALICE, "record.meeting_create", data)
    assert "has no email address, so they cannot be invited" in all_text(answer["value"])
    data = {**data, "ref": "L-1", "version": 99}
    answer = await teams.click(ALICE, "record.meeting_create", data)
    assert "out of date" in str(answer)
    mallory_follower = {**data, "version": 1, "f_999": "true"}
    answer = await teams.click(ALICE, "record.meeting_create", mallory_follower)
    assert "Only colleagues who follow L-1 in your organisation can be invited here." in all_text(answer["value"])
    answer = await teams.click(MALLORY, "record.meeting_create", {**data, "version": 1})
    assert "I can't find L-1" in str(answer)  # another organisation's record is not there for them
    assert fake_graph[0].calendar() == [] and meetings(teams) == []


async def test_suggested_times_are_free_for_everyone_in_working_hours(
    teams_with_graph: Teams, form: CardInHand, fake_graph: tuple[FakeGraph, str]
) -> None:
    graph = fake_graph[0]
    now = datetime.fromisoformat(teams_with_graph.services.clock())
    day = now + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    busy_all_morning = (day.strftime("%Y-%m-%dT00:00:00"), day.strftime("%Y-%m-%dT12:00:00"))
    graph.busy["alice@contoso.example"] = [busy_all_morning]
    await form.press("Suggest times")
    [asked] = [r for r in graph.calendar() if r.path.endswith("/calendar/getSchedule")]
    assert {k.lower(): v for k, v in asked.body.items()}["schedules"] == ["alice@contoso.example"]
    picks = [
        a for a in find(form.card, "Action.Execute") if a["verb"] == "record.meeting_form" and "picked" in a["data"]
    ]
    starts = [datetime.fromisoformat(a["data"]["picked"] + ":00+00:00") for a in picks]
    assert len(starts) == 3 and all(8 <= s.hour < 18 and s.weekday() < 5 and s > now for s in starts)
    assert not any(s.date() == day.date() and s.hour < 12 for s in starts)
    await form.press(picks[0]["title"])
    assert form.inputs()["start"]["value"] == picks[0]["data"]["picked"]


async def test_the_meet_command_reads_when_and_length(teams_with_graph: Teams) -> None:
    await record_with_people(teams_with_graph)
    card = await CardInHand.posted(teams_with_graph, ALICE, "meet L-1 tomorrow 14:00 for 45")
    now = datetime.fromisoformat(teams_with_graph.services.clock())
    assert card.inputs()["start"]["value"] == (now + timedelta(days=1)).strftime("%Y-%m-%d 14:00")
    assert card.inputs()["minutes"]["value"] == "45"


async def test_without_graph_teams_deep_link_with_the_same_people_and_nothing_claimed(teams: Teams) -> None:
    card = await record_with_people(teams)
    await card.press("Schedule meeting")
    assert "Send invitations" not in card.buttons()
    start = start_in(teams)
    await card.press("Open in Teams", start=start, minutes="60", agenda="Pricing")
    link = next(a for a in find(card.card, "Action.OpenUrl") if a["title"] == "Open in Teams")["url"]
    split = urlsplit(link)
    assert f"{split.scheme}://{split.netloc}{split.path}" == "https://teams.microsoft.com/l/meeting/new"
    query = parse_qs(split.query)
    assert query["attendees"] == ["jane@acme.example,carl@acme.example"]
    assert query["subject"] == ["Acme rollout (L-1)"] and query["content"] == ["Pricing"]
    assert query["startTime"] == [start.replace(" ", "T") + ":00Z"]
    assert query["endTime"][0].endswith(f"{int(start[11:13]) + 1:02d}:00:00Z")
    assert meetings(teams) == [] and timeline(teams) == []
    await card.press("Record on the timeline")
    assert "set up in Teams" in card.text and "Next meeting:" in card.text
    assert "Join" not in [a["title"] for a in find(card.card, "Action.OpenUrl")]
    [(kind, _old, new, detail)] = timeline(teams)
    assert (
        kind == "meeting_planned" and new == "Acme rollout (L-1)" and detail == "jane@acme.example, carl@acme.example"
    )
    assert (
        "scheduled" not in all_text(card.card).split("Latest activity")[-1]
    )  # nothing pretends an invitation went out


async def scheduled(teams: Teams, form: CardInHand, days: int = 2) -> str:
    start = start_in(teams, days=days)
    await form.press("Send invitations", start=start)
    assert "Meeting scheduled" in form.text
    return start


async def test_moving_refuses_a_past_start_and_moves_the_prep_card_with_the_meeting(
    teams_with_graph: Teams, form: CardInHand, fake_graph: tuple[FakeGraph, str]
) -> None:
    teams = teams_with_graph
    await scheduled(teams, form, days=1)
    await form.press("Reschedule")
    await form.press("Move meeting", start="2020-01-01 10:00")
    assert "That start is in the past" in form.text
    assert [r.method for r in fake_graph[0].calendar()] == ["POST"]  # nothing asked of Graph
    later = start_in(teams, days=3)
    await form.press("Move meeting", start=later)
    due = teams.services.repo.db.execute(
        "SELECT purpose, due_at FROM notifications WHERE purpose LIKE 'meeting%' ORDER BY purpose"
    ).fetchall()
    starts = later.replace(" ", "T")
    assert [p for p, _ in due] == ["meeting_prep", "meeting_recap"]
    assert due[0][1].startswith(f"{starts[:11]}{int(starts[11:13]) - 1:02d}:00") and due[1][1].startswith(
        f"{starts[:11]}{starts[11:13]}:30"
    )
    assert teams.clock is not None
    teams.clock.advance(26 * 3600)  # past the old start: its prep card does not come
    await teams.idle()
    assert about_meetings(teams) == []


async def test_graph_refusing_a_move_or_cancel_changes_nothing(
    teams_with_graph: Teams, form: CardInHand, fake_graph: tuple[FakeGraph, str]
) -> None:
    teams, graph = teams_with_graph, fake_graph[0]
    await scheduled(teams, form)
    graph.answers = [graph_error(503, "ServiceUnavailable", "down")] * 3
    await form.press("Cancel meeting")
    assert "having trouble right now, so nothing was sent to the attendees" in form.text
    assert "Next meeting:" in form.text and len(graph.live_events()) == 1
    assert [row[0] for row in timeline(teams)] == ["meeting_scheduled"]
    graph.events.clear()  # deleted in Outlook meanwhile
    await form.press("Reschedule")
    await form.press("Move meeting", start=start_in(teams, days=4))
    assert "Outlook no longer has this meeting" in form.text
    assert [row[0] for row in timeline(teams)] == ["meeting_scheduled"]


async def test_only_the_organiser_moves_it_and_a_tampered_meeting_id_is_refused(
    teams_with_graph: Teams, form: CardInHand, fake_graph: tuple[FakeGraph, str]
) -> None:
    teams = teams_with_graph
    await scheduled(teams, form)
    bobs = await CardInHand.posted(teams, BOB, "show L-1")
    assert "Next meeting:" in bobs.text and "Reschedule" not in bobs.buttons()
    meeting_id = teams.services.repo.db.execute("SELECT id FROM meetings").fetchone()[0]
    answer = await teams.click(BOB, "record.meeting_cancel", {"ref": "L-1", "meeting": str(meeting_id)})
    assert "Only its organiser can change this meeting." in all_text(answer["value"])
    answer = await teams.click(ALICE, "record.meeting_cancel", {"ref": "L-1", "meeting": "424242"})
    assert "That meeting is no longer on L-1." in all_text(answer["value"])
    assert len(fake_graph[0].live_events()) == 1 and [row[0] for row in timeline(teams)] == ["meeting_scheduled"]


async def test_a_follower_of_another_organisation_cannot_be_invited(
    teams_with_graph: Teams, form: CardInHand, fake_graph: tuple[FakeGraph, str]
) -> None:
    teams = teams_with_graph
    await teams.say(MALLORY, "help")
    mallory = teams.services.repo.db.execute("SELECT id FROM users WHERE teams_id = ?", [MALLORY.teams_id]).fetchone()[
        0
    ]
    await form.press("Send invitations", start=start_in(teams), **{f"f_{mallory}": "true"})
    assert "Only colleagues who follow L-1 in your organisation can be invited here." in form.text
    assert fake_graph[0].calendar() == [] and meetings(teams) == []


async def test_a_timeout_says_it_may_exist_and_refuses_a_blind_retry(
    teams_with_graph: Teams, form: CardInHand, fake_graph: tuple[FakeGraph, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from app import BOT
    from tests.fake_graph import Answer

    graph = teams_with_graph.client.app[BOT].handlers.actions.meetings.calendar
    monkeypatch.setattr(graph, "budget", 0.5)
    fake_graph[0].answers = [Answer(201, delay=2.0)]
    sent = form.card
    await form.press("Send invitations", start=start_in(teams_with_graph))
    assert "may or may not have been changed: check your Outlook calendar" in form.text
    form.card = sent
    await form.press("Send invitations", start=start_in(teams_with_graph))
    assert "The last try may have created the meeting" in form.text
    assert len(fake_graph[0].calendar()) == 1 and timeline(teams_with_graph) == []


async def test_a_private_records_prep_and_recap_go_only_to_an_organiser_who_may_see_it(
    teams_with_graph: Teams,
) -> None:
    """Carol sets up a meeting on Alice's record, then Alice makes it private (Carol neither follows it nor is
    it shared with her): neither the prep card nor "How did it go?" reaches Carol, and she cannot save a recap."""
    teams = teams_with_graph
    await record_with_people(teams)
    carols = await CardInHand.posted(teams, CAROL, "show L-1")
    await carols.press("Schedule meeting")
    start = start_in(teams, days=1)
    await carols.press("Send invitations", start=start)
    assert "Meeting scheduled" in carols.text
    assert "L-1 is now private" in all_text(await teams.card(ALICE, "visibility L-1 private"))
    assert await teams.text(CAROL, "show L-1") == "I can't find L-1."
    assert teams.clock is not None
    teams.clock.advance(2 * 24 * 3600)  # past the prep time and the meeting's end
    await teams.say(ALICE, "help")  # a turn wakes the sender
    rows = "SELECT count(*) FROM notifications WHERE purpose LIKE 'meeting%'"
    await teams.connector.wait_for(lambda: teams.services.repo.db.execute(rows).fetchone()[0] == 0)  # both dropped
    await teams.settled()
    assert [
        p for p in teams.notifications(CAROL) if any(t in all_text(c) for c in p.cards for t in PREP_OR_RECAP)
    ] == []
    meeting_id = teams.services.repo.db.execute("SELECT id FROM meetings").fetchone()[0]
    data = {"ref": "L-1", "meeting": str(meeting_id), "notes": "Went well"}
    answer = await teams.click(CAROL, "record.meeting_recap", data)
    assert answer["value"] == "I can't find L-1."
    assert not any(e.new == "Went well" for e in teams.services.records.view(ALICE.tenant_id, "L-1").timeline)
