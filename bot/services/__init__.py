"""The use cases: validate, load once, change in one transaction, return the change and its events.
No Teams types and no cards here. `CrmService` composes them: one object per group of use cases, each
built with what it needs, and all of them sharing one unit of work (bot/services/work.py).

    services.records      leads and opportunities: create, the three roles, follow, comment, stage, convert
    services.lifecycle    hand over, archive, restore; finding a colleague
    services.details      value, close date, source, description; the organisation's currency
    services.buying       buying roles and the missing-signer reminder
    services.contacts     create, find and read contacts
    services.contact_care edit, merge, delete and erase contacts
    services.contact_files CSV import and export
    services.messages     the message extension: records and contacts from chat messages
    services.email        email to the Contact and the other participants
    services.meetings     Teams meetings with them: schedule, move, cancel, and what came of it
    services.pipeline     the pipeline, its stage lists and the weekly channel post
    services.pipelines    the organisation's pipelines (admins), moving a deal between them, lost reasons
    services.fields       custom fields: admins define them; values on records and contacts
    services.tasks        next steps: tasks with a due time, an assignee and a reminder
    services.people       people, their profiles, redelivery, housekeeping, card posts
    services.visibility   who may see a record: visibility, shares, the default, teams and their rosters
    services.deliveries   the outbox (bot/services/outbox.py)
    services.work         the unit of work: the write transaction and the turn's claim

`for_turn` gives the same services for one turn, whose first write claims the turn's activity."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping

from bot.domain.clock import utc_now
from bot.domain.models import EventKind
from bot.domain.quotas import QUOTAS, Quota, QuotaKind
from bot.services.buying_roles import BuyingRoleCases
from bot.services.changes import RecordWork
from bot.services.contact_care import ContactCareCases
from bot.services.contact_files import ContactFileCases
from bot.services.contacts import ContactCases
from bot.services.details import DetailCases
from bot.services.email import EmailCases
from bot.services.fields import FieldCases
from bot.services.lifecycle import LifecycleCases
from bot.services.meetings import MeetingCases
from bot.services.messages import MessageCases
from bot.services.outbox import Deliveries, Ownership
from bot.services.people import UserCases
from bot.services.pipeline import PipelineCases
from bot.services.pipelines import PipelineDefinitionCases
from bot.services.quotas import WriteQuotas
from bot.services.reactions import Reactions, follows_end_when_closed, lost_reason_asked
from bot.services.records import RecordCases
from bot.services.tasks import TaskCases
from bot.services.visibility import VisibilityCases
from bot.services.work import UnitOfWork
from storage.repository import Repository

__all__ = ["CrmService"]


class CrmService:
    """Contacts, leads, opportunities, their three roles, email and people, for one database."""

    def __init__(
        self,
        repo: Repository,
        clock: Callable[[], str] = utc_now,
        notify_window_seconds: int = 0,
        ownership: Ownership | None = None,
        quotas: Mapping[QuotaKind, Quota] = QUOTAS,
        admins: frozenset[str] = frozenset(),
    ) -> None:
        self.repo = repo
        self.admins = admins
        self.clock = clock
        self.deliveries = Deliveries(repo, clock, notify_window_seconds, ownership)
        self.run = repo.run  # storage work from the event loop: a worker thread for PostgreSQL
        self.quotas = WriteQuotas(repo, clock, quotas)  # counted in the database: every replica's at once
        self._compose(UnitOfWork(repo, clock, self.quotas))
        self.deliveries.is_admin = self.people.is_admin  # the sender tells nobody of a record they may not see

    def for_turn(self, tenant_id: str, conversation_id: str, activity_id: str) -> CrmService:
        """The same services for a turn handling this activity: its first write transaction claims it."""
        turn = copy.copy(self)
        turn._compose(self.work.for_turn(tenant_id, conversation_id, activity_id))
        return turn

    def _compose(self, work: UnitOfWork) -> None:
        self.work = work
        self.people = UserCases(work, self.admins)
        changes = RecordWork(work, self.deliveries, self.people.is_admin)
        reactions = Reactions()
        self.contacts = ContactCases(work)
        self.pipelines = PipelineDefinitionCases(work, changes, self.people)
        self.visibility = VisibilityCases(work, changes)
        self.records = RecordCases(work, changes, self.contacts, reactions, self.pipelines, self.visibility)
        self.lifecycle = LifecycleCases(work, changes)
        self.fields = FieldCases(work, changes, self.people, self.lifecycle)
        self.details = DetailCases(work, changes, self.fields)
        self.buying = BuyingRoleCases(work, changes)
        self.contact_care = ContactCareCases(work, changes, self.contacts, self.fields)
        self.contact_files = ContactFileCases(work, self.fields)
        self.messages = MessageCases(work, changes, self.contacts, self.records)
        self.email = EmailCases(work, changes)
        self.meetings = MeetingCases(work, changes, self.records, self.details)
        self.pipeline = PipelineCases(work, self.lifecycle, self.pipelines, changes)
        self.tasks = TaskCases(work, changes, self.deliveries)
        # What follows a change, in this order (the missing-signer reminder comes before the closing lapse, and
        # asking why a deal was lost comes last, after what the reply says about follows).
        reactions.table[EventKind.STAGE_CHANGED] = (
            self.buying.stage_reached,
            follows_end_when_closed(self.deliveries.notices),
            lost_reason_asked,
        )
