"""Email from a record: what goes out, and the one thing the bot needs from whoever sends it.

bot/graph.py sends through Microsoft Graph; without Graph there is no Mailer and the compose card
offers a mailto: link instead."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


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
