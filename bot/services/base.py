"""What every group of use cases shares: the repository, the clock, and the write transaction that
also claims the turn's activity, so a change and "this activity was handled" commit together."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from bot.domain.errors import Redelivered
from bot.domain.quotas import WriteQuotas
from storage.repository import Repository

# The activity the current turn is handling, until a write transaction claims it (one per asyncio task).
_UNCLAIMED: ContextVar[tuple[str, str, str] | None] = ContextVar("unclaimed_activity", default=None)


class Cases:
    repo: Repository
    clock: Callable[[], str]
    quotas: WriteQuotas

    @contextmanager
    def writing(self) -> Iterator[None]:
        """One write transaction. The first one of a turn also claims the turn's activity: a redelivered
        activity whose change was made raises Redelivered, and a rolled-back change releases the claim."""
        claim = None if self.repo.in_transaction() else _UNCLAIMED.get()
        with self.repo.transaction():
            if claim is not None:
                if not self.repo.activities.claim_activity(*claim, self.clock()):
                    raise Redelivered()
                _UNCLAIMED.set(None)
            try:
                yield
            except BaseException:
                if claim is not None:
                    _UNCLAIMED.set(claim)
                raise

    def handling(self, tenant_id: str, conversation_id: str, activity_id: str) -> None:
        """The current turn handles this activity: its first write transaction will claim it."""
        _UNCLAIMED.set((tenant_id, conversation_id, activity_id))

    def was_handled(self, tenant_id: str, conversation_id: str, activity_id: str) -> bool:
        return self.repo.activities.activity_claimed(tenant_id, conversation_id, activity_id)

    def claim_unclaimed(self) -> bool:
        """At the end of a turn that changed nothing: claim its activity now (False: it was handled before)."""
        claim = _UNCLAIMED.get()
        if claim is None:
            return True
        _UNCLAIMED.set(None)
        with self.repo.transaction():
            return self.repo.activities.claim_activity(*claim, self.clock())
