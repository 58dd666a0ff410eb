"""Posted cards whose update fails (issue 12, item 15): a deleted message (404) or a removed bot (403)
is forgotten after one try; a transient failure (429, 5xx) is tried again later, with a growing pause."""

from __future__ import annotations

import pytest

from app import BOT
from tests.conftest import ALICE, BOB, CardInHand, Teams, all_text

CHANNEL = "19:sales@thread.tacv2;messageid=1700000000000"


def posts(teams: Teams) -> int:
    """Posts tracked in the channel."""
    sql = "SELECT count(*) FROM card_posts WHERE conversation_id = ?"
    return int(teams.services.repo.db.execute(sql, [CHANNEL]).fetchone()[0])


async def change_twice(teams: Teams) -> None:
    for stage in ("Contacted", "Qualified"):
        await teams.say(ALICE, f"stage L-1 {stage}")
        await teams.cards_updated(timeout=5)


@pytest.mark.parametrize("how", ["deleted", "bot removed", "bad request"])
async def test_a_post_that_can_never_be_updated_is_tried_once_and_forgotten(teams: Teams, how: str) -> None:
    await teams.say(ALICE, "new lead Acme")
    shown = await CardInHand.posted(teams, BOB, "show L-1", chat="channel")
    kept = await CardInHand.posted(teams, ALICE, "show L-1")
    if how == "deleted":
        teams.connector.deleted.add(shown.message_id)
    elif how == "bot removed":
        teams.connector.removed_from.add(CHANNEL)
    else:  # Teams answers 400 for good (reported for updates of a message a person sent): not worth six tries
        teams.connector.scope = lambda conversation, _activity: conversation == CHANNEL
        teams.connector.fail_next(6, status=400, conversation=CHANNEL)
    assert posts(teams) == 1
    await change_twice(teams)
    refused = [status for status, conversation in teams.connector.refused if conversation == CHANNEL]
    assert refused == [{"deleted": 404, "bot removed": 403, "bad request": 400}[how]]  # one try, not one per change
    assert posts(teams) == 0
    assert "Stage: Qualified" in all_text(
        teams.connector.updates_of(kept.message_id)[-1].activity["attachments"][0]["content"]
    )


async def test_a_transient_failure_is_retried_with_a_pause(teams: Teams) -> None:
    teams.client.app[BOT].card_updater.retry_base = 0.2
    await teams.say(ALICE, "new lead Acme")
    shown = await CardInHand.posted(teams, BOB, "show L-1", chat="channel")
    teams.connector.scope = lambda conversation, _activity: conversation == CHANNEL
    teams.connector.fail_next(2, status=429)
    await teams.say(ALICE, "stage L-1 Contacted")
    await teams.connector.wait_for(lambda: bool(teams.connector.updates_of(shown.message_id)), timeout=5)
    refused_then_sent = [s for s, c in teams.connector.refused if c == CHANNEL]
    assert refused_then_sent == [429, 429]
    updated = teams.connector.updates_of(shown.message_id)[-1].activity["attachments"][0]["content"]
    assert "Stage: Contacted" in all_text(updated)
    assert posts(teams) == 1  # still tracked


async def test_a_post_failing_every_time_is_given_up(teams: Teams) -> None:
    teams.client.app[BOT].card_updater.retry_base = 0.01
    await teams.say(ALICE, "new lead Acme")
    await CardInHand.posted(teams, BOB, "show L-1", chat="channel")
    teams.connector.scope = lambda conversation, _activity: conversation == CHANNEL
    teams.connector.fail_next(100, status=429)
    await teams.say(ALICE, "stage L-1 Contacted")
    await teams.connector.wait_for(lambda: posts(teams) == 0, timeout=5)
    assert 1 < len(teams.connector.refused) < 10
