"""Migrations never change once they have landed: each file's SHA-256 is pinned here. A new migration adds
its lines (in both folders, with the next number); a landed one edited fails this test."""

import hashlib
from collections.abc import Callable

import pytest

from bot.domain.models import Kind
from storage.migrations import FOLDER, migrations_of
from storage.repository import Repository

NOW = "2026-12-07T08:00:00+00:00"

LANDED = {
    "postgresql/0001_core.sql": "573ad1b9645fdf16f0587eeae2f83a6049a5e125d193036be6948222c01f8ef0",
    "postgresql/0002_search.sql": "6f5daf1e04177bb7184f04bb1f7ce1418c7833e151e712828302cc48c7108544",
    "postgresql/0003_outbox.sql": "650dc66698740be3082c0b58fdd4c6fb25da15adb5444d7a45ec3a0a32f0c1a6",
    "postgresql/0004_card_posts.sql": "5ce5ba9defb1f6de487f44d800eba84d585bee97b6bdde08b76ff7873f6dd1bb",
    "postgresql/0005_email_sends.sql": "48c7181b0f707b177cd18d34a0931fe68ecc3fd40013159c9bf8b6e08d102ee0",
    "postgresql/0006_form_submits.sql": "8901c4c5b33612419d5a90523f2671e2c7d7a7afb1245837ba4423976381410c",
    "postgresql/0007_buying_roles.sql": "e81a78618b20e0b2413513a4fb3a3fb50116cf9328120f11a6af1944dc125078",
    "postgresql/0008_notices.sql": "57bde389fc404248bbf43f94af0eb0d7f544f613caf16410cb8359c5b5df43e5",
    "postgresql/0009_deal_details.sql": "a9a655909cc5e7a3e16150c0501e1689922b84eaf1e454d92c47a1e6fcb9dc68",
    "postgresql/0010_extension.sql": "8f91c4a6f6fc6fc907e15b422a83bca060af0b371013f4c6b0d87518e98e3909",
    "postgresql/0011_pipeline.sql": "40b1362654238a9b26b6d44ddc635e13799cb177d068372fc2f2ed41d823a69e",
    "postgresql/0012_contact_imports.sql": "44e107017e26e275bc9bbc1dc3897a7bc670ea3a2d5f9065af427d12c1e7505f",
    "postgresql/0013_outbox_leases.sql": "65c0a62c7e7dd099f5227e7a619d4edd77c69850288178ec75363c94ba6c3561",
    "postgresql/0014_deliver_to.sql": "3865c9ecb02b377bad0ecedfd93b25fc48987e1a7e5740199cc6ee9c24502fa6",
    "postgresql/0017_search_at_scale.sql": "9e26a770119579414b752322022e7bb7fb613efe0477e18753b9a757a40f529a",
    "postgresql/0018_claims_by_key.sql": "90a5f727c02e06f6c4397642594c9d207964ee4f841a39992216af979888a454",
    "postgresql/0019_domain_checked_kinds.sql": "4e2bdf68ad4fa9b1828b393fefe80125eae4f1d7251d183c5af4e3bba4084bf9",
    "postgresql/0023_user_locale.sql": "9bcff78ec8a962d8ce0eae9179de88ae86cc0fbb4aeb6de4825e02eb7f438740",
    "postgresql/0030_meetings.sql": "6390882a8fcaf82ce94cc66c36e17ed5fd73abebe3c2f1c449d297aa82cee640",
    "postgresql/0022_file_offers.sql": "a06bedf185c334394cd3416daa55212505fd1a05f54204c63f69586f1396337a",
    "postgresql/0020_one_outbox.sql": "a83aba9cb547795ffd8c8de44309f5d20d842963c8d38cbdade653cf92a49052",
    "postgresql/0021_exact_totals_and_erasure.sql": "1a3b119192ca39f388c09499be4a5012b44c8b183a4814359f29cdcc595b2b06",
    "postgresql/0027_custom_fields.sql": "f2cf7adb8f0cdf2fd88c693cf04c29c8bed834a81b6413931052d58a56c96404",
    "postgresql/0028_pipelines.sql": "15a19b7f0bafaa0dee13a057da5d93046fe934875cabdf6e82ca8b342d4079b5",
    "postgresql/0031_restricted_totals_by_pipeline.sql": "14cf038ea586c9614b3d1367049b57e2ae9251101c4d84de6034960aadcec4c2",
    "postgresql/0026_visibility.sql": "42d01fbe05de2d5636fc2ec09c3e76a3afac1277d3ea5f2856d3d0c41bfd94ba",
    "postgresql/0024_across_replicas.sql": "6b0609aeb08466e41b235a87a4832f6230a5991a19ec411b1020dea06a53f3b8",
    "postgresql/0029_tasks.sql": "f2aea76e05ad97f6f02870b681562fcf9560e553e16319be06f6520bee47c162",
    "postgresql/0032_quiet_and_my_day.sql": "c16d5c282c7d79e857e8ebfde2ad5258ff31fbaa276cc9dba933a5c14c9b48de",
    "postgresql/0033_tasks_in_order.sql": "b8da0cbc3753019a9a640f2f549659a287c86af881de68d96c46203e997ae72a",
    "sqlite/0001_core.sql": "eb13ed887b28d22776009e0ea5fa8b5d9d9cd145d60e8821da5da226391aebfe",
    "sqlite/0002_search.sql": "9f0e9d418f5d51dc7c220cf594eb4e6bccfaab16312a915eb23fb41730cadb03",
    "sqlite/0003_outbox.sql": "9265ec82d2be6fbb63c1d78b9718bef2292883f9b68365492b547a59913e3dc5",
    "sqlite/0004_card_posts.sql": "bc66a48d36ff5d9fa596071863f97317c7162ae14ae2a31a23aae55b526e4c6d",
    "sqlite/0005_email_sends.sql": "60fa3787196a4e3792d16986c9c3da95864bbfec6317016fbf168e169466f929",
    "sqlite/0006_form_submits.sql": "2d9bb3493f3a8cebd9466c291b98e6f898ce37edf7eb10a11588ab6b8525dfeb",
    "sqlite/0007_buying_roles.sql": "f1ffc88dce53fd670ab23eb7b61d1f07e17577fd941823e6407ff80026188326",
    "sqlite/0008_notices.sql": "8dcf8face9840bd05f14842080e3e12726ddbaa02843cd5cd18ac69cde0100b0",
    "sqlite/0009_deal_details.sql": "468f124825bea297d1d477d8d965b92afb198b655e6bf71fd2696ca6f6ae48fb",
    "sqlite/0010_extension.sql": "367adf4f93a654c89906d1d4a10f4ec85b8615f3d617fe081bc20d8755002f2e",
    "sqlite/0011_pipeline.sql": "77617393677d42ac91123b932890227e764851573c31cec9831870796cf02764",
    "sqlite/0012_contact_imports.sql": "c2ae9ada3a2068cf4658816e56a70055c0fcad89ccb652c61a951a6025e70342",
    "sqlite/0013_outbox_leases.sql": "2e1da6093811003c31bb6e33875ed731c3276a650a0c032e17875b52e3f32f3b",
    "sqlite/0014_deliver_to.sql": "228a844cd83f71fba92d23ad1e6b26bc14f21e83dcec5610e316238ffd714185",
    "sqlite/0017_search_at_scale.sql": "6d02e38812d22e942b1352c87ca646ef674c230a5d9628615a51907cc50fd131",
    "sqlite/0018_claims_by_key.sql": "567f2d38c2426819309dad7a887df74c39b5e50510381e0ae063ade510f530d1",
    "sqlite/0019_domain_checked_kinds.sql": "0ade61df49081b87384d3ebf8f5002a0142e9c2b583ee0832c992e7410e493c5",
    "sqlite/0023_user_locale.sql": "9bcff78ec8a962d8ce0eae9179de88ae86cc0fbb4aeb6de4825e02eb7f438740",
    "sqlite/0030_meetings.sql": "ca642ade02d75cbcaca6f02792d1d76b263429442a38efe4be30498168426270",
    "sqlite/0022_file_offers.sql": "431803fedc84253ea3fffddf8aa21ee7562e7963c0798be6eb8a28d404357fa7",
    "sqlite/0020_one_outbox.sql": "6e1e0da6772c2a892fbbee29edca640e6072310d3487395109d8f7a07d6c2589",
    "sqlite/0021_exact_totals_and_erasure.sql": "693d3dbe4ba54e7f7c9442f02e7055d81ea820e8e35ba92f3ae9939c60725498",
    "sqlite/0027_custom_fields.sql": "de8b873f12b851a405d3ea1a70285ad4d5d6cf6a599973ca9c4b54c2bcc08ebc",
    "sqlite/0028_pipelines.sql": "62f699a06cb50efa5501e28331ea38c9f94d7d31ee4ef03f85efaba429928f0a",
    "sqlite/0031_restricted_totals_by_pipeline.sql": "e201bf37b2eabee55a757e65c4d00d6f0417d555195866b75dc322537406d9fa",
    "sqlite/0026_visibility.sql": "28f68a41647cc958bb9f617d13973f9b6b66b8eb1b9f6dfd72c58bd20bc97e55",
    "sqlite/0024_across_replicas.sql": "ffc823834a435b2bd3e313c914a1d054ea882686af67785609aa27ada4aebbbc",
    "sqlite/0029_tasks.sql": "3fbd16c8c4a4c0b0fc9a01d536f15900cabd4b7125fad46100c04980f0c5fdc7",
    "sqlite/0032_quiet_and_my_day.sql": "f1bde0c1e1b5aecd862a50e30eea3ee0e940b05c6e383bcb10751e25af721994",
    "sqlite/0033_tasks_in_order.sql": "b8da0cbc3753019a9a640f2f549659a287c86af881de68d96c46203e997ae72a",
}


