"""Queries of the message extension: the records and contacts a person searches from any chat's compose box,
a contact's records, and the keys of dialog submits already carried out (a repeated submit is one).
SQLite walks its own record_search and contact_search indexes (migration 17); PostgreSQL the tsvector
columns of migration 2."""

from __future__ import annotations

from bot.domain.models import Contact, Record, Role
from bot.domain.visibility import Reader, reader_of
from storage.queries import _CONTACT_COLUMNS, _RECORD_COLUMNS, Queries, _contact, _record
from storage.visibility import visible_clause, visible_named

FEW_OF_MINE = 2000  # followed records up to which a person's records are sorted rather than walked to
_NEWEST = " ORDER BY r.updated_at DESC, r.id DESC LIMIT :limit OFFSET :offset"


SPAN = 1 << 40  # record_search and contact_search rowids: tenant number * SPAN - id (migration 17)


class ExtensionQueries(Queries):
    """repo.extension"""

    def _join(self) -> str:
        return self.dialect.ordered_join()

    def _span(self, tenant_id: str) -> dict[str, int] | None:
        """SQLite: the rowids of the tenant's rows in record_search and contact_search (None: it has none)."""
        row = self._one("SELECT no FROM search_tenants WHERE tenant_id = ?", [tenant_id])
        if row is None:
            return None
        top = int(row["no"]) * SPAN
        return {"top": top, "low": top - SPAN + 1, "high": top - 1}

    def records_around(self, tenant_id: str, user_id: int, limit: int, offset: int = 0) -> list[Record]:
        """The records a person owns or follows, newest first (archived ones never, as `find` hides them). Someone with few (the owner follows on creation,
        so their followed rows count both) gets theirs sorted; someone with many walks the tenant's
        newest-first index, which meets the first page early."""
        params = {"tenant": tenant_id, "user": user_id, "limit": limit, "offset": offset}
        few = self._one(
            f"SELECT count(*) < {FEW_OF_MINE} AS few FROM (SELECT 1 FROM followers"
            f" WHERE tenant_id = :tenant AND user_id = :user LIMIT {FEW_OF_MINE}) AS followed",
            params,
        )["few"]
        if few:
            sql = (
                "WITH mine(id) AS (SELECT record_id FROM followers WHERE tenant_id = :tenant AND user_id = :user"
                " UNION SELECT id FROM records WHERE tenant_id = :tenant AND owner_id = :user)"
                f" SELECT {_RECORD_COLUMNS} FROM mine m {self._join()} records r ON r.id = m.id"
                " WHERE r.tenant_id = :tenant AND r.archived_at IS NULL"
            )
        else:
            indexed = self.dialect.indexed_by("records_newest")
            sql = (
                f"SELECT {_RECORD_COLUMNS} FROM records r{indexed} WHERE r.tenant_id = :tenant AND r.archived_at IS NULL"
                " AND (r.owner_id = :user OR EXISTS (SELECT 1 FROM followers f"
                " WHERE f.tenant_id = r.tenant_id AND f.record_id = r.id AND f.user_id = :user))"
            )
        return [_record(r) for r in self._all(sql + _NEWEST, params)]

    def find_records(self, who: Reader | str, text: str, limit: int, offset: int = 0) -> list[Record]:
        """Records whose title or company, or whose Contact's name, email or company, has every word typed (as
        prefixes), newest first; archived ones never (as `find`). SQLite walks record_search (migration 17): the tenant's rows are one rowid range,
        newest first in the index's forward order, and a word of up to 12 characters has a prefix index, so
        the walk reads this tenant's matches from the newest and stops at the page."""
        query = self.dialect.fts_query(text)
        if query is None:
            return []
        reader = reader_of(who)
        tenant_id = reader.tenant_id
        visible, seen_by = visible_named(reader)
        params = {"tenant": tenant_id, "limit": limit, "offset": offset} | seen_by
        if self.dialect.postgres:
            sql = (
                f"SELECT {_RECORD_COLUMNS} FROM records r WHERE r.tenant_id = :tenant AND r.archived_at IS NULL"
                " AND (r.search @@ to_tsquery('simple', :query) OR r.id IN (SELECT rc.record_id FROM record_contacts rc"
                " JOIN contacts c ON c.tenant_id = rc.tenant_id AND c.id = rc.contact_id WHERE rc.tenant_id = :tenant"
                f" AND rc.role = 'contact' AND c.search @@ to_tsquery('simple', :query))){visible}"
                " ORDER BY r.id DESC LIMIT :limit OFFSET :offset"
            )
            return [_record(r) for r in self._all(sql, params | {"query": query})]
        span = self._span(tenant_id)
        if span is None:
            return []
        rows = self._all(
            f"SELECT {_RECORD_COLUMNS} FROM record_search s CROSS JOIN records r ON r.id = :top - s.rowid"
            " WHERE record_search MATCH :match AND s.rowid BETWEEN :low AND :high AND r.tenant_id = :tenant"
            f" AND r.archived_at IS NULL{visible} ORDER BY s.rowid LIMIT :limit OFFSET :offset",
            params | span | {"match": self._visible_match(reader, query)},
        )
        return [_record(r) for r in rows]

    def _visible_match(self, reader: Reader, query: str) -> str:
        """The words in the record's own columns (its custom fields' text too), and only the rows the reader may see, as the index's `access`
        column names them (migration 26): everyone's, or their own id's and their teams' tokens. The walk then
        steps over no row the reader may not see (the query's SQL filter checks the page again)."""
        words = f"{{title company contact custom}} : ({query})"
        if reader.sees_all:
            return words
        tokens = ["everyone"]
        if reader.user_id is not None:
            tokens.append(f"u{reader.user_id}")
            tokens += [f"t{team}" for team in self.teams_of(reader.tenant_id, reader.user_id)]
        return f"{words} AND access : ({' OR '.join(tokens)})"

    def teams_of(self, tenant_id: str, user_id: int) -> list[int]:
        rows = self._all("SELECT team_id FROM team_members WHERE tenant_id = ? AND user_id = ?", [tenant_id, user_id])
        return [int(r["team_id"]) for r in rows]

    def find_contacts(self, tenant_id: str, text: str, limit: int, offset: int = 0) -> list[Contact]:
        """Contacts whose name, email or company has every word typed (as prefixes), newest first; erased
        contacts never. SQLite walks contact_search as find_records walks record_search (the tenant's
        matches from the newest, up to the page). The text commands' `search_contacts` sorts by name instead,
        which at 100,000 contacts must read every match of a common prefix before the first page."""
        query = self.dialect.fts_query(text)
        if query is None:
            return []
        columns = ", ".join(f"c.{column.strip()}" for column in _CONTACT_COLUMNS.split(","))
        params = {"tenant": tenant_id, "limit": limit, "offset": offset}
        if self.dialect.postgres:
            sql = (
                f"SELECT {columns} FROM contacts c WHERE c.tenant_id = :tenant AND c.erased_at IS NULL"
                " AND c.search @@ to_tsquery('simple', :query) ORDER BY c.id DESC LIMIT :limit OFFSET :offset"
            )
            return [_contact(r) for r in self._all(sql, params | {"query": query})]
        span = self._span(tenant_id)
        if span is None:
            return []
        rows = self._all(
            f"SELECT {columns} FROM contact_search s CROSS JOIN contacts c ON c.id = :top - s.rowid"
            " WHERE contact_search MATCH :match AND s.rowid BETWEEN :low AND :high"
            " AND c.tenant_id = :tenant AND c.erased_at IS NULL ORDER BY s.rowid LIMIT :limit OFFSET :offset",
            params | span | {"match": query},
        )
        return [_contact(r) for r in rows]

    def recent_records_of_contact(self, reader: Reader, contact_id: int, limit: int) -> list[tuple[Role, Record]]:
        """The records a contact is the Contact or a participant of that the reader may see, newest first."""
        visible, seen_by = visible_clause(reader)
        rows = self._all(
            f"SELECT rc.role, {_RECORD_COLUMNS} FROM record_contacts rc {self._join()} records r"
            " ON r.tenant_id = rc.tenant_id AND r.id = rc.record_id"
            f" WHERE rc.tenant_id = ? AND rc.contact_id = ?{visible} ORDER BY r.updated_at DESC, r.id DESC LIMIT ?",
            [reader.tenant_id, contact_id, *seen_by, limit],
        )
        return [(Role(r["role"]), _record(r)) for r in rows]

    def contact_names(self, tenant_id: str, record_ids: list[int]) -> dict[int, str]:
        """The name of each record's Contact (records without one are left out), in one query: the previews."""
        if not record_ids:
            return {}
        marks = ", ".join("?" for _ in record_ids)
        # SQLite would walk the tenant's every record_contacts row (record_contacts_by_contact) to meet 25.
        indexed = self.dialect.indexed_by("record_contacts_one_contact")
        rows = self._all(
            f"SELECT rc.record_id, c.name AS contact_name FROM record_contacts rc{indexed} {self._join()} contacts c"
            " ON c.tenant_id = rc.tenant_id AND c.id = rc.contact_id"
            f" WHERE rc.tenant_id = ? AND rc.role = 'contact' AND rc.record_id IN ({marks})",
            [tenant_id, *record_ids],
        )
        return {int(r["record_id"]): str(r["contact_name"]) for r in rows}

    def submitted_record(self, tenant_id: str, submit_key: str) -> int | None:
        """The record a dialog submit with this key already changed (None: not submitted before)."""
        row = self._one(
            "SELECT record_id FROM extension_submits WHERE tenant_id = ? AND submit_key = ?", [tenant_id, submit_key]
        )
        return int(row["record_id"]) if row else None

    def save_submit(self, tenant_id: str, submit_key: str, record_id: int, user_id: int, now: str) -> None:
        self.db.execute(
            "INSERT INTO extension_submits (tenant_id, submit_key, record_id, user_id, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [tenant_id, submit_key, record_id, user_id, now],
        )
