"""Tasks' queries (migration 29): a record's next steps and a person's, each parameterised and scoped by
tenant id; the open ones read through the partial indexes of open tasks. A task's reminder is a row of the
outbox (storage/outbox.py `enqueue_reminder`)."""

from __future__ import annotations

from typing import Any

from bot.domain.delivery import Purpose
from bot.domain.tasks import Task, TaskType
from bot.domain.visibility import Reader
from storage.queries import Queries, by_value, stored
from storage.visibility import visible_clause

_TYPES = by_value(TaskType)
COLUMNS = (
    "k.id, k.tenant_id, k.number, k.record_id, k.text, k.type, k.due_on, k.due_at, k.lead_minutes, k.assignee_id,"
    " k.created_by, k.created_at, k.updated_at, k.done_at, k.done_by, k.note,"
    " (SELECT CASE r.kind WHEN 'lead' THEN 'L-' ELSE 'O-' END || r.number FROM records r"
    "  WHERE r.tenant_id = k.tenant_id AND r.id = k.record_id) AS record_ref,"
    " (SELECT r.title FROM records r WHERE r.tenant_id = k.tenant_id AND r.id = k.record_id) AS record_title,"
    " (SELECT u.name FROM users u WHERE u.tenant_id = k.tenant_id AND u.id = k.assignee_id) AS assignee_name"
)
# Open tasks in the order they come due: a day's timed tasks by their moment, its date-only ones after them
# (the order of migration 33's indexes, so the first few are read without sorting them all).
ORDER = " ORDER BY k.due_on, k.due_at IS NULL, k.due_at, k.id"


def _seen_by(reader: Reader | None) -> tuple[str, list[Any]]:
    """Only the tasks of records `reader` may see (storage/visibility.py's filter, as every list of records
    has it): nothing for an admin or the organisation's own read; one primary-key lookup of the task's record
    otherwise, which keeps the index's order."""
    if reader is None or reader.sees_all:
        return "", []
    visible, params = visible_clause(reader)
    return (
        f" AND EXISTS (SELECT 1 FROM records r WHERE r.tenant_id = k.tenant_id AND r.id = k.record_id{visible})",
        params,
    )


def task_of(row: Any) -> Task:
    return Task(
        id=int(row["id"]), tenant_id=row["tenant_id"], number=int(row["number"]), record_id=int(row["record_id"]),
        text=row["text"], type=_TYPES[row["type"]], due_on=row["due_on"], due_at=row["due_at"],
        lead_minutes=int(row["lead_minutes"]), assignee_id=int(row["assignee_id"]), created_by=int(row["created_by"]),
        created_at=row["created_at"], updated_at=row["updated_at"], done_at=row["done_at"],
        done_by=None if row["done_by"] is None else int(row["done_by"]), note=row["note"],
        record_ref=row["record_ref"] or "", record_title=row["record_title"] or "",
        assignee_name=row["assignee_name"] or "",
    )  # fmt: skip


