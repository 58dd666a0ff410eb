"""The storage layer on both backends (SQLite's pragmas and plans on SQLite): migrations, search,
indexes on hot paths, tenant scoping."""

from pathlib import Path

import pytest

from bot.domain.models import Kind
from storage.migrations import MIGRATIONS, migrate
from storage.repository import Repository, fts_query
from tests.storage.backends import open_any

NOW = "2026-11-23T12:00:00.000000Z"


sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def seed(repo: Repository, tenant: str) -> int:
    with repo.transaction():
        repo.people.ensure_tenant(tenant, None, NOW)
        return repo.people.upsert_user(tenant, f"29:{tenant}", f"aad-{tenant}", "Owner", NOW).id


@sqlite_only
def test_the_file_is_set_up_for_many_readers_and_one_writer(repo: Repository) -> None:
    db = repo.db
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_migrations_run_once_and_an_old_database_upgrades_itself(tmp_path: Path, database_url: str) -> None:
    path = str(tmp_path / "old.db")
    old = open_any(database_url, path)
    if database_url:  # the test's database comes migrated: start again from nothing
        old.execute("DROP SCHEMA public CASCADE")
        old.execute("CREATE SCHEMA public")
    assert migrate(old, upto=1) == [1]
    with Repository(old).transaction():
        old.execute("INSERT INTO tenants (id, created_at) VALUES ('t', ?)", [NOW])
        old.execute(
            "INSERT INTO contacts (tenant_id, name, email, created_at) VALUES ('t', 'Jane Buyer', 'j@a.example', ?)",
            [NOW],
        )
    old.close()

    upgraded = open_any(database_url, path)
    assert migrate(upgraded) == [n for n, _, _ in MIGRATIONS if n > 1]
    assert migrate(upgraded) == []
    assert [c.name for c in Repository(upgraded).contacts.search_contacts("t", "buy")] == ["Jane Buyer"]
    upgraded.close()


def test_search_text_can_never_break_the_query(repo: Repository) -> None:
    user = seed(repo, "t")
    with repo.transaction():
        repo.contacts.insert_contact("t", "Jane Buyer", "jane@acme.example", None, "Acme", None, user, NOW)
    for text in ['"', "NEAR(", "jane AND", "*", "^jane", "a OR b NOT c", "') ; DROP TABLE contacts; --", "ｊａｎｅ"]:
        repo.contacts.search_contacts("t", text)
        repo.records.search_records("t", text)
    assert fts_query("  ") is None
    assert [c.name for c in repo.contacts.search_contacts("t", "acme")] == ["Jane Buyer"]  # company
    assert [c.name for c in repo.contacts.search_contacts("t", "jane@acme")] == ["Jane Buyer"]  # email


def test_every_lookup_is_scoped_by_tenant(repo: Repository) -> None:
    a = seed(repo, "a")
    seed(repo, "b")
    with repo.transaction():
        contact = repo.contacts.insert_contact("a", "Jane", "jane@acme.example", None, None, None, a, NOW)
        record = repo.records.insert_record("a", Kind.LEAD, "Deal", "New", a, NOW)
        repo.follows.add_follower("a", record.id, a, NOW)
        repo.records.set_role("a", record.id, contact.id, "contact", a, NOW)
    assert repo.contacts.get_contact("b", contact.id) is None
    assert repo.contacts.contact_by_email("b", "jane@acme.example") is None
    assert repo.contacts.contacts_named("b", "Jane") == [] and repo.contacts.search_contacts("b", "jane") == []
    assert repo.records.get_record("b", record.id) is None and repo.records.record_by_number("b", Kind.LEAD, 1) is None
    assert repo.records.list_records("b", None) == [] and repo.records.search_records("b", "deal") == []
    assert (
        repo.follows.followers("b", record.id) == [] and repo.records.record_contacts("b", record.id, "contact") == []
    )
    assert repo.records.role_of("b", record.id, contact.id) is None and repo.records.timeline("b", record.id) == []
    assert repo.people.get_user("b", a) is None and repo.records.records_of_user("b", a) == []


