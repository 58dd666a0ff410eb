"""Email from a record: what goes out, and the one thing the bot needs from whoever sends it.

bot/graph.py sends through Microsoft Graph; without Graph there is no Mailer and the compose card
offers a mailto: link instead."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bot.domain.errors import DomainError
from bot.domain.language import _, translated
from bot.domain.models import Change, EventKind, Record, User
from bot.domain.rules import SEND_ID, SEND_REFUSALS, shorten
from bot.services.changes import RecordWork
from bot.services.work import UnitOfWork


@dataclass(frozen=True)
class OutgoingMail:
    sender_id: str  # the acting user's Entra object id: the mail goes out from their mailbox
    to: tuple[str, ...]
    subject: str
    body: str
    cc: tuple[str, ...] = field(default_factory=tuple)


class MailError(Exception):
    """Sending failed; `message` is for the user. `sent_unknown`: it may have gone out anyway (timeout)."""

    def __init__(self, message: str, sent_unknown: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.sent_unknown = sent_unknown


class Mailer(Protocol):
    def serves(self, tenant_id: str) -> bool:
        """Whether this mailer may send for users of that tenant."""
        ...

    async def send_mail(self, mail: OutgoingMail) -> None: ...


class EmailCases:
    def __init__(self, work: UnitOfWork, changes: RecordWork) -> None:
        self.work, self.repo, self.clock = work, work.repo, work.clock
        self.changes = changes

    """The timeline side of email: a send id claimed before sending, then sent or failed."""

    def begin_email(self, actor: User, ref: str, send_id: str) -> Record:
        """Claim a compose card's send id before sending, so a second click never sends twice."""
        if not SEND_ID.fullmatch(send_id or ""):
            raise DomainError(_("This card is out of date; please open the email again."))
        with self.work.writing():
            record = self.changes.get_record(actor, ref)
            status = self.repo.posts.email_send_status(actor.tenant_id, send_id)
            if status in SEND_REFUSALS:
                raise DomainError(translated(SEND_REFUSALS[status]))
            self.repo.posts.set_email_send(actor.tenant_id, send_id, record.id, actor.id, "sending", None, self.clock())
        return record

    def email_failed(self, actor: User, record: Record, send_id: str, reason: str, sent_unknown: bool) -> None:
        """Nothing went out (or, after a timeout, perhaps something did): no timeline event either way."""
        with self.work.writing():
            status = "unknown" if sent_unknown else "failed"
            self.repo.posts.set_email_send(
                actor.tenant_id, send_id, record.id, actor.id, status, reason[:500], self.clock()
            )

    def email_sent(
        self, actor: User, record: Record, send_id: str, to: list[str], cc: list[str], subject: str
    ) -> Change:
        """Record a sent email on the timeline: recipients and subject, never the body."""
        recipients = "to " + ", ".join(to) + (f", cc {', '.join(cc)}" if cc else "")
        with self.work.writing():
            self.repo.posts.set_email_send(actor.tenant_id, send_id, record.id, actor.id, "sent", None, self.clock())
            latest = (
                self.repo.records.get_record(actor.tenant_id, record.id) or record
            )  # it may have changed during the send
            event = self.changes.event(
                actor, latest, EventKind.EMAIL_SENT, new=shorten(subject), detail=shorten(recipients)
            )
            if cc:
                said = _("Email sent to {to}, cc {cc}.", to=", ".join(to), cc=", ".join(cc))
            else:
                said = _("Email sent to {to}.", to=", ".join(to))
            return self.changes.changed(self.changes.touch(latest), (event,), said)
