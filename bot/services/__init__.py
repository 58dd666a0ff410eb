"""The use cases: validate, load once, change in one transaction, return the change and its events.
No Teams types and no cards here. `CrmService` is the one object the handlers talk to."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.clock import utc_now
from bot.domain.quotas import WriteQuotas
from bot.services.buying_roles import BuyingRoleCases
from bot.services.contact_care import ContactCareCases
from bot.services.contact_files import ContactFileCases
from bot.services.details import DetailCases
from bot.services.email import EmailCases
from bot.services.lifecycle import LifecycleCases
from bot.services.messages import MessageCases
from bot.services.outbox import Deliveries, Ownership
from bot.services.people import UserCases
from bot.services.pipeline import PipelineCases
from storage.repository import Repository

__all__ = ["CrmService"]


class CrmService(
    PipelineCases,
    DetailCases,
    LifecycleCases,
    ContactCareCases,
    ContactFileCases,
    EmailCases,
    MessageCases,
    BuyingRoleCases,
    UserCases,
):
    """Contacts, leads, opportunities, their three roles, email and people, for one database."""

    def __init__(
        self,
        repo: Repository,
        clock: Callable[[], str] = utc_now,
        notify_window_seconds: int = 0,
        ownership: Ownership | None = None,
        quotas: WriteQuotas | None = None,
    ) -> None:
        self.repo = repo
        self.clock = clock
        self.deliveries = Deliveries(repo, clock, notify_window_seconds, ownership)
        self.run = repo.run  # storage work from the event loop: a worker thread for PostgreSQL
        self.quotas = quotas or WriteQuotas()  # per process: see bot/domain/quotas.py