def test_the_database_refuses_rows_that_cross_tenants(repo: Repository) -> None:
    a, b = seed(repo, "a"), seed(repo, "b")
    with repo.transaction():
        record = repo.records.insert_record("a", Kind.LEAD, "Deal", "New", a, NOW)
    with pytest.raises(Exception, match=r"(?i)FOREIGN KEY"), repo.transaction():
        repo.follows.add_follower("b", record.id, b, NOW)  # a follower row claiming tenant b for tenant a's record
    with pytest.raises(Exception, match=r"(?i)FOREIGN KEY"), repo.transaction():
        repo.follows.add_follower("a", record.id, b, NOW)  # tenant b's user on tenant a's record


def test_a_failed_transaction_leaves_nothing_behind(repo: Repository) -> None:
    user = seed(repo, "t")
    with pytest.raises(RuntimeError), repo.transaction():
        repo.records.insert_record("t", Kind.LEAD, "Half", "New", user, NOW)
        raise RuntimeError("boom")
    assert repo.records.list_records("t", None) == []


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        ("SELECT * FROM records r WHERE r.tenant_id = ? AND r.kind = ? AND r.number = ?", ["t", "lead", 1]),
        ("SELECT * FROM contacts WHERE tenant_id = ? AND email = ? COLLATE NOCASE", ["t", "x@y.example"]),
        ("SELECT * FROM contacts WHERE tenant_id = ? AND name = ? COLLATE NOCASE", ["t", "Jane"]),
        (
            "SELECT * FROM records r WHERE r.tenant_id = ? AND r.kind IN (?) ORDER BY r.updated_at DESC LIMIT 25",
            ["t", "lead"],
        ),
        ("SELECT * FROM followers WHERE tenant_id = ? AND record_id = ?", ["t", 1]),
        ("SELECT * FROM events e WHERE e.tenant_id = ? AND e.record_id = ? ORDER BY e.id DESC LIMIT 5", ["t", 1]),
        ("SELECT * FROM record_contacts WHERE tenant_id = ? AND record_id = ? AND role = ?", ["t", 1, "contact"]),
    ],
)
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_hot_paths_use_an_index(repo: Repository, sql: str, params: list[object]) -> None:
    plan = " | ".join(row[-1] for row in repo.db.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall())
    assert "USING" in plan and "SCAN records" not in plan and "SCAN contacts" not in plan, plan
    assert "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize("fill", [0, 2100])
def test_contact_search_pages_alphabetically_whether_matches_are_few_or_many(repo: Repository, fill: int) -> None:
    user = seed(repo, "t")
    seed(repo, "u")
    with repo.transaction():
        for i in range(fill):  # another tenant's namesakes push the search onto the many-matches path
            repo.contacts.insert_contact("u", f"Mara Other{i}", None, None, None, None, None, NOW)
        for name in ("Marta Zed", "mark Able", "Maria Beta", "Bob Mar", "Zoe Smith"):
            repo.contacts.insert_contact("t", name, None, None, None, None, user, NOW)
    first = repo.contacts.search_contacts("t", "mar", limit=2)
    rest = repo.contacts.search_contacts("t", "mar", limit=10, offset=2)
    assert [c.name for c in first + rest] == ["Bob Mar", "Maria Beta", "mark Able", "Marta Zed"]
    assert all(c.tenant_id == "t" for c in first + rest)


def test_only_known_columns_of_a_record_can_be_touched(repo: Repository) -> None:
    owner = seed(repo, "t")
    with repo.transaction():
        record = repo.records.insert_record("t", Kind.LEAD, "Acme", "New", owner, NOW)
    with pytest.raises(ValueError, match="owner_id"), repo.transaction():
        repo.records.touch_record("t", record.id, NOW, stage="Won", owner_id=2)
    assert repo.records.get_record("t", record.id) == record
