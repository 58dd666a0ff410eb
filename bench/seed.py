"""Build a benchmark database quickly: one tenant's owner, N contacts and N leads (each with a Contact,
its owner as follower and a `created` event), through the storage layer's connection and schema, the
FTS5 indexes included. Parameterised INSERTs in one transaction. Optionally opportunities beside the
leads (O-1.., open stages, three currencies, close dates over two years), and the private mix (issue 28):
every odd-numbered record belongs to a colleague, private, followed by them alone, so the owner whose
turns are measured may see half of the tenant's records (the colleague, met first, is the admin).

    python -m bench.seed bench.db --tenant T --size 100000 [--private] [--opportunities 10000]
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlite_utils

from bot.domain.models import LEAD_STAGES, OPPORTUNITY_STAGES, EventKind, Kind, Visibility
from storage.db import open_database, transaction
from storage.migrations import SEARCH_FILL, migrate, split_statements

FTS_INSERT_TRIGGERS = (
    "contacts_fts_insert",
    "records_fts_insert",
    "record_search_insert",
    "record_search_role_added",
    "contact_search_insert",
)
NOW = "2026-01-01T00:00:00+00:00"
FIRST = [
    "Ada",
    "Alan",
    "Alice",
    "Amara",
    "Anna",
    "Arjun",
    "Astrid",
    "Ben",
    "Bianca",
    "Carla",
    "Carlos",
    "Chen",
    "Chloe",
    "Dana",
    "Daniel",
    "David",
    "Diego",
    "Elena",
    "Emil",
    "Emma",
    "Farah",
    "Felix",
    "Fatima",
    "Grace",
    "Hana",
    "Hugo",
    "Ines",
    "Ivan",
    "Jamal",
    "Jana",
    "Javier",
    "Jonas",
    "Julia",
    "Kai",
    "Karim",
    "Kenji",
    "Lara",
    "Leo",
    "Lina",
    "Luca",
    "Maya",
    "Marek",
    "Maria",
    "Mateo",
    "Mia",
    "Nadia",
    "Nils",
    "Noah",
    "Nora",
    "Omar",
    "Olga",
    "Oscar",
    "Paula",
    "Priya",
    "Rafael",
    "Rosa",
    "Sam",
    "Sara",
    "Sofia",
    "Tariq",
    "Theo",
    "Una",
    "Vera",
    "Victor",
    "Wei",
    "Yara",
    "Yusuf",
    "Zoe",
]
LAST = [
    "Abbott",
    "Ahmed",
    "Alvarez",
    "Bauer",
    "Becker",
    "Brown",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Gomez",
    "Hansen",
    "Ito",
    "Ivanova",
    "Jensen",
    "Kaur",
    "Khan",
    "Kim",
    "Kowalski",
    "Larsen",
    "Lopez",
    "Martin",
    "Meyer",
    "Moreau",
    "Muller",
    "Nakamura",
    "Nguyen",
    "Novak",
    "Okafor",
    "Olsen",
    "Patel",
    "Perez",
    "Petrov",
    "Quinn",
    "Rossi",
    "Santos",
    "Schmidt",
    "Silva",
    "Singh",
    "Smith",
    "Suzuki",
    "Tanaka",
    "Torres",
    "Wagner",
    "Walsh",
    "Weber",
    "Wong",
    "Young",
    "Zhang",
]
COMPANY = [
    "Contoso",
    "Fabrikam",
    "Northwind",
    "Tailspin",
    "Adventure",
    "Litware",
    "Proseware",
    "Fourth",
    "Coffee",
    "Wingtip",
    "Alpine",
    "Blue",
    "Yonder",
    "Margie",
    "Relecloud",
    "Woodgrove",
    "Lucerne",
    "Trey",
    "Humongous",
    "Wide",
    "World",
    "Graphic",
    "Design",
    "Consolidated",
    "Messenger",
]


@dataclass(frozen=True)
class Seeded:
    tenant_id: str
    owner_teams_id: str
    owner_aad_id: str
    owner_id: int
    size: int


def person_name(i: int) -> str:
    return f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]}"


def company_name(i: int) -> str:
    return f"{COMPANY[i % len(COMPANY)]} {COMPANY[(i * 7 + 3) % len(COMPANY)]}"


def _contacts(tenant_id: str, owner_id: int, size: int) -> Iterator[tuple[object, ...]]:
    for i in range(size):
        name = person_name(i)
        email = f"{name.replace(' ', '.').lower()}.{i}@{COMPANY[i % len(COMPANY)].lower()}.example"
        yield (tenant_id, name, email, f"+1 555 {i:07d}", company_name(i), "Buyer", owner_id, NOW)


REGIONS = ("EMEA", "Americas", "APAC")
# The custom fields a tenant seeded `custom` gets, cycled: (type, choices).
FIELD_TYPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("choice", REGIONS), ("text", ()), ("number", ()), ("money", ()), ("date", ()), ("yes_no", ()),
    ("choice", ("Small", "Medium", "Large")), ("colleague", ()),
)  # fmt: skip


def custom_values(i: int, field_ids: list[int], owner_id: int) -> tuple[str | None, str | None]:
    """Record i's values of the seeded fields (JSON as the product stores it) and its search text."""
    values: dict[str, object] = {}
    words: list[str] = []
    for n, field_id in enumerate(field_ids):
        kind, choices = FIELD_TYPES[n % len(FIELD_TYPES)]
        value: object = {
            "choice": choices[(i + n) % len(choices)] if choices else "",
            "text": f"note {n} for {company_name(i + n)}",
            "number": str(i * 7 + n),
            "money": [(i + n) * 100, "EUR"],
            "date": f"2027-{(i + n) % 12 + 1:02d}-15",
            "yes_no": (i + n) % 2 == 0,
            "colleague": owner_id,
        }[kind]
        values[str(field_id)] = value
        if kind in ("choice", "text"):
            words.append(str(value))
    if not values:
        return None, None
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"), sort_keys=True), " ".join(words)


