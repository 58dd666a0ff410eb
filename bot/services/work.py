"""The unit of work every use case shares: the repository, the clock, the write quotas, and the write
transaction that also claims the turn's activity, so a change and "this activity was handled" commit
together. The claim is the unit of work's own (`for_turn`), passed to the use cases it is built into:
nothing rides in a context variable."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bot.domain.errors import Redelivered
from bot.services.quotas import WriteQuotas
from storage.repository import Repository


@dataclass
class Claim:
    """The activity a turn is handling, until a write transaction (or the turn's end) claims it."""

    tenant_id: str
    conversation_id: str
    activity_id: str
    pending: bool = True


class UnitOfWork:
    def __init__(
        self, repo: Repository, clock: Callable[[], str], quotas: WriteQuotas, claim: Claim | None = None
    ) -> None:
        self.repo = repo
        self.clock = clock
        self.quotas = quotas
        self.claim = claim

    def for_turn(self, tenant_id: str, conversation_id: str, activity_id: str) -> UnitOfWork:
        """The same store and clock, for a turn that handles this activity: its first write claims it."""
        return UnitOfWork(self.repo, self.clock, self.quotas, Claim(tenant_id, conversation_id, activity_id))

    @contextmanager
    def writing(self) -> Iterator[None]:
        """One write transaction. The first one of a turn also claims the turn's activity: a redelivered
        activity whose change was made raises Redelivered, and a rolled-back change releases the claim. The
        claim's answer is checked with the change's first statement (on PostgreSQL they share a round trip):
        nothing the change does before that statement leaves the process (storage work makes no other
        calls), and a redelivery rolls it all back."""
        claim = self.claim if self.claim is not None and self.claim.pending and not self.repo.in_transaction() else None
        try:
            with self.repo.transaction():
                if claim is not None:
                    self.repo.ahead(lambda: self._claimed(claim))
                    claim.pending = False
                yield
        except BaseException:
            if claim is not None:
                claim.pending = True
            raise

    def _claimed(self, claim: Claim) -> None:
        if not self.repo.activities.claim_activity(
            claim.tenant_id, claim.conversation_id, claim.activity_id, self.clock()
        ):
            raise Redelivered()

    def was_handled(self, tenant_id: str, conversation_id: str, activity_id: str) -> bool:
        return self.repo.activities.activity_claimed(tenant_id, conversation_id, activity_id)

    def claim_unclaimed(self) -> bool:
        """At the end of a turn that changed nothing: claim its activity now (False: it was handled before)."""
        claim = self.claim
        if claim is None or not claim.pending:
            return True
        claim.pending = False
        with self.repo.transaction():
            return self.repo.activities.claim_activity(
                claim.tenant_id, claim.conversation_id, claim.activity_id, self.clock()
            )
