"""Every card and invoke answer stays within Teams' ~28 KB for a card (issue 12, item 12), however many
people a record has and however long their names: the sizes the audit measured (participants list
272 KB, remove-participant form 323 KB, contact picker 137 KB, compose card with 119 CC toggles 188 KB,
a 29 KB mailto link) are rebuilt here through HTTP and must come in under the budget."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import ALICE, Teams, find

BUDGET = 28 * 1024
LONG = "x" * 180


def size(node: Any) -> int:
    return len(json.dumps(node).encode())


def seed(teams: Teams, participants: int, contacts: int = 0) -> None:
    """L-1 with `participants` long-named participants who have emails, and `contacts` more contacts
    (written straight to the database: the caps of the use cases would refuse that many)."""
    repo = teams.services.repo
    alice = repo.people.find_user(ALICE.tenant_id, ALICE.teams_id, None)
    assert alice is not None
    record_id = 1  # L-1, the tenant's first record
    with repo.transaction():
        for i in range(participants + contacts):
            email = f"person.{i}.{'y' * 200}@customer-company.example"
            contact = repo.contacts.insert_contact(
                ALICE.tenant_id, f"{LONG} {i}", email, None, f"Company {LONG}", None, alice.id, "2026-01-01"
            )
            if i < participants:
                repo.records.set_role(ALICE.tenant_id, record_id, contact.id, "participant", alice.id, "2026-01-01")


@pytest.fixture
async def crowded(teams: Teams) -> Teams:
    await teams.say(ALICE, "new lead Crowd")
    seed(teams, participants=460, contacts=50)
    return teams


async def answer(teams: Teams, verb: str, **data: Any) -> dict[str, Any]:
    body = await teams.click(ALICE, verb, {"ref": "L-1", **data})
    assert size(body) < BUDGET, (verb, size(body))
    return body


async def test_the_participants_list_is_paged_by_size_and_reaches_everyone(crowded: Teams) -> None:
    seen: set[str] = set()
    body = await answer(crowded, "record.people", role="participants")
    for _ in range(100):
        lines = [t["text"] for t in find(body["value"], "TextBlock") if t["text"].startswith("• ")]
        seen.update(line.split(" · ")[0] for line in lines)
        more = [a for a in find(body["value"], "Action.Execute") if a["title"] == "More"]
        if not more:
            break
        body = await answer(crowded, "record.people", **{k: v for k, v in more[0]["data"].items() if k != "ref"})
    assert len(seen) == 460


async def test_the_remove_participant_form_fits_and_points_to_the_command(crowded: Teams) -> None:
    body = await answer(crowded, "record.remove_participant_form")
    text = json.dumps(body)
    assert "remove participant L-1" in text


async def test_the_contact_picker_with_long_names_fits(crowded: Teams) -> None:
    await answer(crowded, "record.contact_form")
    await answer(crowded, "record.participant_form")


async def test_the_compose_card_caps_cc_and_fits(crowded: Teams) -> None:
    await crowded.say(ALICE, "new contact Jane Buyer jane@acme.example")
    await crowded.say(ALICE, "contact L-1 jane@acme.example")
    compose = await answer(crowded, "record.email_form")
    toggles = find(compose["value"], "Input.Toggle")
    assert 0 < len(toggles) <= 25
    [prepare] = [a for a in find(compose["value"], "Action.Execute") if a["verb"] == "record.prepare_email"]
    every_cc = {f"cc_{i}": "true" for i in range(1, 600)}  # a tampered card ticking everyone: CC stays capped
    values = every_cc | {"to": "jane@acme.example", "subject": "Offer", "body": "Hi " * 600}
    prepared = await answer(crowded, "record.prepare_email", **{**prepare["data"], **values})
    assert "At most" in json.dumps(prepared) or len(find(prepared["value"], "Action.OpenUrl")) == 1
    links = [a["url"] for a in find(prepared["value"], "Action.OpenUrl")]
    assert all(len(link) < 16 * 1024 for link in links)


async def test_the_record_card_with_long_names_fits(crowded: Teams) -> None:
    await answer(crowded, "record.show")
    await crowded.say(ALICE, "new contact Jane Buyer jane@acme.example")
    await crowded.say(ALICE, "contact L-1 jane@acme.example")
    for i in range(5):
        await crowded.say(ALICE, f"comment L-1 {'z' * 3000} {i}")
    await answer(crowded, "record.show")