def _records(
    tenant_id: str, owner_id: int, size: int, colleague_id: int | None = None, kind: Kind = Kind.LEAD,
    field_ids: list[int] | None = None,
) -> Iterator[tuple[object, ...]]:  # fmt: skip
    """Leads (or opportunities) 1..size; with a colleague, every odd-numbered one is theirs and private; with
    `field_ids`, a value of each of those custom fields on every one."""
    for i in range(size):
        private = colleague_id is not None and (i + 1) % 2 == 1
        if kind is Kind.LEAD:
            title, stage, currency, close = f"{company_name(i)} renewal {i + 1}", LEAD_STAGES[i % 3], "EUR", None
        else:
            title, stage = f"{company_name(i)} expansion {i + 1}", OPPORTUNITY_STAGES[i % 3]
            currency = ("EUR", "USD", "GBP")[i % 3]
            close = f"{2026 + (i * 37 % 730) // 365}-{(i * 37 % 365) // 31 + 1:02d}-15"
        custom, text = custom_values(i, field_ids or [], owner_id)
        yield (
            tenant_id,
            kind.value,
            i + 1,
            title,
            stage,
            colleague_id if private else owner_id,
            company_name(i),
            (1000 + i) * 100,
            currency,
            close,
            Visibility.PRIVATE.value if private else Visibility.EVERYONE.value,
            custom,
            text,
            NOW,
            NOW,
        )


def seed_tenant(
    db: sqlite_utils.Database, tenant_id: str, size: int, owner: str = "bench", service_url: str = "",
    private: bool = False, opportunities: int = 0, custom: int = 0,
) -> Seeded:  # fmt: skip
    """Add `size` contacts and `size` leads L-1..L-size to `tenant_id` (and `opportunities` O-1..), all owned by
    one user whose profile and 1:1 chat are known (so a turn from them costs no look-up at the connector); with
    `private`, the odd-numbered ones are a colleague's, private; with `custom`, that many custom fields on
    records and a value of each on every record."""
    conn = db.conn
    teams_id, aad_id = f"29:{owner}-{tenant_id[-4:]}", f"aad-{owner}-{tenant_id[-4:]}"
    with transaction(db):
        conn.execute(
            "INSERT INTO tenants (id, service_url, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [tenant_id, service_url or None, NOW],
        )
        colleague_id = None
        if private:  # met first: the organisation's admin (CRM_ADMINS names nobody), so the owner is none
            colleague_id = conn.execute(
                "INSERT INTO users (tenant_id, teams_id, aad_object_id, name, created_at, updated_at)"
                " VALUES (?, ?, ?, 'Bench Colleague', ?, ?)",
                [tenant_id, f"29:colleague-{tenant_id[-4:]}", f"aad-colleague-{tenant_id[-4:]}", NOW, NOW],
            ).lastrowid
        owner_id = conn.execute(
            "INSERT INTO users (tenant_id, teams_id, aad_object_id, name, email, profile_checked_at,"
            " conversation_id, service_url, bot_id, bot_name, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                tenant_id, teams_id, aad_id, "Bench Owner", f"{owner}@contoso.example", NOW,
                f"a:1:{teams_id}", service_url or None, "28:bench-bot", "CRM", NOW, NOW,
            ],
        ).lastrowid  # fmt: skip
        assert owner_id is not None
        first_contact = _next_id(conn, "contacts")
        conn.executemany(
            "INSERT INTO contacts (tenant_id, name, email, phone, company, job_title, created_by, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            _contacts(tenant_id, owner_id, size),
        )
        field_ids = [
            int(
                conn.execute(
                    "INSERT INTO custom_fields (tenant_id, applies_to, name, type, choices, created_by, created_at)"
                    " VALUES (?, 'record', ?, ?, ?, ?, ?)",
                    [tenant_id, f"Field {n + 1}", FIELD_TYPES[n % len(FIELD_TYPES)][0],
                     json.dumps(FIELD_TYPES[n % len(FIELD_TYPES)][1]) if FIELD_TYPES[n % len(FIELD_TYPES)][1] else None,
                     owner_id, NOW],
                ).lastrowid or 0
            )
            for n in range(custom)
        ]  # fmt: skip
        first_record = _next_id(conn, "records")
        insert = (
            "INSERT INTO records (tenant_id, kind, number, title, stage, owner_id, company, value, currency,"
            " close_date, visibility, custom, custom_text, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        conn.executemany(insert, _records(tenant_id, owner_id, size, colleague_id, field_ids=field_ids))
        conn.executemany(
            insert, _records(tenant_id, owner_id, opportunities, colleague_id, Kind.OPPORTUNITY, field_ids)
        )
        record_ids = range(first_record, first_record + size)
        every = [*record_ids, *range(first_record + size, first_record + size + opportunities)]
        conn.executemany(
            "INSERT INTO record_contacts (tenant_id, record_id, contact_id, role, added_by, added_at)"
            " VALUES (?, ?, ?, 'contact', ?, ?)",
            ((tenant_id, r, first_contact + i, owner_id, NOW) for i, r in enumerate(record_ids)),
        )
        owners = dict(conn.execute("SELECT id, owner_id FROM records WHERE tenant_id = ?", [tenant_id]).fetchall())
        conn.executemany(  # each record's owner follows it (a private record's access list: the trigger's)
            "INSERT INTO followers (tenant_id, record_id, user_id, notify, added_at) VALUES (?, ?, ?, 'all', ?)",
            ((tenant_id, r, owners[r], NOW) for r in every),
        )
        conn.executemany(
            "INSERT INTO events (tenant_id, record_id, actor_id, kind, new, at) VALUES (?, ?, ?, ?, ?, ?)",
            ((tenant_id, r, owners[r], EventKind.CREATED.value, "created", NOW) for r in every),
        )
    return Seeded(tenant_id, teams_id, aad_id, owner_id, size)


def _next_id(conn: object, table: str) -> int:
    row = conn.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}").fetchone()  # type: ignore[attr-defined]
    return int(row[0])


