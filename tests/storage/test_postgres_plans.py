"""PostgreSQL keeps one generic plan for each prepared statement (storage/postgres.py CONFIGURE): those plans,
made without the parameters' values, must still use the indexes on a tenant of some size. The hot path's
statements, traced as the service runs them, explained as prepared statements with generic plans."""

from __future__ import annotations

from typing import Any

import psycopg
import psycopg.sql
import pytest
from psycopg.adapt import PyFormat, Transformer
from psycopg.pq import ExecStatus

from bot.domain.models import Kind
from bot.domain.quotas import QuotaKind, sized
from bot.services import CrmService
from storage.dialect import to_libpq
from storage.migrations import migrate
from storage.postgres import PostgresDatabase, open_postgres
from storage.repository import Repository
from tests.conftest import BACKENDS
from tests.postgres_server import PostgresServer

pytestmark = pytest.mark.skipif("postgresql" not in BACKENDS, reason="PostgreSQL is not among CRM_TEST_BACKENDS")

TENANT = "72f988bf-0000-4000-8000-00000000aaaa"
SIZE = 5000  # leads, and as many timeline entries: enough that a scan would cost more than an index


def test_the_hot_paths_generic_plans_scan_neither_records_nor_events(postgres_server: PostgresServer) -> None:
    name = postgres_server.new_database()
    url = postgres_server.url(name)
    db = open_postgres(url, pool_size=2)
    try:
        migrate(db)
        services = CrmService(Repository(db), quotas=sized(dict.fromkeys(QuotaKind, (10**9, 10**9))))
        owner = services.people.record_user(TENANT, "29:owner", "aad-owner", "Owner", None)
        services.records.create_record(owner, Kind.LEAD, "Deal 1")
        db.execute(
            "INSERT INTO records (tenant_id, kind, number, title, stage, owner_id, company, created_at, updated_at)"
            " SELECT ?, 'lead', g, 'Deal ' || g, 'New', ?, 'Company ' || (g % 97),"
            " '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z' FROM generate_series(2, ?) g",
            [TENANT, owner.id, SIZE],
        )
        db.execute(
            "INSERT INTO events (tenant_id, record_id, actor_id, kind, at) SELECT tenant_id, id, owner_id, 'created',"
            " created_at FROM records WHERE tenant_id = ?",
            [TENANT],
        )
        db.execute("ANALYZE")
        traced: list[tuple[str, Any]] = []
        run = PostgresDatabase._run

        def tracing(conn: Any, sql: str, parameters: Any) -> Any:
            traced.append((sql, parameters))
            return run(conn, sql, parameters)

        PostgresDatabase._run = staticmethod(tracing)  # type: ignore[method-assign]
        try:
            services.records.view(owner, "L-7")
            services.records.comment(owner, "L-8", "Plans")
            services.records.search_records(owner, "deal 42", 10)
            services.records.list_records(TENANT, Kind.LEAD)
            services.records.my_records(owner)
            services.contacts.search_contacts(TENANT, "mar", 15)
        finally:
            PostgresDatabase._run = staticmethod(run)  # type: ignore[method-assign]
        statements = {
            sql: parameters
            for sql, parameters in traced
            if parameters and sql.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE"))
        }
        assert len(statements) >= 8, list(statements)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SET plan_cache_mode = force_generic_plan")
            for i, (sql, parameters) in enumerate(statements.items()):
                statement, names = to_libpq(sql)
                values = [parameters[n] for n in names] if names else list(parameters)
                dumper = Transformer(conn)  # the parameters' types as the bot's statements declare them
                dumper.dump_sequence(values, [PyFormat.AUTO] * len(values))
                prepared = conn.pgconn.prepare(f"hot_{i}".encode(), statement, dumper.types)
                assert prepared.status == ExecStatus.COMMAND_OK, prepared.error_message
                row = conn.execute(
                    "SELECT parameter_types::text[] FROM pg_prepared_statements WHERE name = %s", [f"hot_{i}"]
                ).fetchone()
                assert row is not None
                arguments = psycopg.sql.SQL(", ").join(  # written out: EXPLAIN EXECUTE takes no bound parameters
                    psycopg.sql.SQL("{}::{}").format(psycopg.sql.Literal(value), psycopg.sql.SQL(kind))
                    for value, kind in zip(values, row[0], strict=True)
                )
                explain = psycopg.sql.SQL("EXPLAIN EXECUTE {}({})").format(
                    psycopg.sql.Identifier(f"hot_{i}"), arguments
                )
                plan = "\n".join(line[0] for line in conn.execute(explain))
                for table in ("records", "events"):
                    assert f"Seq Scan on {table} " not in plan + " ", (" ".join(sql.split())[:200], plan)
    finally:
        db.close()
        postgres_server.drop_database(name)
