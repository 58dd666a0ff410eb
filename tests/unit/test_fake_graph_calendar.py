"""The fake Graph's calendar, held to the rules its docstring cites from Graph's reference (tests/fake_graph.py)."""

from typing import Any

import pytest

from tests.fake_graph import MAX_ATTENDEES, FakeGraph

USER = "aad0a11c-0000-4000-8000-000000000001"


def event(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "subject": "Acme rollout (L-1)",
        "start": {"dateTime": "2027-03-01T10:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2027-03-01T10:30:00", "timeZone": "UTC"},
        "attendees": [{"emailAddress": {"address": "jane@acme.example"}, "type": "required"}],
        "isOnlineMeeting": True,
        "onlineMeetingProvider": "teamsForBusiness",
    }
    return {**body, **changes}


@pytest.fixture
async def graph(aiohttp_client: Any) -> tuple[FakeGraph, Any]:
    fake = FakeGraph()
    return fake, await aiohttp_client(fake.app())


async def test_an_online_meeting_is_created_with_its_join_link_and_once_per_transaction(
    graph: tuple[FakeGraph, Any],
) -> None:
    fake, client = graph
    answer = await client.post(f"/v1.0/users/{USER}/events", json=event(transactionId="t-1"))
    assert answer.status == 201
    made = await answer.json()
    assert made["onlineMeeting"]["joinUrl"].startswith("https://teams.microsoft.com/l/meetup-join/")
    again = await client.post(f"/v1.0/users/{USER}/events", json=event(transactionId="t-1"))
    assert (await again.json())["id"] == made["id"] and len(fake.events) == 1
    plain = await (await client.post(f"/v1.0/users/{USER}/events", json=event(isOnlineMeeting=False))).json()
    assert "onlineMeeting" not in plain


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        (
            {"start": {"dateTime": "2027-03-01T10:00:00", "timeZone": "Mars/Olympus_Mons"}},
            "TimeZoneNotSupportedException",
        ),
        ({"end": None}, "ErrorInvalidRequest"),
        ({"end": {"dateTime": "2027-03-01T09:00:00", "timeZone": "UTC"}}, "ErrorInvalidRequest"),
        ({"attendees": [{"emailAddress": {"address": "jane@acme.example"}, "type": "vip"}]}, "ErrorInvalidRequest"),
        ({"attendees": [{"emailAddress": {}, "type": "required"}]}, "ErrorInvalidRequest"),
        (
            {
                "attendees": [
                    {"emailAddress": {"address": f"p{i}@x.example"}, "type": "optional"}
                    for i in range(MAX_ATTENDEES + 1)
                ]
            },
            "ErrorInvalidRequest",
        ),
    ],
)
async def test_what_graph_refuses_in_an_event(graph: tuple[FakeGraph, Any], changes: dict[str, Any], code: str) -> None:
    fake, client = graph
    answer = await client.post(f"/v1.0/users/{USER}/events", json=event(**changes))
    assert answer.status == 400 and (await answer.json())["error"]["code"] == code
    assert fake.events == {}


async def test_windows_and_listed_iana_zones_are_accepted(graph: tuple[FakeGraph, Any]) -> None:
    _, client = graph
    for zone in ("W. Europe Standard Time", "Europe/Berlin"):
        times = {
            "start": {"dateTime": "2027-03-01T10:00:00", "timeZone": zone},
            "end": {"dateTime": "2027-03-01T11:00:00", "timeZone": zone},
        }
        assert (await client.post(f"/v1.0/users/{USER}/events", json=event(**times))).status == 201


async def test_patch_then_cancel_by_the_organiser_only(graph: tuple[FakeGraph, Any]) -> None:
    fake, client = graph
    made = await (await client.post(f"/v1.0/users/{USER}/events", json=event())).json()
    moved = {
        "start": {"dateTime": "2027-03-02T10:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2027-03-02T11:00:00", "timeZone": "UTC"},
    }
    answer = await client.patch(f"/v1.0/users/{USER}/events/{made['id']}", json=moved)
    assert answer.status == 200 and (await answer.json())["start"]["dateTime"] == "2027-03-02T10:00:00"
    other = await client.post(f"/v1.0/users/someone-else/events/{made['id']}/cancel", json={"Comment": "x"})
    assert other.status == 404
    assert (
        await client.post(f"/v1.0/users/{USER}/events/{made['id']}/cancel", json={"Comment": "Sorry"})
    ).status == 202
    assert fake.events[made["id"]]["isCancelled"] and fake.live_events() == []
    assert (await client.patch(f"/v1.0/users/{USER}/events/{made['id']}", json=moved)).status == 404


async def test_permission_tenant_and_find_meeting_times(graph: tuple[FakeGraph, Any]) -> None:
    fake, client = graph
    found = await client.post(f"/v1.0/users/{USER}/findMeetingTimes", json={})
    assert found.status == 403  # application permissions: not supported by findMeetingTimes
    fake.foreign_users.add("outsider")
    assert (await client.post("/v1.0/users/outsider/events", json=event())).status == 404
    fake.calendars_granted = False
    refused = await client.post(f"/v1.0/users/{USER}/events", json=event())
    assert refused.status == 403 and (await refused.json())["error"]["code"] == "ErrorAccessDenied"
    assert fake.events == {}


async def test_get_schedule_answers_the_busy_times_in_the_window(graph: tuple[FakeGraph, Any]) -> None:
    fake, client = graph
    fake.busy["bob@contoso.example"] = [
        ("2027-03-01T09:00:00", "2027-03-01T09:30:00"),
        ("2027-03-05T09:00:00", "2027-03-05T10:00:00"),
    ]
    await client.post(
        f"/v1.0/users/{USER}/events",
        json=event(attendees=[{"emailAddress": {"address": "bob@contoso.example"}, "type": "required"}]),
    )
    body = {
        "Schedules": ["bob@contoso.example"],
        "StartTime": {"dateTime": "2027-03-01T00:00:00", "timeZone": "UTC"},
        "EndTime": {"dateTime": "2027-03-02T00:00:00", "timeZone": "UTC"},
    }
    answer = await (await client.post(f"/v1.0/users/{USER}/calendar/getSchedule", json=body)).json()
    [bob] = answer["value"]
    assert [i["start"]["dateTime"] for i in bob["scheduleItems"]] == ["2027-03-01T09:00:00", "2027-03-01T10:00:00"]