@contextmanager
def index_afterwards(db: sqlite_utils.Database) -> Iterator[None]:
    """Within a transaction: the FTS insert triggers set aside, the indexes rebuilt from the tables at the
    end (one pass, 5x faster than row by row) and the triggers put back exactly as the migration made them."""
    triggers = db.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({', '.join('?' * len(FTS_INSERT_TRIGGERS))})",
        list(FTS_INSERT_TRIGGERS),
    ).fetchall()
    assert len(triggers) == len(FTS_INSERT_TRIGGERS), triggers
    for name, _ in triggers:
        db.execute(f"DROP TRIGGER {name}")
    yield
    db.execute("INSERT INTO records_fts(records_fts) VALUES ('rebuild')")
    db.execute("DELETE FROM record_search")
    db.execute("DELETE FROM contact_search")
    for statement in split_statements(SEARCH_FILL):  # contacts_fts rebuilt there
        db.execute(statement)
    for _, sql in triggers:
        db.execute(sql)


def build(
    path: str, tenants: dict[str, int], service_url: str = "", private: frozenset[str] = frozenset(),
    opportunities: dict[str, int] | None = None, custom: int = 0,
) -> list[Seeded]:  # fmt: skip
    """A fresh database at `path` with each tenant seeded to its size (no ANALYZE: the app runs none); the
    tenants in `private` get the private mix, and each its `opportunities` beside the leads; `custom`: custom
    fields on records, each record with a value of every one."""
    db = open_database(path)
    db.execute("PRAGMA cache_size = -262144")  # 256 MB for this connection: big transactions stay in memory
    migrate(db)
    with transaction(db), index_afterwards(db):
        seeded = [
            seed_tenant(
                db, tenant, size, service_url=service_url, private=tenant in private,
                opportunities=(opportunities or {}).get(tenant, 0), custom=custom,
            )
            for tenant, size in tenants.items()
        ]  # fmt: skip
    db.close()
    return seeded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path")
    parser.add_argument("--tenant", action="append", default=[], help="tenant id (repeatable)")
    parser.add_argument("--size", type=int, action="append", default=[], help="records and contacts per tenant")
    parser.add_argument("--private", action="store_true", help="every odd-numbered record a colleague's, private")
    parser.add_argument("--opportunities", type=int, default=0, help="opportunities per tenant beside the leads")
    args = parser.parse_args()
    tenants = args.tenant or ["72f988bf-0000-4000-8000-00000000aaaa"]
    sizes = args.size or [100_000]
    started = time.monotonic()
    private = frozenset(tenants) if args.private else frozenset()
    opportunities = dict.fromkeys(tenants, args.opportunities)
    for s in build(args.path, dict(zip(tenants, itertools.cycle(sizes), strict=False)), "", private, opportunities):
        print(f"tenant {s.tenant_id}: {s.size:,} records and {s.size:,} contacts")
    print(f"seeded in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
