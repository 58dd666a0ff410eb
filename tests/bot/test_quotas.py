"""Growth and cost a careless user or a script could cause (issue 12, item 13): write quotas with a clear
message, caps on participants and followers per record, only GUIDs as Entra ids in Add follower, and
housekeeping that forgets what is done."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app import create_app
from bot.config import Config
from bot.domain.clock import shifted
from bot.domain.language import speaking
from bot.domain.quotas import QUOTAS, QuotaExceeded, QuotaKind, check, counted, seconds_until_room, sized
from bot.domain.rules import MAX_FOLLOWERS, MAX_PARTICIPANTS
from bot.services.quotas import WriteQuotas
from storage.migrations import migrate
from storage.repository import Repository
from tests.bot.test_message_extension import dialog_values, fetch, submit
from tests.conftest import ALICE, BOB, CARD, CAROL, FAST, TENANT, CardInHand, Person, Teams, all_text
from tests.fake_connector import FakeConnector
from tests.storage.backends import open_any
from tests.teams_files import send_file


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


class Counters:
    """The write quotas on a database of their own, at a moment the test moves: 3 s into a 10-second bucket."""

    def __init__(self, repo: Repository, quotas: WriteQuotas) -> None:
        self.repo, self.quotas, self.seconds = repo, quotas, 0.0

    def now(self) -> str:
        return shifted("2026-11-23T12:00:03.000000Z", self.seconds)

    def spend(self, kind: QuotaKind, tenant_id: str, user_id: int, amount: int = 1) -> None:
        with self.repo.transaction():  # a spend is a change's, in its transaction (refused: rolled back)
            self.quotas.spend(kind, tenant_id, user_id, amount)


@pytest.fixture
def counters(tmp_path: Path, database_url: str) -> Iterator[Any]:
    db = open_any(database_url, str(tmp_path / "crm.db"))
    migrate(db)
    repo = Repository(db)

    def make(quotas: Any = QUOTAS) -> Counters:
        made = Counters(repo, WriteQuotas(repo, lambda: made.now(), quotas))
        return made

    yield make
    db.close()


def test_quotas_per_person_and_per_organisation_free_up_after_a_minute(counters: Any) -> None:
    quotas = counters()
    contacts = QUOTAS[QuotaKind.CONTACTS]
    for user in range(1, contacts.per_tenant // contacts.per_user + 1):
        for _ in range(contacts.per_user):
            quotas.spend(QuotaKind.CONTACTS, "t", user)
    with pytest.raises(QuotaExceeded, match="Your organisation created 1,200 contacts"):
        quotas.spend(QuotaKind.CONTACTS, "t", 999)
    quotas.spend(QuotaKind.CONTACTS, "other tenant", 999)  # another organisation is not held up
    quotas.seconds = 66.0  # the last minute's buckets and the one before: still counted
    with pytest.raises(QuotaExceeded, match="Your organisation created 1,200 contacts"):
        quotas.spend(QuotaKind.CONTACTS, "t", 999)
    quotas.seconds = 67.0  # 3 s into the first bucket, plus 67: that bucket has left the window
    quotas.spend(QuotaKind.CONTACTS, "t", 999)


def test_the_wait_a_refusal_names_is_until_the_oldest_counted_bucket_leaves_the_window() -> None:
    """Ten-second buckets, a spend counting its own and the six before it (bot/domain/quotas.py)."""
    assert counted({100: 10, 93: 5, 94: 7}, 100) == 17  # 93 is seven buckets back: no longer counted
    # 30 allowed; 20 made in bucket 95 and 10 in 99, now 3 s into bucket 100: room once 95 leaves (bucket 102).
    assert seconds_until_room({95: 20, 99: 10}, 100, 3.0, 30) == 17
    assert seconds_until_room({100: 30}, 100, 0.5, 30) == 70  # all of it just now: the whole window
    assert seconds_until_room({99: 1}, 100, 9.9, 30) == 1  # room already: a second at least
    assert check(QUOTAS[QuotaKind.RECORDS], 31, 31) == "user" and check(QUOTAS[QuotaKind.RECORDS], 30, 601) == "tenant"
    # Several at once wait until there is room for all of them: 25 more of 30 need bucket 99's 10 gone too.
    assert seconds_until_room({95: 20, 99: 10}, 100, 3.0, 30, amount=25) == 57
    # An hour's quota (the import rows') counts 360 buckets before its own, in the same 10-second buckets.
    hour = QUOTAS[QuotaKind.IMPORT_ROWS].window_buckets
    assert hour == 360 and counted({0: 8, 1: 2}, 360, hour) == 10 and counted({0: 8, 1: 2}, 361, hour) == 2
    assert seconds_until_room({0: 8}, 0, 3.0, 10, amount=5, window_buckets=hour) == 3607


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


STRICT = {
    "QUOTA_RECORDS_PER_PERSON": "3",
    "QUOTA_RECORDS_PER_ORG": "5",
    "QUOTA_IMPORT_ROWS_PER_PERSON": "10",
    "QUOTA_IMPORT_ROWS_PER_ORG": "15",
}


@pytest.fixture
async def strict(tmp_path: Any, database_url: str, aiohttp_client: Any, connector: tuple[FakeConnector, str]) -> Teams:
    """The bot as an operator configured it, with small quotas (environment variables, read once)."""
    fake, service_url = connector
    env = {
        "DATABASE_PATH": str(tmp_path / "crm.db"),
        "DATABASE_URL": database_url,
        "NOTIFY_WINDOW_SECONDS": "0",
        "FILE_DOWNLOAD_HOSTS": fake.files.base_url,  # the fake's files, as Teams' own hosts would serve them
    }
    return Teams(await aiohttp_client(create_app(Config.from_env(env | STRICT), delivery=FAST)), fake, service_url)


async def test_every_way_of_creating_a_record_spends_the_record_quota(strict: Teams) -> None:
    assert "L-1" in all_text(await strict.card(ALICE, "new lead One"))
    assert "O-1" in all_text(await strict.card(ALICE, "convert L-1"))  # a conversion creates an opportunity
    dialog = await fetch(strict, ALICE, "leadFromMessage")
    assert "L-2 created from the message" in str(await submit(strict, ALICE, "leadFromMessage", dialog_values(dialog)))
    said = await strict.text(ALICE, "convert L-2")
    assert "You created 3 records in the last minute, the most one person may" in said, said
    dialog = await fetch(strict, ALICE, "leadFromMessage")
    refused = str(await submit(strict, ALICE, "leadFromMessage", dialog_values(dialog)))
    assert "You created 3 records in the last minute" in refused, refused
    assert count(strict, "records") == 3 and strict.services.records.get_record(TENANT, "L-2").converted_to is None
    assert "L-3" in all_text(await strict.card(BOB, "new lead Bob's"))  # a colleague is not held up
    assert "L-4" in all_text(await strict.card(BOB, "new lead Bob's second"))
    refused = await strict.text(BOB, "new lead Bob's third")  # the organisation's 5 a minute
    assert "Your organisation created 5 records in the last minute" in refused


def rows_file(start: int, rows: int) -> bytes:
    lines = ["Name,Email"] + [f"Person {i},person{i}@import.example" for i in range(start, start + rows)]
    return "\n".join(lines).encode()


async def import_file(teams: Teams, person: Person, start: int, rows: int) -> str:
    replies = await send_file(teams, person, "contacts.csv", rows_file(start, rows))
    [post] = [r for r in replies if r.cards]
    card = CardInHand(teams, person, post.cards[0], post.id, "personal")
    await card.press("Import")
    return card.text if card.answer["type"] == CARD else str(card.answer["value"])


async def test_an_import_spends_its_rows_from_an_import_budget_of_its_own(strict: Teams) -> None:
    assert "8 added" in await import_file(strict, ALICE, 0, 8)
    refused = await import_file(strict, ALICE, 100, 5)
    assert "You imported 8 contacts in the last hour; these 5 would pass the 10 one person may" in refused, refused
    assert strict.services.contacts.count_contacts(TENANT) == 8
    assert "5 added" in await import_file(strict, BOB, 200, 5)
    refused = await import_file(strict, CAROL, 300, 3)
    assert "Your organisation imported 13 contacts in the last hour; these 3 would pass the 15 it may" in refused, (
        refused
    )
    assert strict.services.contacts.count_contacts(TENANT) == 13
    assert "Carol New" in all_text(await strict.card(CAROL, "new contact Carol New carol.new@x.example"))


def test_every_quota_sentence_speaks_the_readers_language(counters: Any) -> None:
    """Whole sentences per case (one more, several that would pass, more than the limit itself), translated,
    the wait in the singular or the plural."""
    quotas = counters(sized({QuotaKind.RECORDS: (2, 3), QuotaKind.CONTACTS: (2, 3), QuotaKind.IMPORT_ROWS: (10, 15)}))

    def refused(kind: QuotaKind, user_id: int, amount: int = 1) -> str:
        with pytest.raises(QuotaExceeded) as caught:
            quotas.spend(kind, TENANT, user_id, amount)
        return caught.value.message

    with speaking("de-DE"):
        quotas.spend(QuotaKind.IMPORT_ROWS, TENANT, 1, 8)
        assert refused(QuotaKind.IMPORT_ROWS, 1, 5) == (
            "Sie haben in der letzten Stunde 8 Kontakte importiert; diese 5 würden die 10 überschreiten, die eine"
            " Person in einer Stunde darf. Bitte versuchen Sie es in 61 Minuten erneut."
        )
    with speaking("pt-BR"):
        assert refused(QuotaKind.IMPORT_ROWS, 2, 20_000) == (
            "Estes 20.000 contatos são mais que 10, o máximo que uma pessoa pode importar em uma hora."
        )
    with speaking("pt-PT"):
        quotas.spend(QuotaKind.RECORDS, TENANT, 1)
        quotas.spend(QuotaKind.RECORDS, TENANT, 1)
        assert refused(QuotaKind.RECORDS, 1).startswith(
            "Criou 2 registos no último minuto, o máximo permitido por pessoa."
        )
        quotas.spend(QuotaKind.RECORDS, TENANT, 2)
        assert refused(QuotaKind.RECORDS, 3) == (
            "A sua organização criou 3 registos no último minuto, o máximo permitido. Tente de novo daqui a um minuto."
        )
    quotas.seconds = 3560.0  # the 8 rows leave the hour's window in 47 s
    with speaking("de-DE"):
        assert refused(QuotaKind.IMPORT_ROWS, 1, 5).endswith("Bitte versuchen Sie es in 1 Minute erneut.")
    quotas.seconds = 3604.0  # 3 s before they leave
    with speaking("pt-BR"):
        assert refused(QuotaKind.IMPORT_ROWS, 1, 3).endswith("Tente de novo em 1 minuto.")
    quotas.seconds = 3607.0
    quotas.spend(QuotaKind.IMPORT_ROWS, TENANT, 1, 10)  # they have: the whole hour's 10 again