class TaskQueries(Queries):
    """repo.tasks"""

    def insert_task(
        self, tenant_id: str, record_id: int, text: str, task_type: TaskType, due_on: str, due_at: str | None,
        lead_minutes: int, assignee_id: int, created_by: int, now: str,
    ) -> Task:  # fmt: skip
        self._lock("tasks", tenant_id)  # the next number is read, then taken
        number = self._one("SELECT COALESCE(MAX(number), 0) + 1 AS next FROM tasks WHERE tenant_id = ?", [tenant_id])[
            "next"
        ]
        task_id = self._new_id(
            "INSERT INTO tasks (tenant_id, number, record_id, text, type, due_on, due_at, lead_minutes, assignee_id,"
            " created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [tenant_id, number, record_id, text, stored(TaskType, task_type), due_on, due_at, lead_minutes,
             assignee_id, created_by, now, now],
        )  # fmt: skip
        task = self.get_task(tenant_id, task_id)
        assert task is not None
        return task

    def get_task(self, tenant_id: str, task_id: int) -> Task | None:
        row = self._one(
            f"SELECT {COLUMNS} FROM tasks k WHERE k.tenant_id = ? AND k.id = ?{self._for_update('k')}",
            [tenant_id, task_id],
        )
        return task_of(row) if row else None

    def task_by_number(self, tenant_id: str, number: int) -> Task | None:
        row = self._one(
            f"SELECT {COLUMNS} FROM tasks k WHERE k.tenant_id = ? AND k.number = ?{self._for_update('k')}",
            [tenant_id, number],
        )
        return task_of(row) if row else None

    def open_count(self, tenant_id: str, record_id: int) -> int:
        row = self._one(
            "SELECT count(*) AS n FROM tasks WHERE tenant_id = ? AND record_id = ? AND done_at IS NULL",
            [tenant_id, record_id],
        )
        return int(row["n"])

    def open_of_record(self, tenant_id: str, record_id: int, limit: int) -> list[Task]:
        rows = self._all(
            f"SELECT {COLUMNS} FROM tasks k WHERE k.tenant_id = ? AND k.record_id = ? AND k.done_at IS NULL"
            f"{ORDER} LIMIT ?",
            [tenant_id, record_id, limit],
        )
        return [task_of(r) for r in rows]

    def done_of_record(self, tenant_id: str, record_id: int, limit: int) -> list[Task]:
        rows = self._all(
            f"SELECT {COLUMNS} FROM tasks k WHERE k.tenant_id = ? AND k.record_id = ? AND k.done_at IS NOT NULL"
            " ORDER BY k.done_at DESC, k.id DESC LIMIT ?",
            [tenant_id, record_id, limit],
        )
        return [task_of(r) for r in rows]

    def open_of_assignee(
        self, tenant_id: str, assignee_id: int, limit: int, reader: Reader | None = None
    ) -> list[Task]:
        """A person's open tasks, the first due first (on the records `reader` may see, when given)."""
        seen, seen_params = _seen_by(reader)
        rows = self._all(
            f"SELECT {COLUMNS} FROM tasks k WHERE k.tenant_id = ? AND k.assignee_id = ? AND k.done_at IS NULL"
            f"{seen}{ORDER} LIMIT ?",
            [tenant_id, assignee_id, *seen_params, limit],
        )
        return [task_of(r) for r in rows]

    def next_open(self, tenant_id: str, record_ids: list[int]) -> dict[int, Task]:
        """Each record's next open step (the first due), for a card or a list."""
        found: dict[int, Task] = {}
        for record_id in record_ids:
            first = self.open_of_record(tenant_id, record_id, 1)
            if first:
                found[record_id] = first[0]
        return found

    def update_task(self, tenant_id: str, task_id: int, now: str, **changes: Any) -> None:
        allowed = {"text", "type", "due_on", "due_at", "lead_minutes", "assignee_id", "done_at", "done_by", "note"}
        if not changes or not set(changes) <= allowed:
            raise ValueError(f"not a task column: {sorted(set(changes) - allowed)}")
        if "type" in changes:
            changes["type"] = stored(TaskType, changes["type"])
        names = sorted(changes)
        sets = ", ".join(f"{name} = ?" for name in names)
        self.db.execute(
            f"UPDATE tasks SET {sets}, updated_at = ? WHERE tenant_id = ? AND id = ?",
            [*(changes[n] for n in names), now, tenant_id, task_id],
        )

    def close_open_of_record(self, tenant_id: str, record_id: int, by: int, now: str) -> list[int]:
        """Every open task of the record done (archived): their ids."""
        rows = self._all(
            "SELECT id FROM tasks WHERE tenant_id = ? AND record_id = ? AND done_at IS NULL", [tenant_id, record_id]
        )
        self.db.execute(
            "UPDATE tasks SET done_at = ?, done_by = ?, updated_at = ? WHERE tenant_id = ? AND record_id = ?"
            " AND done_at IS NULL",
            [now, by, now, tenant_id, record_id],
        )
        return [int(r["id"]) for r in rows]

    def move_open(self, tenant_id: str, from_record: int, to_record: int) -> int:
        """A converted lead's open tasks (and their pending reminders) go on with the opportunity."""
        moved = self.db.execute(
            "UPDATE tasks SET record_id = ? WHERE tenant_id = ? AND record_id = ? AND done_at IS NULL",
            [to_record, tenant_id, from_record],
        )
        self.db.execute(
            "UPDATE notifications SET record_id = ? WHERE tenant_id = ? AND record_id = ? AND purpose = ?"
            " AND status = 'pending'",
            [to_record, tenant_id, from_record, stored(Purpose, Purpose.REMINDER)],
        )
        return max(moved.rowcount, 0)

    # --- deals that go quiet (migration 32) ------------------------------------------------------

    def quiet_settings(self, tenant_id: str) -> dict[str, int]:
        rows = self._all("SELECT stage, days FROM quiet_after WHERE tenant_id = ?", [tenant_id])
        return {r["stage"]: int(r["days"]) for r in rows}

    def shortest_quiet(self) -> list[int]:
        """The shortest quiet limit any organisation set (none: an empty list)."""
        row = self._one("SELECT MIN(days) AS n FROM quiet_after", [])
        return [int(row["n"])] if row and row["n"] is not None else []

    def set_quiet_after(self, tenant_id: str, stage: str, days: int, now: str) -> None:
        self.db.execute(
            "INSERT INTO quiet_after (tenant_id, stage, days, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (tenant_id, stage) DO UPDATE SET days = excluded.days, updated_at = excluded.updated_at",
            [tenant_id, stage, days, now],
        )

    def quiet_candidates(self, before: str, limit: int) -> list[tuple[str, int, str, str, int, str]]:
        """Open records of every tenant untouched since `before` (the shortest quiet limit ago) whose owner
        was not yet told of this quiet spell: (tenant, id, kind, stage, owner, last activity)."""
        rows = self._all(
            "SELECT r.tenant_id, r.id, r.kind, r.stage, r.owner_id, r.updated_at FROM records r"
            " WHERE r.archived_at IS NULL AND r.converted_to_id IS NULL"
            " AND r.stage NOT IN ('Won', 'Lost', 'Disqualified', 'Converted') AND r.updated_at < ?"
            " AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.tenant_id = r.tenant_id AND n.purpose = ?"
            "  AND n.recipient_id = r.owner_id AND n.occasion = CAST(r.id AS TEXT) || '@' || r.updated_at)"
            " ORDER BY r.updated_at LIMIT ?",
            [before, stored(Purpose, Purpose.QUIET), limit],
        )
        return [(r[0], int(r[1]), r[2], r[3], int(r[4]), r[5]) for r in rows]

    # --- My day (migration 32) ---------------------------------------------------------------------

    def my_day_on(self, tenant_id: str, user_id: int) -> bool:
        row = self._one("SELECT my_day FROM users WHERE tenant_id = ? AND id = ?", [tenant_id, user_id])
        return bool(row["my_day"]) if row else False

    def set_my_day(self, tenant_id: str, user_id: int, on: bool) -> None:
        self.db.execute("UPDATE users SET my_day = ? WHERE tenant_id = ? AND id = ?", [int(on), tenant_id, user_id])

    def my_day_people(self, due_by: str) -> list[tuple[str, int]]:
        """Everyone (of every tenant) with an open task due by `due_by` (a day, ISO) who takes the day's card."""
        rows = self._all(
            "SELECT DISTINCT k.tenant_id, k.assignee_id FROM tasks k JOIN users u ON u.tenant_id = k.tenant_id"
            " AND u.id = k.assignee_id WHERE k.done_at IS NULL AND k.due_on <= ? AND u.my_day = 1",
            [due_by],
        )
        return [(r[0], int(r[1])) for r in rows]

    def due_by(
        self, tenant_id: str, assignee_id: int, day: str, limit: int, created_before: str | None = None,
        reader: Reader | None = None,
    ) -> list[Task]:  # fmt: skip
        """A person's open tasks due on `day` or before (overdue and today's), the first due first;
        `created_before`: only those that existed then; `reader`: only on the records they may see."""
        since = " AND k.created_at <= ?" if created_before else ""
        seen, seen_params = _seen_by(reader)
        rows = self._all(
            f"SELECT {COLUMNS} FROM tasks k WHERE k.tenant_id = ? AND k.assignee_id = ? AND k.done_at IS NULL"
            f" AND k.due_on <= ?{since}{seen}{ORDER} LIMIT ?",
            [tenant_id, assignee_id, day, *([created_before] if created_before else []), *seen_params, limit],
        )
        return [task_of(r) for r in rows]
