"""What comes next on a record, as its card shows it: the next open step, the next meeting and how long its stage
may stay without activity, read in one statement (a round trip a card, not three, on PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.domain.meetings import Meeting
from bot.domain.tasks import Task
from storage import meetings, tasks
from storage.queries import Queries


def _parts(columns: str) -> list[tuple[str, str]]:
    """A select list's columns as (expression, name): `k.id` is named id, `(...) AS x` x; split at its top-level
    commas."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(columns + ","):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(columns[start:i].strip())
            start = i + 1
    named = []
    for part in parts:
        name = re.findall(r"\w+", part)[-1]
        named.append((re.sub(rf"\s+AS\s+{name}$", "", part), name))
    return named


_TASK = _parts(tasks.COLUMNS)  # read through alias k
_MEETING = [(f"m.{expression}", name) for expression, name in _parts(meetings.COLUMNS)]
_TASK_NAMES = [name for _, name in _TASK]
_MEETING_NAMES = [name for _, name in _MEETING]
_SELECTED = ", ".join(
    ["q.days AS quiet_setting"]
    + [f"{expression} AS t_{name}" for expression, name in _TASK]
    + [f"{expression} AS m_{name}" for expression, name in _MEETING]
)
# One row whatever exists: each part joined by its primary key to a row of one, empty where there is none (the
# next task and meeting found by their indexes, as storage/tasks.py and storage/meetings.py find them).
_SQL = (
    f"SELECT {_SELECTED} FROM (SELECT 1 AS one) o"
    " LEFT JOIN quiet_after q ON q.tenant_id = ? AND q.stage = ?"
    " LEFT JOIN tasks k ON k.id = (SELECT k.id FROM tasks k WHERE k.tenant_id = ? AND k.record_id = ?"
    f" AND k.done_at IS NULL{tasks.ORDER} LIMIT 1)"
    f" LEFT JOIN meetings m ON m.id = (SELECT id FROM meetings WHERE {meetings.COMING} LIMIT 1)"
)


class _Prefixed(Mapping[str, Any]):
    """A row's columns of one part (`t_id` read as `id`)."""

    def __init__(self, row: Any, prefix: str, names: list[str]) -> None:
        self.row, self.prefix, self.names = row, prefix, names

    def __getitem__(self, name: str) -> Any:
        return self.row[self.prefix + name]

    def __iter__(self) -> Any:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


@dataclass(frozen=True)
class Coming:
    task: Task | None  # the next open step (the first due)
    meeting: Meeting | None  # the next meeting still to end
    quiet_setting: int | None  # the organisation's days for the record's stage (None: the default)


class ComingQueries(Queries):
    """repo.coming"""

    def of_record(self, tenant_id: str, record_id: int, quiet_key: str, now: str) -> Coming:
        row = self._one(_SQL, [tenant_id, quiet_key, tenant_id, record_id, tenant_id, record_id, now])
        task = tasks.task_of(_Prefixed(row, "t_", _TASK_NAMES)) if row["t_id"] is not None else None
        meeting = meetings.meeting_of(_Prefixed(row, "m_", _MEETING_NAMES)) if row["m_id"] is not None else None
        setting = row["quiet_setting"]
        return Coming(task, meeting, None if setting is None else int(setting))