def test_every_landed_migration_is_unchanged_and_every_file_is_pinned() -> None:
    found = {
        f"{engine}/{m.path.name}": hashlib.sha256(m.path.read_bytes()).hexdigest()
        for engine in ("sqlite", "postgresql")
        for m in migrations_of(engine)
    }
    assert found == LANDED


def test_both_engines_have_the_same_numbers_and_names() -> None:
    sqlite = [(m.number, m.name) for m in migrations_of("sqlite")]
    assert sqlite == [(m.number, m.name) for m in migrations_of("postgresql")]
    assert all(m.name for m in migrations_of("sqlite"))
    assert sorted(p.name for p in (FOLDER / "sqlite").glob("*.sql")) == [m.path.name for m in migrations_of("sqlite")]


def test_no_table_lists_its_kinds(repo: Repository) -> None:
    """Kinds, roles, choices and statuses are the domain's to check: no CHECK (... IN ...) in any table, so a new
    kind of value needs no table rebuild (migration 19 dropped the lists that earlier migrations made)."""
    if repo.dialect.postgres:
        checks = repo.db.execute("SELECT conname FROM pg_constraint WHERE contype = 'c' AND conrelid <> 0").fetchall()
        assert [row[0] for row in checks] == []
    else:
        tables = repo.db.execute("SELECT name, sql FROM sqlite_schema WHERE type = 'table'").fetchall()
        assert [name for name, sql in tables if "CHECK" in (sql or "")] == []
        assert repo.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_storage_refuses_a_value_the_domain_does_not_name(repo: Repository) -> None:
    with repo.transaction():
        repo.people.ensure_tenant("t", None, NOW)
        owner = repo.people.upsert_user("t", "29:o", "aad-o", "Owner", NOW).id
        record = repo.records.insert_record("t", Kind.OPPORTUNITY, "Deal", "Proposal", owner, NOW)
        repo.follows.add_follower("t", record.id, owner, NOW)
    refused: list[Callable[[], object]] = [
        lambda: repo.follows.add_follower("t", record.id, owner, NOW, notify="loud"),
        lambda: repo.follows.set_follower_choice("t", record.id, owner, "sometimes"),
        lambda: repo.records.set_role("t", record.id, 1, "boss", owner, NOW),
        lambda: repo.posts.set_email_send("t", "s1", record.id, owner, "maybe", None, NOW),
        lambda: repo.contact_files.set_import_status("t", "i1", "lost"),
        lambda: repo.contact_files.set_offer_status("t", "o1", "lost", NOW),
    ]
    for write in refused:
        with pytest.raises(ValueError, match="not a "), repo.transaction():
            write()
    assert [(f.notify.value) for f in repo.follows.followers("t", record.id)] == ["all"]
    assert repo.posts.email_send_status("t", "s1") is None
