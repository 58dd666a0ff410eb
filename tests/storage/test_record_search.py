"""The message extension's record search index (migration 10): a record is found by its title, company and
its Contact's name, email or company, kept right by triggers as those change, and only in its own tenant."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.models import Kind, User
from bot.services import CrmService
from storage.db import open_database, transaction
from storage.migrations import migrate
from storage.repository import Repository
from tests.conftest import ALICE, MALLORY
from tests.storage.backends import old_rows


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
    migrate(db, upto=9)  # every migration before the search index, and the rows the code of that time wrote
    now, tenant = "2026-01-01T00:00:00+00:00", ALICE.tenant_id
    with transaction(db):
        old_rows(db, "tenants", [{"id": tenant, "created_at": now}])
        old_rows(db, "users", [{"id": 1, "tenant_id": tenant, "teams_id": ALICE.teams_id, "name": ALICE.name,
                                "created_at": now, "updated_at": now}])  # fmt: skip
        old_rows(db, "contacts", [{"id": 1, "tenant_id": tenant, "name": "Jane Buyer", "email": "jane@contoso.example",
                                   "created_by": 1, "created_at": now}])  # fmt: skip
        old_rows(db, "records", [{"id": 1, "tenant_id": tenant, "kind": "lead", "number": 1, "title": "Rollout",
                                  "stage": "New", "owner_id": 1, "created_at": now, "updated_at": now}])  # fmt: skip
        old_rows(db, "record_contacts", [{"tenant_id": tenant, "record_id": 1, "contact_id": 1, "role": "contact",
                                          "added_by": 1, "added_at": now}])  # fmt: skip
    assert migrate(db, upto=10) == [10]
    row = db.execute("SELECT rowid FROM record_search WHERE record_search MATCH 'jane'").fetchone()
    assert row == (1,)  # migration 10's index (rowid = id); migration 17 makes it again, from the tables
    assert 17 in migrate(db)  # and whatever else came after 10
    services = CrmService(Repository(db))
    assert [r.ref for r in services.repo.extension.find_records(ALICE.tenant_id, "jane", 5)] == ["L-1"]
