"""Buying roles in the database: an older database gains the column with every role empty, the
column takes only known roles, and the queries stay inside their tenant."""

import sqlite3
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
        repo.ensure_tenant(tenant, None, NOW)
        owner = repo.upsert_user(tenant, f"29:{tenant}", f"aad-{tenant}", "Owner", NOW).id
        record = repo.insert_record(tenant, Kind.OPPORTUNITY, "Deal", "Proposal", owner, NOW)
        people = [
            repo.insert_contact(tenant, f"P{i}", f"p{i}@{tenant}.example", None, None, None, owner, NOW).id
            for i in range(2)
        ]
        repo.set_role(tenant, record.id, people[0], "contact", owner, NOW)
        repo.set_role(tenant, record.id, people[1], "participant", owner, NOW)
    return record.id, people


def test_an_existing_database_gets_the_column_with_roles_empty(tmp_path: Path) -> None:
    path = str(tmp_path / "old.db")
    old = open_database(path)
    migrate(old, upto=5)
    record_id, people = deal_with_people(Repository(old), "t")
    old.close()

    repo = Repository(open_database(path))
    assert 7 in migrate(repo.db)
    assert [(c.id, role) for _, c, role in repo.record_people_with_roles("t", record_id)] == [
        (people[0], None),
        (people[1], None),
    ]
    assert repo.without_signer("t", [record_id]) == {record_id} and not repo.has_signer("t", record_id)
    with pytest.raises(sqlite3.IntegrityError), transaction(repo.db):
        repo.db.execute("UPDATE record_contacts SET buying_role = 'boss' WHERE record_id = ?", [record_id])


def test_roles_stay_in_their_tenant_and_move_with_the_person(tmp_path: Path) -> None:
    repo = Repository(open_database(str(tmp_path / "crm.db")))
    migrate(repo.db)
    ours, (contact, participant) = deal_with_people(repo, "t")
    theirs, (their_contact, _) = deal_with_people(repo, "u")
    with repo.transaction():
        assert repo.set_buying_role("t", ours, participant, BuyingRole.ECONOMIC_BUYER)
        assert not repo.set_buying_role("t", theirs, their_contact, BuyingRole.CHAMPION)  # another tenant's row
        assert not repo.set_buying_role("u", ours, participant, BuyingRole.CHAMPION)
        repo.set_role("t", ours, contact, "participant", 1, NOW)  # the participant becomes the Contact
        repo.set_role("t", ours, participant, "contact", 1, NOW)
    roles = {c.id: (place, role) for place, c, role in repo.record_people_with_roles("t", ours)}
    assert roles[participant] == ("contact", BuyingRole.ECONOMIC_BUYER) and roles[contact] == ("participant", None)
    assert repo.has_signer("t", ours) and not repo.has_signer("u", theirs)
    assert repo.without_signer("t", [ours, theirs]) == set()  # their record is not ours to report on
    assert repo.without_signer("u", [ours, theirs]) == {theirs}
