"""Queries about buying roles: the role of each customer person on a record, and which deals lack
the people who sign."""

from __future__ import annotations

from bot.domain.buying import SIGNERS, BuyingRole
from bot.domain.models import Contact, EventKind
from storage.queries import Queries, _contact, by_value, stored

_SIGNER_VALUES = sorted(r.value for r in SIGNERS)
_BUYING_ROLES = by_value(BuyingRole)


class BuyingRoleQueries(Queries):
    """repo.buying"""

    def record_people_with_roles(self, tenant_id: str, record_id: int) -> list[tuple[str, Contact, BuyingRole | None]]:
        """The Contact and the Other participants, with their place on the record and their buying role."""
        rows = self._all(
            "SELECT rc.role, rc.buying_role, c.id, c.tenant_id, c.name, c.email, c.phone, c.company, c.job_title,"
            " c.erased_at"
            " FROM record_contacts rc JOIN contacts c ON c.tenant_id = rc.tenant_id AND c.id = rc.contact_id"
            " WHERE rc.tenant_id = ? AND rc.record_id = ? ORDER BY rc.added_at, c.id",
            [tenant_id, record_id],
        )
        return [(r["role"], _contact(r), _BUYING_ROLES[r["buying_role"]] if r["buying_role"] else None) for r in rows]

    def set_buying_role(self, tenant_id: str, record_id: int, contact_id: int, role: BuyingRole | None) -> bool:
        """False when the person is not (or no longer) on the record."""
        cursor = self.db.execute(
            "UPDATE record_contacts SET buying_role = ? WHERE tenant_id = ? AND record_id = ? AND contact_id = ?",
            [stored(BuyingRole, role) if role else None, tenant_id, record_id, contact_id],
        )
        return cursor.rowcount == 1

    def has_signer(self, tenant_id: str, record_id: int) -> bool:
        row = self._one(
            "SELECT 1 FROM record_contacts WHERE tenant_id = ? AND record_id = ? AND buying_role IN (?, ?) LIMIT 1",
            [tenant_id, record_id, *_SIGNER_VALUES],
        )
        return row is not None

    def was_nudged(self, tenant_id: str, record_id: int) -> bool:
        """Whether the owner was already told that the deal has no decision maker."""
        row = self._one(
            "SELECT 1 FROM events WHERE tenant_id = ? AND record_id = ? AND kind = ? LIMIT 1",
            [tenant_id, record_id, EventKind.DECISION_MAKER_MISSING.value],
        )
        return row is not None

    def without_signer(self, tenant_id: str, record_ids: list[int]) -> set[int]:
        """Of these records, the ones with no Decision maker or Economic buyer among their people."""
        if not record_ids:
            return set()
        marks = ", ".join("?" for _ in record_ids)
        rows = self._all(
            f"SELECT r.id FROM records r WHERE r.tenant_id = ? AND r.id IN ({marks}) AND NOT EXISTS"
            " (SELECT 1 FROM record_contacts rc WHERE rc.tenant_id = r.tenant_id AND rc.record_id = r.id"
            " AND rc.buying_role IN (?, ?))",
            [tenant_id, *record_ids, *_SIGNER_VALUES],
        )
        return {r["id"] for r in rows}
