"""Queries of the meetings set up from a record (migration 30), each scoped by tenant id, and of the outbox rows
that prepare for and follow up each one (purposes meeting_prep and meeting_recap, `occasion` naming the meeting)."""

from __future__ import annotations

from typing import Any

from bot.domain.delivery import Purpose
from bot.domain.meetings import Meeting, MeetingStatus, attendees_from_json, attendees_json
from storage.queries import Queries, by_value, stored

COLUMNS = (
    "id, tenant_id, record_id, organiser_id, form_id, status, subject, starts_at, ends_at, time_zone, attendees,"
    " agenda, event_id, join_url"
)
_STATUSES = by_value(MeetingStatus)
# A record's meetings still to end, the next first (parameters: tenant id, record id, now).
COMING = "tenant_id = ? AND record_id = ? AND ends_at > ? AND status IN ('scheduled', 'planned') ORDER BY starts_at, id"
MEETING_PURPOSES = (Purpose.MEETING_PREP, Purpose.MEETING_RECAP)


def occasion_of(meeting_id: int) -> str:
    """What a meeting's outbox rows are sent once for."""
    return f"meeting {meeting_id}"


def meeting_of(row: Any) -> Meeting:
    return Meeting(
        id=row["id"], tenant_id=row["tenant_id"], record_id=row["record_id"], organiser_id=row["organiser_id"],
        form_id=row["form_id"], status=_STATUSES[row["status"]], subject=row["subject"], starts_at=row["starts_at"],
        ends_at=row["ends_at"], time_zone=row["time_zone"], attendees=attendees_from_json(row["attendees"]),
        agenda=row["agenda"] or "", event_id=row["event_id"], join_url=row["join_url"],
    )  # fmt: skip


class MeetingQueries(Queries):
    """repo.meetings"""

    def form_status(self, tenant_id: str, form_id: str) -> MeetingStatus | None:
        row = self._one("SELECT status FROM meetings WHERE tenant_id = ? AND form_id = ?", [tenant_id, form_id])
        return _STATUSES[row[0]] if row else None

    def claim(self, meeting: Meeting, now: str) -> int | None:
        """The form's row, written once (None: the form was used already)."""
        rows = self._all(
            "INSERT INTO meetings (tenant_id, record_id, organiser_id, form_id, status, subject, starts_at, ends_at,"
            " time_zone, attendees, agenda, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (tenant_id, form_id) DO NOTHING RETURNING id",
            [
                meeting.tenant_id, meeting.record_id, meeting.organiser_id, meeting.form_id,
                stored(MeetingStatus, meeting.status), meeting.subject, meeting.starts_at, meeting.ends_at,
                meeting.time_zone, attendees_json(meeting.attendees), meeting.agenda, now, now,
            ],
        )  # fmt: skip
        return int(rows[0]["id"]) if rows else None

    def forget_failed(self, tenant_id: str, form_id: str) -> None:
        """A form whose meeting Graph refused may try again: its failed row goes."""
        self.db.execute(
            "DELETE FROM meetings WHERE tenant_id = ? AND form_id = ? AND status = 'failed'", [tenant_id, form_id]
        )

    def get(self, tenant_id: str, meeting_id: int) -> Meeting | None:
        row = self._one(f"SELECT {COLUMNS} FROM meetings WHERE tenant_id = ? AND id = ?", [tenant_id, meeting_id])
        return meeting_of(row) if row else None

    def set_status(
        self, tenant_id: str, meeting_id: int, status: MeetingStatus, now: str, was: MeetingStatus,
        reason: str | None = None,
    ) -> bool:  # fmt: skip
        """Move a meeting on from `was` (False: it was no longer there)."""
        done = self.db.execute(
            "UPDATE meetings SET status = ?, reason = ?, updated_at = ? WHERE tenant_id = ? AND id = ? AND status = ?",
            [stored(MeetingStatus, status), reason, now, tenant_id, meeting_id, stored(MeetingStatus, was)],
        )
        return done.rowcount > 0

    def scheduled(self, tenant_id: str, meeting_id: int, event_id: str, join_url: str | None, now: str) -> bool:
        done = self.db.execute(
            "UPDATE meetings SET status = 'scheduled', event_id = ?, join_url = ?, updated_at = ?"
            " WHERE tenant_id = ? AND id = ? AND status = 'creating'",
            [event_id, join_url, now, tenant_id, meeting_id],
        )
        return done.rowcount > 0

    def move(self, tenant_id: str, meeting_id: int, starts_at: str, ends_at: str, now: str) -> None:
        self.db.execute(
            "UPDATE meetings SET starts_at = ?, ends_at = ?, updated_at = ? WHERE tenant_id = ? AND id = ?",
            [starts_at, ends_at, now, tenant_id, meeting_id],
        )

    def next_of_record(self, tenant_id: str, record_id: int, now: str) -> Meeting | None:
        """The record's next meeting still to end (scheduled through Graph, or planned in Teams)."""
        row = self._one(
            f"SELECT {COLUMNS} FROM meetings WHERE {COMING} LIMIT 1",
            [tenant_id, record_id, now],
        )
        return meeting_of(row) if row else None

    # --- its outbox rows -------------------------------------------------------------------------

    def enqueue(
        self, tenant_id: str, meeting: Meeting, purpose: Purpose, event_id: int, batch: str, now: str, due_at: str
    ) -> None:
        """The organiser's prep card or "How did it go?", due at `due_at`, one of each per meeting."""
        self.db.execute(
            "INSERT INTO notifications (tenant_id, record_id, recipient_id, actor_id, event_ids, batch, due_at,"
            " next_attempt_at, created_at, updated_at, purpose, occasion) VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                tenant_id, meeting.record_id, meeting.organiser_id, str(event_id), batch, due_at, due_at, now, now,
                stored(Purpose, purpose), occasion_of(meeting.id),
            ],
        )  # fmt: skip

    def reschedule_rows(self, tenant_id: str, meeting_id: int, purpose: Purpose, due_at: str, now: str) -> int:
        """A moved meeting's rows not sent yet are due at its new time."""
        done = self.db.execute(
            "UPDATE notifications SET due_at = ?, next_attempt_at = ?, updated_at = ? WHERE tenant_id = ?"
            " AND purpose = ? AND occasion = ? AND status = 'pending'",
            [due_at, due_at, now, tenant_id, stored(Purpose, purpose), occasion_of(meeting_id)],
        )
        return max(done.rowcount, 0)

    def drop_rows(self, tenant_id: str, meeting_id: int) -> int:
        """A cancelled meeting's rows not sent yet go."""
        marks = ", ".join("?" for _ in MEETING_PURPOSES)
        done = self.db.execute(
            f"DELETE FROM notifications WHERE tenant_id = ? AND purpose IN ({marks}) AND occasion = ?"
            " AND status = 'pending'",
            [tenant_id, *(p.value for p in MEETING_PURPOSES), occasion_of(meeting_id)],
        )
        return max(done.rowcount, 0)
