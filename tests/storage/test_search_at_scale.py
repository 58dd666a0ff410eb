"""The message extension's searches after migration 17 (prefix indexes up to 12 characters, newest first,
contact_search): on both backends, the same rows as a search always found, newest first, page by page,
never another tenant's, never an erased contact; on SQLite, an old database upgrades itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.domain.clock import utc_now
from bot.domain.models import Kind, Role, User, stages_for
from bot.services import CrmService
from storage.db import open_database
from storage.migrations import migrate
from storage.repository import Repository
from tests.conftest import ALICE, MALLORY, Person
from tests.storage.backends import open_any

# A word longer than the longest prefix index (12), typed in full and cut at every length.
LONG = "Konstantinopoulos"
THIRD_TENANT = "72f988bf-0000-4000-8000-00000000cccc"  # a tenant with no rows yet


@pytest.fixture
def services(database_path: str, database_url: str) -> Iterator[CrmService]:
    db = open_any(database_url, database_path)
    migrate(db)
    yield CrmService(Repository(db))
    db.close()


def person(services: CrmService, who: Person) -> User:
    return services.people.record_user(who.tenant_id, who.teams_id, who.aad_object_id, who.name, None)


def contact_names(services: CrmService, user: User, text: str, limit: int = 25, offset: int = 0) -> list[str]:
    return [c.name for c in services.messages.contacts_for_compose(user.tenant_id, text, limit, offset)]


def record_titles(services: CrmService, user: User, text: str, limit: int = 25, offset: int = 0) -> list[str]:
    return [r.title for r in services.messages.records_for_compose(user, text, limit, offset)]


def test_no_prefix_of_any_length_finds_another_tenants_rows(services: CrmService) -> None:
    alice, mallory = person(services, ALICE), person(services, MALLORY)
    mine = services.contacts.create_contact(alice, f"Marta {LONG}", "marta@contoso.example", company="Margate")
    theirs = services.contacts.create_contact(mallory, f"Marek {LONG}", "marek@fabrikam.example", company="Margate")
    services.records.create_record(alice, Kind.LEAD, f"Margate {LONG} rollout", "Margate")
    services.records.create_record(mallory, Kind.LEAD, f"Margate {LONG} rival", "Margate")
    services.records.set_contact(alice, "L-1", mine.id)
    services.records.set_contact(mallory, "L-1", theirs.id)
    for word in ("margate", LONG.lower()):
        for length in range(1, len(word) + 1):
            typed = word[:length]
            assert contact_names(services, alice, typed) == [f"Marta {LONG}"], typed
            assert contact_names(services, mallory, typed) == [f"Marek {LONG}"], typed
            assert record_titles(services, alice, typed) == [f"Margate {LONG} rollout"], typed
            assert record_titles(services, mallory, typed) == [f"Margate {LONG} rival"], typed
    assert contact_names(services, alice, "marek") == [] and record_titles(services, alice, "marek") == []
    newcomer = person(services, Person("29:new", "aad-new", "New Tenant", "n@x.example", THIRD_TENANT))
    assert contact_names(services, newcomer, "m") == [] and record_titles(services, newcomer, "margate") == []
    assert contact_names(services, alice, "fabrikam") == [] and contact_names(services, mallory, "marta") == []


def test_contacts_come_newest_first_page_by_page_and_follow_edits(services: CrmService) -> None:
    alice = person(services, ALICE)
    made = [
        services.contacts.create_contact(alice, f"Paula Page{i:02d}", f"paula{i}@contoso.example") for i in range(30)
    ]
    services.contacts.create_contact(alice, "Someone Else", "else@fabrikam.example")
    newest_first = [c.name for c in reversed(made)]
    assert contact_names(services, alice, "paula") == newest_first[:25]
    assert contact_names(services, alice, "pau con", 25, 25) == newest_first[25:]
    assert contact_names(services, alice, "page0") == newest_first[20:]  # Page00 .. Page09
    assert contact_names(services, alice, "paula page17") == ["Paula Page17"]
    services.contact_care.edit_contact(
        alice, made[17].id, {"name": "Renamed Person", "email": "renamed@northwind.example"}
    )
    assert contact_names(services, alice, "page17") == [] and contact_names(services, alice, "northwind") == [
        "Renamed Person"
    ]
    services.contact_care.erase_contact(alice, made[3].id)
    assert "Paula Page03" not in contact_names(services, alice, "paula", 50)
    assert contact_names(services, alice, "erased") == [] and contact_names(services, alice, "paula3") == []
    assert contact_names(services, alice, '" * NEAR( -') == [] and contact_names(services, alice, "zzz") == []


def test_records_come_newest_first_page_by_page(services: CrmService) -> None:
    alice = person(services, ALICE)
    for i in range(30):
        services.records.create_record(alice, Kind.LEAD, f"Renewal {i:02d}", "Contoso")
    titles = [f"Renewal {i:02d}" for i in reversed(range(30))]
    assert record_titles(services, alice, "renewal") == titles[:25]
    assert record_titles(services, alice, "ren cont", 25, 25) == titles[25:]
    assert record_titles(services, alice, "r") == titles[:25] and record_titles(services, alice, "renewal 1") == [
        f"Renewal {i}" for i in ("19", "18", "17", "16", "15", "14", "13", "12", "11", "10")
    ]


def test_migration_17_upgrades_an_old_database(tmp_path: Path) -> None:
    db = open_database(str(tmp_path / "old.db"))
    migrate(db, upto=14)  # every migration before 17, so today's code can write the rows
    services = CrmService(Repository(db))
    alice, mallory = person(services, ALICE), person(services, MALLORY)
    jane = services.contacts.create_contact(alice, "Jane Buyer", "jane@contoso.example", company="Contoso")
    gone = services.contacts.create_contact(alice, "Janet Gone", "janet@contoso.example")
    services.contacts.create_contact(mallory, "Jane Elsewhere", "jane@fabrikam.example")
    old_record(services, alice, "Rollout", "Northwind", contact=jane.id)
    old_record(services, alice, "Pilot", "Northwind")
    with services.repo.transaction():  # erased before the upgrade (the erasure of that time, by hand)
        services.repo.db.execute(
            "UPDATE contacts SET name = 'erased contact', email = NULL, erased_at = '2026-01-01' WHERE id = ?",
            [gone.id],
        )
    assert migrate(db, upto=17) == [17]
    assert record_titles(services, alice, "northwind") == ["Pilot", "Rollout"]
    assert record_titles(services, alice, "jane") == ["Rollout"] and record_titles(services, mallory, "jane") == []
    assert contact_names(services, alice, "jan") == ["Jane Buyer"]
    assert contact_names(services, mallory, "jan") == ["Jane Elsewhere"]
    assert contact_names(services, alice, "erased") == []
    assert [c.name for c in services.contacts.search_contacts(alice.tenant_id, "jan")] == ["Jane Buyer"]  # contacts_fts
    fts = "SELECT count(*) FROM contacts_fts WHERE contacts_fts MATCH 'erased'"
    assert db.execute(fts).fetchone()[0] == 0  # rebuilt without the erased row, as the erasure left it
    # Written after the upgrade: found through the new triggers.
    old_record(services, alice, "Northwind expansion", "Northwind")
    assert record_titles(services, alice, "northw", 1) == ["Northwind expansion"]
    for table in ("record_search", "contact_search", "contacts_fts"):
        db.execute(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")


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
