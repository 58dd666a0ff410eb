"""Growth and cost a careless user or a script could cause (issue 12, item 13): write quotas with a clear
message, caps on participants and followers per record, only GUIDs as Entra ids in Add follower, and
housekeeping that forgets what is done."""

from __future__ import annotations

from bot.domain.quotas import QUOTAS, QuotaKind, check, counted, seconds_until_room
from bot.domain.rules import MAX_FOLLOWERS, MAX_PARTICIPANTS
from tests.conftest import ALICE, BOB, Teams, all_text


def count(teams: Teams, table: str) -> int:
    return int(teams.services.repo.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


async def test_one_person_creating_records_in_a_loop_is_stopped_with_a_clear_message(teams: Teams) -> None:
    allowed = QUOTAS[QuotaKind.RECORDS].per_user
    for i in range(allowed):
        assert f"L-{i + 1}" in all_text(await teams.card(ALICE, f"new lead Loop {i}"))
    said = await teams.text(ALICE, "new lead One too many")
    assert f"You created {allowed} records in the last minute" in said and "try again in" in said
    assert count(teams, "records") == allowed
    assert "L-31" in all_text(await teams.card(BOB, "new lead Bob's own"))  # a colleague is not held up


def test_the_wait_a_refusal_names_is_until_the_oldest_counted_bucket_leaves_the_window() -> None:
    """Ten-second buckets, a spend counting its own and the six before it (bot/domain/quotas.py)."""
    assert counted({100: 10, 93: 5, 94: 7}, 100) == 17  # 93 is seven buckets back: no longer counted
    # 30 allowed; 20 made in bucket 95 and 10 in 99, now 3 s into bucket 100: room once 95 leaves (bucket 102).
    assert seconds_until_room({95: 20, 99: 10}, 100, 3.0, 30) == 17
    assert seconds_until_room({100: 30}, 100, 0.5, 30) == 70  # all of it just now: the whole window
    assert seconds_until_room({99: 1}, 100, 9.9, 30) == 1  # room already: a second at least
    assert check(QUOTAS[QuotaKind.RECORDS], 31, 31) == "user" and check(QUOTAS[QuotaKind.RECORDS], 30, 601) == "tenant"


def seed_people(teams: Teams, participants: int, followers: int) -> None:
    repo = teams.services.repo
    alice = repo.people.find_user(ALICE.tenant_id, ALICE.teams_id, None)
    assert alice is not None
    with repo.transaction():
        for i in range(participants):
            contact = repo.contacts.insert_contact(
                ALICE.tenant_id, f"P {i}", f"p{i}@x.example", None, None, None, None, "t"
            )
            repo.records.set_role(ALICE.tenant_id, 1, contact.id, "participant", alice.id, "t")
        for i in range(followers):
            user = repo.people.upsert_user(ALICE.tenant_id, f"29:f{i}", None, f"F {i}", "t")
            repo.follows.add_follower(ALICE.tenant_id, 1, user.id, "t", notify="muted")


async def test_participants_and_followers_per_record_are_capped(teams: Teams) -> None:
    await teams.say(ALICE, "new lead Crowd")
    seed_people(teams, MAX_PARTICIPANTS, MAX_FOLLOWERS - 1)  # Alice follows her own record
    await teams.say(ALICE, "new contact One More one.more@x.example")
    before = count(teams, "record_contacts"), count(teams, "followers")
    assert f"has {MAX_PARTICIPANTS} participants, the most a record may" in await teams.text(
        ALICE, "participant L-1 one.more@x.example"
    )
    assert f"has {MAX_FOLLOWERS:,} followers, the most a record may" in await teams.text(BOB, "follow L-1")
    assert (count(teams, "record_contacts"), count(teams, "followers")) == before


async def test_add_follower_takes_only_an_entra_or_teams_id(teams: Teams) -> None:
    await teams.say(ALICE, "new lead Acme")
    before = count(teams, "users"), count(teams, "followers")
    for picked in ("not-a-guid", "a" * 100, "00000000-0000-4000-8000-00000000000g", "../../users"):
        answer = await teams.click(ALICE, "record.add_follower", {"ref": "L-1", "version": 1, "follower": picked})
        assert "Pick a colleague from the list." in all_text(answer["value"])
    assert (count(teams, "users"), count(teams, "followers")) == before


async def test_housekeeping_forgets_what_is_done_and_old(teams: Teams) -> None:
    await teams.say(ALICE, "new lead Acme")
    await teams.say(BOB, "follow L-1")
    await teams.say(ALICE, "show L-1")
    await teams.say(ALICE, "comment L-1 hello")
    await teams.settled()
    db = teams.services.repo.db
    with teams.services.repo.transaction():
        db.execute(
            "INSERT INTO email_sends VALUES (?, 'x' , 1, 1, 'sent', NULL, '2020-01-01', '2020-01-01')",
            [ALICE.tenant_id],
        )
        db.execute(
            "INSERT INTO email_sends VALUES (?, 'y' , 1, 1, 'sending', NULL, '2020-01-01', '2020-01-01')",
            [ALICE.tenant_id],
        )
    fresh = count(teams, "card_posts"), count(teams, "notifications")
    assert fresh[0] > 0 and fresh[1] == 2  # Alice told of Bob's follow, Bob of the comment
    assert teams.services.people.prune_history()["email sends"] == 1  # the one still sending stays
    assert (count(teams, "card_posts"), count(teams, "notifications")) == fresh  # nothing recent goes
    with teams.services.repo.transaction():
        db.execute("UPDATE card_posts SET posted_at = '2020-01-01'")
        db.execute("UPDATE notifications SET updated_at = '2020-01-01'")
    pruned = teams.services.people.prune_history()
    assert pruned["card posts"] == fresh[0] and pruned["sent notifications"] == 2
    assert count(teams, "card_posts") == count(teams, "notifications") == 0 and count(teams, "email_sends") == 1


async def test_a_record_with_many_followers_is_read_by_count_and_still_knows_each_viewer(teams: Teams) -> None:
    await teams.say(ALICE, "new lead Crowd")
    seed_people(teams, 0, 900)
    await teams.say(BOB, "follow L-1")  # the 902nd follower, far beyond the names a card reads
    view = teams.services.records.view(ALICE.tenant_id, "L-1")
    assert len(view.followers) <= 60 and view.follower_count == 902
    card = all_text(await teams.card(BOB, "show L-1"))
    assert "Followers (902)" in card and "and 892 more" in card and "[Unfollow]" in card
    assert "You follow this record." in card and "[Save notification setting]" in card
    await teams.say(ALICE, "comment L-1 still quick")
    assert teams.outbox()["pending"] + teams.outbox()["sent"] + teams.outbox()["sending"] >= 1  # Bob is told
