"""The outbox read per lane (storage/outbox.py `due`), on both backends: a row is in the feed's lane
when it tells a change to a follower who chose the activity feed (alone or with chat), in chat's lane
otherwise; every row is in exactly one; a lane's lease hides its rows from another sender and not the
other lane's; a sender taking the tenant over frees every lease of the one that stopped."""

from __future__ import annotations

from bot.domain.delivery import Notification
from bot.domain.models import Kind
from storage.outbox import CHAT, FEED
from storage.repository import Repository
from tests.storage.test_storage import NOW, seed

LATER = "2026-11-23T13:00:00.000000Z"
LEASED = "2026-11-23T13:01:00.000000Z"  # a lease taken at LATER lasts until then


def rows_for(repo: Repository, choices: list[str]) -> dict[str, set[int]]:
    """One pending change per follower (each with the given delivery choice) and one notice to the first follower;
    the notification ids by where they should be read."""
    owner = seed(repo, "t")
    expected: dict[str, set[int]] = {CHAT: set(), FEED: set()}
    with repo.transaction():
        record = repo.records.insert_record("t", Kind.LEAD, "Lanes", "new", owner, NOW)
        people = []
        for i, choice in enumerate(choices):
            user = repo.people.upsert_user("t", f"29:u{i}", f"aad-u{i}", f"U {i}", NOW)
            repo.follows.add_follower("t", record.id, user.id, NOW)
            assert repo.outbox.set_follower_delivery("t", record.id, user.id, choice)
            people.append(user.id)
        for purpose, user_id, choice in [
            *(("change", u, c) for u, c in zip(people, choices, strict=True)),
            ("mention", people[-1], choices[-1]),  # not a change: told by chat, whatever the follow's choice
        ]:
            repo.db.execute(
                "INSERT INTO notifications (tenant_id, record_id, recipient_id, actor_id, event_ids, batch, due_at,"
                " next_attempt_at, created_at, updated_at, purpose) VALUES ('t', ?, ?, ?, '1', 'b', ?, ?, ?, ?, ?)",
                [record.id, user_id, owner, NOW, NOW, NOW, NOW, purpose],
            )
            notification_id = repo.db.execute("SELECT max(id) FROM notifications").fetchone()[0]
            expected[FEED if purpose == "change" and choice != "chat" else CHAT].add(notification_id)
    return expected


def ids(rows: list[Notification]) -> set[int]:
    return {n.id for n in rows}


def test_each_row_is_read_in_exactly_one_lane(repo: Repository) -> None:
    expected = rows_for(repo, ["feed", "chat", "both", "chat", "feed"])
    outbox = repo.outbox
    assert ids(outbox.due("t", LATER, 100, lane=FEED)) == expected[FEED] and len(expected[FEED]) == 3
    assert ids(outbox.due("t", LATER, 100, lane=CHAT)) == expected[CHAT] and len(expected[CHAT]) == 3
    assert ids(outbox.due("t", LATER, 100)) == expected[FEED] | expected[CHAT]
    first_feed = outbox.due("t", LATER, 1, lane=FEED)
    assert [n.id for n in first_feed] == [min(expected[FEED])]  # in order, within the lane


def test_a_lanes_lease_holds_its_rows_only_and_a_take_over_frees_them_all(repo: Repository) -> None:
    expected = rows_for(repo, ["feed", "chat", "both", "chat", "feed"])
    outbox = repo.outbox
    with repo.transaction():
        assert ids(outbox.due("t", LATER, 100, "a", LEASED, lane=CHAT)) == expected[CHAT]
    with repo.transaction():  # another sender: the chat rows are a's, the feed's are free
        assert outbox.due("t", LATER, 100, "b", LEASED, lane=CHAT) == []
        assert ids(outbox.due("t", LATER, 100, "b", LEASED, lane=FEED)) == expected[FEED]
    with repo.transaction():  # a third takes the tenant over: every lease of the others goes
        assert ids(outbox.due("t", LATER, 100, "c", LEASED, take_over=True, lane=CHAT)) == expected[CHAT]
        assert ids(outbox.due("t", LATER, 100, "c", LEASED, lane=FEED)) == expected[FEED]
