"""The use cases about people and places rather than records: who is talking (users and their
profiles), redelivered activities, and where record cards were posted. Each person's 1:1 chat with
the bot is the outbox's (bot/services/outbox.py), where notifications go."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.clock import shifted, utc_now
from bot.domain.delivery import CardPost
from bot.domain.errors import DomainError
from bot.domain.models import User
from bot.domain.rules import AAD_ID, MAX_NAME, clean_text
from storage.repository import Repository

REDELIVERY_MEMORY_SECONDS = 2 * 24 * 3600


class UserCases:
    repo: Repository
    clock: Callable[[], str]

    # --- users ---------------------------------------------------------------------------------

    def record_user(
        self, tenant_id: str, teams_id: str | None, aad_object_id: str | None, name: str | None, service_url: str | None
    ) -> User:
        if not tenant_id or not (teams_id or aad_object_id):
            raise DomainError("I could not tell who you are in which organisation.")
        known = self.repo.find_user(tenant_id, teams_id, aad_object_id)
        if known is not None and self._unchanged(
            known, teams_id, aad_object_id, clean_text(name)[:MAX_NAME], service_url
        ):
            return known  # the common case: no write transaction on every turn
        now = self.clock()
        with self.repo.transaction():
            self.repo.ensure_tenant(tenant_id, service_url, now)
            return self.repo.upsert_user(tenant_id, teams_id, aad_object_id, clean_text(name)[:MAX_NAME], now)

    def _unchanged(
        self, known: User, teams_id: str | None, aad_object_id: str | None, name: str, service_url: str | None
    ) -> bool:
        return (
            (not teams_id or known.teams_id == teams_id)
            and (not aad_object_id or known.aad_object_id == aad_object_id)
            and (not name or known.name == name)
            and (not service_url or self.repo.tenant_service_url(known.tenant_id) == service_url)
        )

    def needs_profile(self, user: User) -> bool:
        return not self.repo.profile_checked(user.tenant_id, user.id)

    def save_profile(self, user: User, email: str | None, upn: str | None, name: str | None) -> None:
        with self.repo.transaction():
            self.repo.set_user_profile(user.tenant_id, user.id, email, upn, clean_text(name)[:MAX_NAME], self.clock())

    def user_by_id(self, tenant_id: str, user_id: int) -> User | None:
        return self.repo.get_user(tenant_id, user_id)

    def colleagues(self, tenant_id: str, limit: int = 50) -> list[User]:
        return self.repo.list_users(tenant_id, limit)

    def colleague(self, actor: User, aad_object_id: str, name: str | None) -> User:
        """A user of the actor's tenant picked by Entra object id; recorded if the bot never met them."""
        aad = clean_text(aad_object_id)
        if not AAD_ID.fullmatch(aad):
            raise DomainError("Pick a colleague from the list.", "follower")
        existing = self.repo.find_user(actor.tenant_id, None, aad)
        if existing is not None:
            return existing
        with self.repo.transaction():
            return self.repo.upsert_user(actor.tenant_id, None, aad, clean_text(name)[:MAX_NAME], self.clock())

    def first_delivery(self, tenant_id: str, conversation_id: str, activity_id: str) -> bool:
        """False when Teams redelivers an activity this bot already took."""
        with self.repo.transaction():
            return self.repo.claim_activity(tenant_id, conversation_id, activity_id, self.clock())

    def forget_old_activities(self, keep_seconds: int = REDELIVERY_MEMORY_SECONDS) -> None:
        """Teams redelivers within minutes; the ids of older activities are dropped (housekeeping)."""
        with self.repo.transaction():
            self.repo.forget_activities_before(shifted(utc_now(), -keep_seconds))

    def remember_card_post(
        self, user: User, record_id: int, conversation_id: str, activity_id: str, service_url: str, shared: bool
    ) -> None:
        with self.repo.transaction():
            self.repo.add_card_post(
                user.tenant_id, record_id, conversation_id, activity_id, service_url, shared, user.id, self.clock()
            )

    def track_card(
        self, user: User, record_id: int | None, conversation_id: str, activity_id: str, service_url: str, shared: bool
    ) -> None:
        """A clicked message now shows `record_id`'s card (or, with None, a form that no update may overwrite)."""
        with self.repo.transaction():
            self.repo.forget_card_post(user.tenant_id, conversation_id, activity_id)
            if record_id is not None:
                self.repo.add_card_post(
                    user.tenant_id, record_id, conversation_id, activity_id, service_url, shared, user.id, self.clock()
                )

    def card_posts(self, tenant_id: str, record_id: int, limit: int) -> list[CardPost]:
        return self.repo.card_posts(tenant_id, record_id, limit)
