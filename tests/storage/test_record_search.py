"""The message extension's record search index (migration 10): a record is found by its title, company and
its Contact's name, email or company, kept right by triggers as those change, and only in its own tenant."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.clock import utc_now
from bot.domain.models import Kind, Role, User, stages_for
from bot.services import CrmService
from storage.db import open_database
from storage.migrations import migrate
from storage.repository import Repository
from tests.conftest import ALICE, MALLORY


def found(services: CrmService, user: User, text: str) -> list[str]:
    return [r.ref for r in services.messages.records_for_compose(user, text, 25)]


def test_the_index_follows_the_contact_of_each_record(services: CrmService, make_user: Callable[..., User]) -> None:
    alice, mallory = make_user(ALICE), make_user(MALLORY)
    jane = services.contacts.create_contact(alice, "Jane Buyer", "jane@contoso.example", company="Contoso")
    carl = services.contacts.create_contact(alice, "Carl Other", "carl@fabrikam.example", company="Fabrikam")
    services.records.create_record(alice, Kind.LEAD, "Rollout", "Northwind")
    services.records.create_record(mallory, Kind.LEAD, "Jane's rival", "Contoso")
    assert found(services, alice, "northwind") == ["L-1"] and found(services, alice, "jane") == []
    services.records.set_contact(alice, "L-1", jane.id)
    assert found(services, alice, "jane") == found(services, alice, "contoso") == ["L-1"]
    services.records.set_contact(alice, "L-1", carl.id)  # Jane becomes a participant: no longer found as the Contact
    assert found(services, alice, "jane") == [] and found(services, alice, "fabrikam") == ["L-1"]
    with services.repo.transaction():
        services.repo.db.execute("UPDATE contacts SET name = 'Carla Renamed' WHERE id = ?", [carl.id])
    assert found(services, alice, "carla") == ["L-1"] and found(services, alice, "carl") == ["L-1"]
    with services.repo.transaction():
        services.repo.db.execute("DELETE FROM record_contacts WHERE contact_id = ?", [carl.id])
    assert found(services, alice, "carla") == []
    assert found(services, mallory, "contoso") == ["L-1"] and found(services, mallory, "northwind") == []


def test_migration_10_indexes_the_records_already_there() -> None:
    db = open_database(":memory:")
    migrate(db, upto=9)  # every migration before the search index, so today's code can write the rows
    services = CrmService(Repository(db))
    alice = services.people.record_user(ALICE.tenant_id, ALICE.teams_id, ALICE.aad_object_id, ALICE.name, None)
    jane = services.contacts.create_contact(alice, "Jane Buyer", "jane@contoso.example")
    old_record(services, alice, "Rollout", contact=jane.id)
    assert migrate(db, upto=10) == [10]
    row = db.execute("SELECT rowid FROM record_search WHERE record_search MATCH 'jane'").fetchone()
    assert row == (1,)  # migration 10's index (rowid = id); migration 17 makes it again, from the tables
    assert 17 in migrate(db)  # and whatever else came after 10
    assert [r.ref for r in services.repo.extension.find_records(ALICE.tenant_id, "jane", 5)] == ["L-1"]


def old_record(
    services: CrmService, owner: User, title: str, company: str | None = None, contact: int | None = None
) -> None:
    """A lead as today's queries write it, on a database migrated only so far: today's record view (what the
    services answer with) also reads migration 30's meetings, which such a database has not got yet."""
    with services.repo.transaction():
        now = utc_now()
        record = services.repo.records.insert_record(
            owner.tenant_id, Kind.LEAD, title, stages_for(Kind.LEAD)[0], owner.id, now, company=company
        )
        if contact is not None:
            services.repo.records.set_role(owner.tenant_id, record.id, contact, Role.CONTACT.value, owner.id, now)
