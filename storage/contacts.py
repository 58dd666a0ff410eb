"""Queries about contacts (the customers' people): added, found, searched, listed, edited, deleted."""

from __future__ import annotations

from bot.domain.models import Contact
from storage.queries import _CONTACT_COLUMNS, Queries, _contact

FEW_MATCHES = 2000  # up to this many full-text matches (all tenants), a contact search sorts them


class ContactQueries(Queries):
    """repo.contacts"""

    # --- contacts ------------------------------------------------------------------------------

    def insert_contact(
        self,
        tenant_id: str,
        name: str,
        email: str | None,
        phone: str | None,
        company: str | None,
        job_title: str | None,
        created_by: int | None,
        now: str,
    ) -> Contact:
        contact_id = self._new_id(
            "INSERT INTO contacts (tenant_id, name, email, phone, company, job_title, created_by, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [tenant_id, name, email, phone, company, job_title, created_by, now],
        )
        contact = self.get_contact(tenant_id, contact_id)
        assert contact is not None
        return contact

    def get_contact(self, tenant_id: str, contact_id: int) -> Contact | None:
        """Inside a change, the row is share-locked until it ends (PostgreSQL): a contact used by a change (put on
        a record, named in its timeline) cannot be erased halfway through it. Changes lock a contact before any
        record (an erasure too: lock_contacts, then its records), so that two of them never wait for each other."""
        share = self.dialect.for_share("c") if self.in_transaction() else ""
        row = self._one(
            f"SELECT {_CONTACT_COLUMNS} FROM contacts c WHERE c.tenant_id = ? AND c.id = ?" + share,
            [tenant_id, contact_id],
        )
        return _contact(row) if row else None

    def lock_contacts(self, tenant_id: str, contact_ids: list[int]) -> None:
        """PostgreSQL: the rows a change reads and then writes (edit, merge, erase) are locked first, in id order,
        so an erasure and a stale save or a merge of the same person happen one after the other, never
        interleaved (SQLite: one writer at a time already)."""
        if self.dialect.row_locks and self.in_transaction():
            marks = ", ".join("?" for _ in contact_ids)
            self._all(
                f"SELECT c.id FROM contacts c WHERE c.tenant_id = ? AND c.id IN ({marks}) ORDER BY c.id"
                + self._for_update("c"),
                [tenant_id, *contact_ids],
            )

    def contact_by_email(self, tenant_id: str, email: str) -> Contact | None:
        if self.in_transaction():  # the answer decides whether a contact with this email may be added
            self._lock("contact email", tenant_id, email.lower())
        row = self._one(
            f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE tenant_id = ? AND email = ? COLLATE NOCASE",
            [tenant_id, email],
        )
        return _contact(row) if row else None

    def contacts_named(self, tenant_id: str, name: str, limit: int = 10) -> list[Contact]:
        rows = self._all(
            f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE tenant_id = ? AND name = ? COLLATE NOCASE"
            " AND erased_at IS NULL ORDER BY id LIMIT ?",
            [tenant_id, name, limit],
        )
        return [_contact(r) for r in rows]

    def search_contacts(self, tenant_id: str, text: str, limit: int = 25, offset: int = 0) -> list[Contact]:
        query = self.dialect.fts_query(text)
        if query is None:
            return self.list_contacts(tenant_id, limit, offset)
        matching = self.dialect.matching("contacts")
        # SQLite's full-text index spans tenants (rows are filtered by tenant below); this count of its
        # matches returns one boolean, never a row, and picks the plan. Few matches: sort them (walking the
        # tenant's name index would visit every contact of the tenant). Many: walk the name index, which
        # meets the first page of matches early, instead of sorting them all. PostgreSQL's planner decides.
        few = (
            not self.dialect.postgres
            and self._one(f"SELECT count(*) < ? AS few FROM ({matching} LIMIT ?)", [FEW_MATCHES, query, FEW_MATCHES])[
                "few"
            ]
        )
        columns = ", ".join(f"c.{column.strip()}" for column in _CONTACT_COLUMNS.split(","))
        rows = self._all(
            (
                f"SELECT {columns} FROM contacts_fts f CROSS JOIN contacts c ON c.id = f.rowid"
                " WHERE contacts_fts MATCH :query AND c.tenant_id = :tenant"
                if few
                else f"SELECT {columns} FROM contacts c WHERE c.tenant_id = :tenant AND c.id IN"
                f" ({matching.replace('?', ':query')})"
            )
            + " AND c.erased_at IS NULL ORDER BY c.name COLLATE NOCASE, c.id LIMIT :limit OFFSET :offset",
            {"tenant": tenant_id, "query": query, "limit": limit, "offset": offset},
        )
        return [_contact(r) for r in rows]

    def list_contacts(self, tenant_id: str, limit: int = 25, offset: int = 0) -> list[Contact]:
        rows = self._all(
            f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE tenant_id = ? AND erased_at IS NULL"
            " ORDER BY name COLLATE NOCASE, id LIMIT ? OFFSET ?",
            [tenant_id, limit, offset],
        )
        return [_contact(r) for r in rows]

    def count_contacts(self, tenant_id: str) -> int:
        sql = "SELECT count(*) AS n FROM contacts WHERE tenant_id = ? AND erased_at IS NULL"
        return int(self._one(sql, [tenant_id])["n"])

    def update_contact(self, tenant_id: str, contact_id: int, fields: dict[str, str | None]) -> bool:
        """False when there is no such contact, or it was erased (an erased row is never written again)."""
        cursor = self.db.execute(
            "UPDATE contacts SET name = ?, email = ?, phone = ?, company = ?, job_title = ?"
            " WHERE tenant_id = ? AND id = ? AND erased_at IS NULL",
            [fields["name"], fields["email"], fields["phone"], fields["company"], fields["job_title"],
             tenant_id, contact_id],
        )  # fmt: skip
        return cursor.rowcount == 1

    def delete_contact(self, tenant_id: str, contact_id: int) -> None:
        self.db.execute(
            "DELETE FROM contacts WHERE tenant_id = ? AND id = ? AND erased_at IS NULL", [tenant_id, contact_id]
        )

    # --- the entries merged into a contact (what its erasure must find too) ----------------------

    def remember_merged(self, tenant_id: str, gone: Contact, kept_id: int, now: str) -> None:
        """`gone` is merged into `kept_id`: its name, email and phone, and the entries merged into it, go to `kept_id`."""
        self.db.execute(
            "UPDATE merged_contacts SET contact_id = ? WHERE tenant_id = ? AND contact_id = ?",
            [kept_id, tenant_id, gone.id],
        )
        self.db.execute(
            "INSERT INTO merged_contacts (tenant_id, contact_id, name, email, phone, merged_at) VALUES (?, ?, ?, ?, ?, ?)",
            [tenant_id, kept_id, gone.name, gone.email, gone.phone, now],
        )

    def merged_into(self, tenant_id: str, contact_id: int) -> list[tuple[str, str | None, str | None]]:
        """(name, email, phone) of each entry merged into the contact, oldest first."""
        rows = self._all(
            "SELECT name, email, phone FROM merged_contacts WHERE tenant_id = ? AND contact_id = ? ORDER BY id",
            [tenant_id, contact_id],
        )
        return [(r["name"], r["email"], r["phone"]) for r in rows]
