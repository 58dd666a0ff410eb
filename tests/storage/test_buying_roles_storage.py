"""Buying roles in the database: an older database gains the column with every role empty, the
column takes only known roles, and the queries stay inside their tenant."""

from pathlib import Path

import pytest

from bot.domain.buying import BuyingRole
from bot.domain.models import Kind
from storage.db import open_database, transaction
from storage.migrations import migrate
from storage.repository import Repository

NOW = "2026-11-23T12:00:00.000000Z"


def deal_with_people(repo: Repository, tenant: str) -> tuple[int, list[int]]:
    with repo.transaction():
        repo.people.ensure_tenant(tenant, None, NOW)
        owner = repo.people.upsert_user(tenant, f"29:{tenant}", f"aad-{tenant}", "Owner", NOW).id
        record = repo.records.insert_record(tenant, Kind.OPPORTUNITY, "Deal", "Proposal", owner, NOW)
        people = [
            repo.contacts.insert_contact(tenant, f"P{i}", f"p{i}@{tenant}.example", None, None, None, owner, NOW).id
            for i in range(2)
        ]
        repo.records.set_role(tenant, record.id, people[0], "contact", owner, NOW)
        repo.records.set_role(tenant, record.id, people[1], "participant", owner, NOW)
    return record.id, people


def test_an_existing_database_gets_the_column_with_roles_empty(tmp_path: Path) -> None:
    path = str(tmp_path / "old.db")
    old = open_database(path)
    migrate(old, upto=5)
    with transaction(old):  # rows as the code of that time wrote them (today's queries need later columns)
        old.execute("INSERT INTO tenants (id, created_at) VALUES ('t', ?)", [NOW])
        owner = old.execute(
            "INSERT INTO users (tenant_id, teams_id, name, created_at, updated_at) VALUES ('t', '29:t', 'O', ?, ?)",
            [NOW, NOW],
        ).lastrowid
        record_id = int(
            old.execute(
                "INSERT INTO records (tenant_id, kind, number, title, stage, owner_id, created_at, updated_at)"
                " VALUES ('t', 'opportunity', 1, 'Deal', 'Proposal', ?, ?, ?)",
                [owner, NOW, NOW],
            ).lastrowid
            or 0
        )
        people: list[int] = []
        for i, role in enumerate(("contact", "participant")):
            contact_id = old.execute(
                "INSERT INTO contacts (tenant_id, name, email, created_at) VALUES ('t', ?, ?, ?)",
                [f"P{i}", f"p{i}@t.example", NOW],
            ).lastrowid
            old.execute(
                "INSERT INTO record_contacts (tenant_id, record_id, contact_id, role, added_by, added_at)"
                " VALUES ('t', ?, ?, ?, ?, ?)",
                [record_id, contact_id, role, owner, NOW],
            )
            people.append(int(contact_id or 0))
    old.close()

    repo = Repository(open_database(path))
    # up to 18: migration 19 leaves the buying role to the domain (test_migration_files checks that refusal)
    assert 7 in migrate(repo.db, upto=18)
    assert [(c.id, role) for _, c, role in repo.buying.record_people_with_roles("t", record_id)] == [
        (people[0], None),
        (people[1], None),
    ]
    assert repo.buying.without_signer("t", [record_id]) == {record_id} and not repo.buying.has_signer("t", record_id)
    with pytest.raises(ValueError), transaction(repo.db):  # the domain names the roles (migration 19)
        repo.buying.set_buying_role("t", record_id, people[0], "boss")  # type: ignore[arg-type]


def test_roles_stay_in_their_tenant_and_move_with_the_person(tmp_path: Path) -> None:
    repo = Repository(open_database(str(tmp_path / "crm.db")))
    migrate(repo.db)
    ours, (contact, participant) = deal_with_people(repo, "t")
    theirs, (their_contact, _) = deal_with_people(repo, "u")
    with repo.transaction():
        assert repo.buying.set_buying_role("t", ours, participant, BuyingRole.ECONOMIC_BUYER)
        assert not repo.buying.set_buying_role("t", theirs, their_contact, BuyingRole.CHAMPION)  # another tenant's row
        assert not repo.buying.set_buying_role("u", ours, participant, BuyingRole.CHAMPION)
        repo.records.set_role("t", ours, contact, "participant", 1, NOW)  # the participant becomes the Contact
        repo.records.set_role("t", ours, participant, "contact", 1, NOW)
    roles = {c.id: (place, role) for place, c, role in repo.buying.record_people_with_roles("t", ours)}
    assert roles[participant] == ("contact", BuyingRole.ECONOMIC_BUYER) and roles[contact] == ("participant", None)
    assert repo.buying.has_signer("t", ours) and not repo.buying.has_signer("u", theirs)
    assert repo.buying.without_signer("t", [ours, theirs]) == set()  # their record is not ours to report on
    assert repo.buying.without_signer("u", [ours, theirs]) == {theirs}
