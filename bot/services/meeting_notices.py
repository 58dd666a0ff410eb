"""A meeting's two cards to its organiser, as the outbox's sender reads them (`Deliveries.views`): the prep card an
hour before (the record's stage, value, people with their buying roles, latest comments) and "How did it go?"
once it ended. Their rows are written with the meeting (bot/services/meetings.py), once; a cancelled meeting's
rows are dropped, and a row whose meeting is no longer on is not sent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.domain.delivery import Notification, NotificationView
from bot.domain.meetings import MeetingStatus
from bot.domain.models import EventKind, NotifyChoice, RecordView, Role

if TYPE_CHECKING:
    from bot.services.outbox import Deliveries

PREP_COMMENTS = 3


class MeetingNotices:
    """The organiser's rows of a meeting, as the sender reads them (`Deliveries.views`)."""

    def __init__(self, deliveries: Deliveries) -> None:
        self.deliveries = deliveries
        self.repo = deliveries.repo

    def view(self, notification: Notification) -> NotificationView | None:
        """The prep card or "How did it go?", or None once the meeting was cancelled (or is gone), or once its
        organiser may no longer see the record (made private or given to a team without them)."""
        tenant = notification.tenant_id
        occasion = (notification.occasion or "").removeprefix("meeting ")
        if notification.record_id is None or notification.recipient_id is None or not occasion.isdigit():
            return None
        meeting = self.repo.meetings.get(tenant, int(occasion))
        if meeting is None or meeting.status not in (MeetingStatus.SCHEDULED, MeetingStatus.PLANNED):
            return None
        record = self.repo.records.get_record(tenant, notification.record_id)
        recipient = self.repo.people.get_user(tenant, notification.recipient_id)
        owner = self.repo.people.get_user(tenant, record.owner_id) if record else None
        if record is None or recipient is None or owner is None:
            return None
        if not self.deliveries.may_see(recipient, record):  # a private or team record its organiser no longer sees
            return None
        people = self.repo.buying.record_people_with_roles(tenant, record.id)
        comments = tuple(e for e in self.repo.records.timeline(tenant, record.id, 50) if e.kind is EventKind.COMMENTED)
        about = RecordView(
            record=record,
            owner=owner,
            contact=next((c for role, c, _r in people if role == Role.CONTACT), None),
            participants=tuple(c for role, c, _r in people if role == Role.PARTICIPANT),
            followers=(),
            timeline=comments[:PREP_COMMENTS],
            buying_roles={c.id: buying for _r, c, buying in people if buying},
        )
        events = tuple(self.repo.records.events(tenant, record.id, notification.event_ids))
        return NotificationView(
            notification, record, recipient, events, NotifyChoice.ALL, following=False, about=about, meeting=meeting
        )
