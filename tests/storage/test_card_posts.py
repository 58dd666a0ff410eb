"""The posted cards the card updater reads (storage/posts.py `card_posts_of`), on both backends: for many
records in one query, each record's newest posts (at most `limit`, newest first) with its version; records
without posts and other tenants' records are not in the answer; a long list of records is read in chunks."""

from __future__ import annotations

from bot.domain.models import Kind
from storage.repository import Repository
from tests.storage.test_storage import NOW, seed


def test_each_records_newest_posts_and_its_version(repo: Repository) -> None:
    owner = seed(repo, "t")
    other_owner = seed(repo, "u")
    with repo.transaction():
        busy, quiet, unposted = (
            repo.records.insert_record("t", Kind.LEAD, f"R{n}", "new", owner, NOW) for n in range(3)
        )
        elsewhere = repo.records.insert_record("u", Kind.LEAD, "Theirs", "new", other_owner, NOW)
        for n in range(7):
            repo.posts.add_card_post("t", busy.id, f"c{n % 2}", f"m{n}", "https://smba/", n % 2 == 1, owner, NOW)
        repo.posts.add_card_post("t", quiet.id, "c0", "q0", "https://smba/", False, None, NOW)
        repo.posts.add_card_post("u", elsewhere.id, "c9", "x0", "https://smba/", False, None, NOW)
        repo.records.touch_record("t", quiet.id, NOW)  # version 2
    found = repo.posts.card_posts_of("t", [busy.id, quiet.id, unposted.id, elsewhere.id], 5)
    assert set(found) == {busy.id, quiet.id}  # no posts, or another tenant's record: not there
    posts, version = found[busy.id]
    assert [p.activity_id for p in posts] == ["m6", "m5", "m4", "m3", "m2"] and version == 1
    assert posts[0].conversation_id == "c0" and not posts[0].shared and posts[0].viewer_id == owner
    assert posts[1].shared and all(p.tenant_id == "t" and p.record_id == busy.id for p in posts)
    posts, version = found[quiet.id]
    assert [p.activity_id for p in posts] == ["q0"] and version == 2
    assert repo.posts.card_posts_of("t", [], 5) == {}


def test_a_long_list_of_records_is_read_whole(repo: Repository) -> None:
    owner = seed(repo, "t")
    with repo.transaction():
        records = [repo.records.insert_record("t", Kind.LEAD, f"R{n}", "new", owner, NOW) for n in range(1_050)]
        for record in records[::50]:
            repo.posts.add_card_post("t", record.id, "c", f"m{record.id}", "https://smba/", False, None, NOW)
    found = repo.posts.card_posts_of("t", [r.id for r in records], 5)
    assert sorted(found) == [r.id for r in records[::50]]  # 21 records, across three chunks of ids
