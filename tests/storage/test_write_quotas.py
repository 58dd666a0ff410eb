"""Write quotas hold for the whole deployment (issue 30): two service instances on one database (as two
replicas on one PostgreSQL, or two processes on one SQLite file) spend from the same counters, one
statement a spend, in the change's transaction."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.domain.clock import parse_time, shifted, utc_now
from bot.domain.errors import DomainError
from bot.domain.models import Kind, User
from bot.domain.quotas import QuotaExceeded, QuotaKind, sized
from bot.services import CrmService
from storage.migrations import migrate
from storage.repository import Repository
from tests.storage.backends import open_any

TENANT = "72f988bf-0000-4000-8000-00000000aaaa"
OTHER = "72f988bf-0000-4000-8000-00000000bbbb"
START = "2026-11-23T12:00:03.000000Z"  # 3 s into a 10-second bucket


class Clock:
    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> str:
        return shifted(START, self.seconds)


@pytest.fixture
def replicas(tmp_path: Path, database_url: str) -> Iterator[tuple[CrmService, CrmService, Clock]]:
    """Two instances, each with a database connection (a pool on PostgreSQL) of its own, on one database:
    3 records a minute per person, 5 per organisation."""
    clock = Clock()
    quotas = sized({QuotaKind.RECORDS: (3, 5), QuotaKind.CONTACTS: (2, 10)})
    dbs = [open_any(database_url, str(tmp_path / "crm.db")) for _ in range(2)]
    migrate(dbs[0])
    first, second = (CrmService(Repository(db), clock, quotas=quotas) for db in dbs)
    yield first, second, clock
    for db in dbs:
        db.close()


def person(services: CrmService, name: str, tenant: str = TENANT) -> User:
    return services.people.record_user(tenant, f"29:{name}", None, name.title(), None)


def records(services: CrmService, tenant: str = TENANT) -> int:
    return len(services.records.list_records(tenant, None, 100))


def test_a_persons_and_an_organisations_quota_hold_across_two_replicas(
    replicas: tuple[CrmService, CrmService, Clock],
) -> None:
    a, b, clock = replicas
    alice_on_a, alice_on_b, bob_on_b = person(a, "alice"), person(b, "alice"), person(b, "bob")
    a.records.create_record(alice_on_a, Kind.LEAD, "One")
    b.records.create_record(alice_on_b, Kind.LEAD, "Two")
    clock.seconds = 25  # a later bucket, still inside the minute
    a.records.create_record(alice_on_a, Kind.LEAD, "Three")
    for replica, alice in ((a, alice_on_a), (b, alice_on_b)):
        with pytest.raises(QuotaExceeded, match="You created 3 records in the last minute") as refused:
            replica.records.create_record(alice, Kind.LEAD, "One too many")
        # The first two (3 s into bucket 0) leave the count when bucket 7 begins: 67 s after them, 42 from now.
        assert "Please try again in 42 seconds." in refused.value.message
    b.records.create_record(bob_on_b, Kind.LEAD, "Bob's")
    a.records.create_record(person(a, "bob"), Kind.LEAD, "Bob's second")  # the organisation's fifth
    with pytest.raises(QuotaExceeded, match="Your organisation created 5 records in the last minute"):
        b.records.create_record(bob_on_b, Kind.LEAD, "Sixth")
    a.records.create_record(person(a, "carol", OTHER), Kind.LEAD, "Elsewhere")  # another organisation is not held up
    assert records(a) == records(b) == 5
    clock.seconds = 25 + 41
    with pytest.raises(QuotaExceeded, match=r"try again in 1 second\."):
        b.records.create_record(alice_on_b, Kind.LEAD, "Early")
    clock.seconds = 25 + 42
    b.records.create_record(alice_on_b, Kind.LEAD, "Later")  # the morning's first two are out of the window
    assert records(a) == 6


def test_a_refused_or_failed_create_counts_nothing(replicas: tuple[CrmService, CrmService, Clock]) -> None:
    a, b, _ = replicas
    alice = person(a, "alice")
    a.contacts.create_contact(alice, "Ann", "ann@contoso.example")
    for _ in range(3):  # refused inside the transaction: its spend goes with it
        with pytest.raises(DomainError, match="already has the email"):
            b.contacts.create_contact(person(b, "alice"), "Ann again", "ann@contoso.example")
    b.contacts.create_contact(person(b, "alice"), "Ben", "ben@contoso.example")  # the second of two
    with pytest.raises(QuotaExceeded, match="You created 2 contacts"):
        a.contacts.create_contact(alice, "Cleo")
    bucket = a.repo.quotas.buckets(TENANT, QuotaKind.CONTACTS, alice.id, 0)
    assert list(bucket.values()) == [2]


def test_replicas_creating_at_once_create_no_more_than_the_quota(
    replicas: tuple[CrmService, CrmService, Clock],
) -> None:
    """Each replica's thread creates as fast as it can: the counters' rows are locked per spend, so the
    two together make exactly the quota, and everyone else is told."""
    a, b, _ = replicas
    made, refused = [], []
    start = threading.Barrier(2)

    def create(services: CrmService) -> None:
        alice = person(services, "alice")
        start.wait(timeout=30)
        for i in range(5):
            try:
                made.append(services.records.create_record(alice, Kind.LEAD, f"Deal {i}"))
            except QuotaExceeded:
                refused.append(i)

    threads = [threading.Thread(target=create, args=(services,)) for services in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert (len(made), len(refused), records(a)) == (3, 7, 3)


def test_housekeeping_forgets_the_counters_no_spend_counts_any_more(
    replicas: tuple[CrmService, CrmService, Clock],
) -> None:
    a, _, clock = replicas
    alice = person(a, "alice")
    a.records.create_record(alice, Kind.LEAD, "Weeks ago")  # START is in the past of the housekeeping's clock
    clock.seconds = (parse_time(utc_now()) - parse_time(START)).total_seconds()
    a.records.create_record(alice, Kind.LEAD, "Now")
    assert a.people.prune_history()["quota counters"] == 2  # alice's old bucket and her organisation's
    assert a.people.prune_history()["quota counters"] == 0  # this minute's stay
    with pytest.raises(QuotaExceeded):  # and still count: 3 a minute
        for title in ("Two", "Three", "Four"):
            a.records.create_record(alice, Kind.LEAD, title)


def test_an_amount_of_import_rows_is_spent_at_once_and_holds_for_an_hour_across_replicas(
    replicas: tuple[CrmService, CrmService, Clock],
) -> None:
    """The hourly kind in the same 10-second buckets: a whole import's rows in one spend, refused whole."""
    a, b, clock = replicas
    alice_on_a, alice_on_b = person(a, "alice"), person(b, "alice")

    def spend(services: CrmService, user: User, amount: int) -> None:
        with services.repo.transaction():
            services.quotas.spend(QuotaKind.IMPORT_ROWS, TENANT, user.id, amount)

    a.quotas.quotas[QuotaKind.IMPORT_ROWS] = b.quotas.quotas[QuotaKind.IMPORT_ROWS] = sized(
        {QuotaKind.IMPORT_ROWS: (10, 15)}
    )[QuotaKind.IMPORT_ROWS]
    spend(a, alice_on_a, 8)
    with pytest.raises(QuotaExceeded, match="You imported 8 contacts in the last hour; these 5 would pass the 10"):
        spend(b, alice_on_b, 5)
    with pytest.raises(QuotaExceeded, match="These 11 contacts are more than 10"):
        spend(b, alice_on_b, 11)
    spend(b, alice_on_b, 2)  # what is left of her hour, on the other replica
    assert list(a.repo.quotas.buckets(TENANT, QuotaKind.IMPORT_ROWS, alice_on_a.id, 0).values()) == [10]
    clock.seconds = 3600 + 3  # an hour since, but the first bucket is still counted (3,600 to 3,610 s)
    with pytest.raises(QuotaExceeded, match=r"try again in 1 minute\."):
        spend(a, alice_on_a, 1)
    clock.seconds = 3600 + 7  # 3 s into the first bucket, plus 3,607: it has left the window
    spend(a, alice_on_a, 10)
