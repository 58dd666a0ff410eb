"""Queries of the message extension: the records a person searches from any chat's compose box, a
contact's records, and the keys of dialog submits already carried out (a repeated submit is one)."""

from __future__ import annotations

from bot.domain.models import Record, Role
from storage.queries import _RECORD_COLUMNS, Queries, _record

FEW_HITS = 2000  # up to this many full-text hits (all tenants), a record search sorts them

# Records whose title or company matches, and records whose Contact's name, email or company matches.
_HITS = (
    "SELECT rowid AS id FROM records_fts WHERE records_fts MATCH :query"
    " UNION SELECT rc.record_id FROM contacts_fts cf CROSS JOIN record_contacts rc"
    " ON rc.tenant_id = :tenant AND rc.contact_id = cf.rowid AND rc.role = 'contact'"
    " WHERE contacts_fts MATCH :query"
)
_NEWEST = " ORDER BY r.updated_at DESC, r.id DESC LIMIT :limit OFFSET :offset"


class ExtensionQueries(Queries):
    def records_around(self, tenant_id: str, user_id: int, limit: int, offset: int = 0) -> list[Record]:
        """The records a person owns or follows, newest first (walks the tenant's newest-first index)."""
        rows = self._all(
            f"SELECT {_RECORD_COLUMNS} FROM records r INDEXED BY records_newest WHERE r.tenant_id = :tenant"
            " AND (r.owner_id = :user OR EXISTS (SELECT 1 FROM followers f"
            " WHERE f.tenant_id = r.tenant_id AND f.record_id = r.id AND f.user_id = :user))" + _NEWEST,
            {"tenant": tenant_id, "user": user_id, "limit": limit, "offset": offset},
        )
        return [_record(r) for r in rows]

    def find_records(self, tenant_id: str, query: str, limit: int, offset: int = 0) -> list[Record]:
        """Records matching an FTS5 query (from `fts_query`) by title, company or Contact, newest first.
        The full-text indexes span tenants: few hits are sorted; many walk the tenant's newest-first index,
        which meets the first page early."""
        params = {"tenant": tenant_id, "query": query, "limit": limit, "offset": offset}
        few = self._one(f"SELECT count(*) < {FEW_HITS} FROM ({_HITS} LIMIT {FEW_HITS})", params)[0]
        if few:
            sql = (
                f"WITH hits(id) AS ({_HITS}) SELECT {_RECORD_COLUMNS} FROM hits h CROSS JOIN records r"
                " ON r.id = h.id WHERE r.tenant_id = :tenant"
            )
        else:
            sql = (
                f"SELECT {_RECORD_COLUMNS} FROM records r INDEXED BY records_newest"
                f" WHERE r.tenant_id = :tenant AND r.id IN ({_HITS})"
            )
        return [_record(r) for r in self._all(sql + _NEWEST, params)]

    def records_of_contact(self, tenant_id: str, contact_id: int, limit: int) -> list[tuple[Role, Record]]:
        """The records a contact is the Contact or a participant of, newest first."""
        rows = self._all(
            f"SELECT rc.role, {_RECORD_COLUMNS} FROM record_contacts rc CROSS JOIN records r"
            " ON r.tenant_id = rc.tenant_id AND r.id = rc.record_id"
            " WHERE rc.tenant_id = ? AND rc.contact_id = ? ORDER BY r.updated_at DESC, r.id DESC LIMIT ?",
            [tenant_id, contact_id, limit],
        )
        return [(Role(r[0]), _record(r[1:])) for r in rows]

    def submitted_record(self, tenant_id: str, submit_key: str) -> int | None:
        """The record a dialog submit with this key already changed (None: not submitted before)."""
        row = self._one(
            "SELECT record_id FROM extension_submits WHERE tenant_id = ? AND submit_key = ?", [tenant_id, submit_key]
        )
        return int(row[0]) if row else None

    def save_submit(self, tenant_id: str, submit_key: str, record_id: int, user_id: int, now: str) -> None:
        self.db.execute(
            "INSERT INTO extension_submits (tenant_id, submit_key, record_id, user_id, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [tenant_id, submit_key, record_id, user_id, now],
        )
