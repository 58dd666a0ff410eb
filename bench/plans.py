"""The query plans of the hot paths, taken from the statements the service really runs: every SELECT
issued while recording a user, showing a record, commenting on it and searching contacts is traced
(with its parameters bound) and explained."""

from __future__ import annotations

from bot.domain.models import Kind
from bot.services import CrmService
from storage.db import open_database
from storage.repository import Repository


def traced_selects(services: CrmService, tenant_id: str, prefix: str = "L") -> list[str]:
    statements: list[str] = []
    services.repo.db.conn.set_trace_callback(statements.append)
    try:
        user = services.people.arrived(
            tenant_id, f"29:bench-{tenant_id[-4:]}", f"aad-bench-{tenant_id[-4:]}", "B", None
        ).user
        services.work.was_handled(tenant_id, "a:1:plans", "plans-1")
        services.people.first_delivery(tenant_id, "a:1:plans", "plans-1")
        services.people.card_posts_of(tenant_id, [8, 9], 5)
        services.deliveries.conversation_of(user)
        services.records.view(tenant_id, f"{prefix}-7")
        services.records.comment(user, f"{prefix}-8", "Plans")
        services.records.view(tenant_id, f"{prefix}-8")
        services.records.search_records(user, "emea", 10)
        for text in ("mar", "oscar petrov", ""):
            services.contacts.search_contacts(tenant_id, text, 15)
        services.records.list_records(tenant_id, Kind.LEAD)
        services.records.my_records(user)
    finally:
        services.repo.db.conn.set_trace_callback(None)
    return list(dict.fromkeys(s for s in statements if s.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE"))))


def hot_path_plans(path: str, tenant_id: str, prefix: str = "L") -> list[tuple[str, str]]:
    """(statement, its plan in one line) for each hot-path statement, on the database at `path` (its records
    leads, or with `prefix` O opportunities)."""
    db = open_database(path)
    try:
        services = CrmService(Repository(db))
        plans = []
        for sql in traced_selects(services, tenant_id, prefix):
            rows = db.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
            plans.append((" ".join(sql.split())[:160], " | ".join(row[-1] for row in rows)))
        return plans
    finally:
        db.close()
