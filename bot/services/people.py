"""The use cases about people and places rather than records: who is talking (users and their
profiles), redelivered activities, and where record cards were posted. Each person's 1:1 chat with
the bot is the outbox's (bot/services/outbox.py), where notifications go."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.admins import is_admin
from bot.domain.clock import parse_time, shifted, utc_now
from bot.domain.delivery import CardPost
from bot.domain.errors import DomainError, NotFound
from bot.domain.language import N_, _, translated
from bot.domain.models import User
from bot.domain.quotas import LONGEST_WINDOW_BUCKETS, bucket_of
from bot.domain.rules import MAX_NAME, clean_text, picked_ids
from bot.services.work import UnitOfWork

REDELIVERY_MEMORY_SECONDS = 2 * 24 * 3600
HISTORY_DAYS = 30  # posted cards tracked, sent notifications and email sends kept (README "Limits")
FAILED_DAYS = 90  # failed notifications stay visible to the records' owners this long
NOT_A_PICK = N_(
    "That isn't someone from the list (I got neither an Entra object id nor a Teams id). Pick a colleague from the list."
)
UNRESOLVED_PICK = N_(
    "I can't find that person in your organisation: Teams doesn't list them in this chat, and they haven't "
    "talked to me yet. Pick them in a chat or channel they are in, or ask them to say hello to me first."
)


def pick(picked: str, teams_id: str | None, aad_object_id: str | None, field: str) -> tuple[str | None, str | None]:
    """A people picker's pick as (Teams id, Entra object id); anything else is refused with what a pick is."""
    ids = picked_ids(picked, teams_id, aad_object_id)
    if ids is None:
        raise DomainError(translated(NOT_A_PICK), field)
    return ids


@dataclass(frozen=True)
class Arrival:
    """Who an activity came from, whether their email and UPN still have to be looked up, and their stored
    locale when the same read gave it (`locale_read`)."""

    user: User
    needs_profile: bool
    locale: str | None = None
    locale_read: bool = False


class UserCases:
    def __init__(self, work: UnitOfWork, admins: frozenset[str] = frozenset()) -> None:
        self.work, self.repo, self.clock = work, work.repo, work.clock
        self.admins = admins

    # --- admins --------------------------------------------------------------------------------

    def is_admin(self, user: User) -> bool:
        """An admin by CRM_ADMINS; while it names nobody, the organisation's first person the bot met."""
        if self.admins:
            return is_admin(user, self.admins)
        return self.repo.people.first_user_id(user.tenant_id) == user.id

    def admin_names(self, tenant_id: str) -> list[str]:
        """The organisation's admins: the names of those the bot knows, else their Entra object ids."""
        if not self.admins:
            first = self.repo.people.first_user_id(tenant_id)
            user = self.repo.people.get_user(tenant_id, first) if first is not None else None
            return [user.name or str(user.aad_object_id or "")] if user else []
        known = {str(u.aad_object_id).lower(): u for u in self.repo.people.users_by_aad(tenant_id, sorted(self.admins))}
        return [known[a].name or a if a in known else a for a in sorted(self.admins)]

    # --- users ---------------------------------------------------------------------------------

    def record_user(
        self, tenant_id: str, teams_id: str | None, aad_object_id: str | None, name: str | None, service_url: str | None
    ) -> User:
        return self.arrived(tenant_id, teams_id, aad_object_id, name, service_url).user

    def arrived(
        self, tenant_id: str, teams_id: str | None, aad_object_id: str | None, name: str | None, service_url: str | None
    ) -> Arrival:
        """The person behind an activity, recorded (or updated) when the bot learns something new of them.
        A known person with nothing new costs one read and no write."""
        if not tenant_id or not (teams_id or aad_object_id):
            raise DomainError(_("I could not tell who you are in which organisation."))
        clean_name = clean_text(name)[:MAX_NAME]
        known = self.repo.people.find_member(tenant_id, teams_id, aad_object_id)
        if known is not None:
            user, known_service_url, profile_checked, locale = known
            if (
                (not teams_id or user.teams_id == teams_id)
                and (not aad_object_id or user.aad_object_id == aad_object_id)
                and (not clean_name or user.name == clean_name)
                and (not service_url or known_service_url == service_url)
            ):
                return Arrival(user, needs_profile=not profile_checked, locale=locale, locale_read=True)
        now = self.clock()
        with self.work.writing():
            self.repo.people.ensure_tenant(tenant_id, service_url, now)
            user = self.repo.people.upsert_user(tenant_id, teams_id, aad_object_id, clean_name, now)
            return Arrival(user, needs_profile=not self.repo.people.profile_checked(tenant_id, user.id))

    def save_profile(self, user: User, email: str | None, upn: str | None, name: str | None) -> None:
        with self.work.writing():
            self.repo.people.set_user_profile(
                user.tenant_id, user.id, email, upn, clean_text(name)[:MAX_NAME], self.clock()
            )

    def user_by_id(self, tenant_id: str, user_id: int) -> User | None:
        return self.repo.people.get_user(tenant_id, user_id)

    def known_user(self, tenant_id: str, teams_id: str) -> User | None:
        """A colleague the bot already knows in this tenant, by their Teams id (29:...)."""
        return self.repo.people.find_user(tenant_id, teams_id, None)

    def colleagues(self, tenant_id: str, limit: int = 50) -> list[User]:
        return self.repo.people.list_users(tenant_id, limit)

    def colleague(
        self,
        actor: User,
        picked: str,
        name: str | None,
        teams_id: str | None = None,
        aad_object_id: str | None = None,
    ) -> User:
        """A user of the actor's tenant from a people picker: an Entra object id (Teams' picker) or a Teams id
        (29:..., the Playground's), with what the conversation's roster said about them (`teams_id`,
        `aad_object_id`, `name`). An Entra id the bot never met is recorded; a Teams id needs the roster or an
        earlier message from that person, since nothing else can say who it is."""
        teams_id, aad = pick(picked, teams_id, aad_object_id, "follower")
        clean_name = clean_text(name)[:MAX_NAME]
        existing = self.repo.people.find_user(actor.tenant_id, teams_id, aad)
        if aad is None:
            if existing is None:
                raise NotFound(translated(UNRESOLVED_PICK), "follower")
            return existing
        if existing is not None and (existing.teams_id or not teams_id) and (existing.name or not clean_name):
            return existing
        with self.work.writing():
            return self.repo.people.upsert_user(actor.tenant_id, teams_id, aad, clean_name, self.clock())

    def first_delivery(self, tenant_id: str, conversation_id: str, activity_id: str) -> bool:
        """False when Teams redelivers an activity this bot already took."""
        with self.repo.transaction():  # the claim itself, not a change that claims on the way
            return self.repo.activities.claim_activity(tenant_id, conversation_id, activity_id, self.clock())

    def forget_old_activities(self, keep_seconds: int = REDELIVERY_MEMORY_SECONDS) -> None:
        """Teams redelivers within minutes; the ids of older activities are dropped (housekeeping)."""
        with self.work.writing():
            self.repo.activities.forget_activities_before(shifted(utc_now(), -keep_seconds))

    def prune_history(self, days: int = HISTORY_DAYS, failed_days: int = FAILED_DAYS) -> dict[str, int]:
        """Housekeeping: forget posted cards, sent notifications and email sends older than `days`, failed
        notifications older than `failed_days`, and contact files previewed and past their hour (by the clock
        that wrote their expiry), whatever became of them."""
        now = utc_now()
        with self.work.writing():
            pruned = self.repo.activities.prune_done_before(
                shifted(now, -days * 86400), shifted(now, -failed_days * 86400), self.clock()
            )
            # the write quotas' counters by the clock that spent them, once no kind's window counts them
            bucket, _into = bucket_of(parse_time(self.clock()).timestamp())
            pruned["quota counters"] = self.repo.quotas.forget_before(bucket - LONGEST_WINDOW_BUCKETS)
            return pruned

    def remember_card_post(
        self, user: User, record_id: int, conversation_id: str, activity_id: str, service_url: str, shared: bool
    ) -> None:
        with self.work.writing():
            self.repo.posts.add_card_post(
                user.tenant_id, record_id, conversation_id, activity_id, service_url, shared, user.id, self.clock()
            )

    def learn_card_post(
        self, user: User, record_id: int, conversation_id: str, activity_id: str, service_url: str
    ) -> None:
        """A shared message shows this record's card to everyone: kept if known, else learnt (one statement)."""
        self.repo.posts.add_card_post(
            user.tenant_id, record_id, conversation_id, activity_id, service_url, True, user.id, self.clock()
        )

    def track_card(
        self, user: User, record_id: int | None, conversation_id: str, activity_id: str, service_url: str, shared: bool
    ) -> None:
        """A clicked message now shows `record_id`'s card (or, with None, a form that no update may overwrite).
        One statement, so it needs no transaction of its own."""
        if record_id is None:
            self.repo.posts.forget_card_post(user.tenant_id, conversation_id, activity_id)
        else:
            self.repo.posts.replace_card_post(
                user.tenant_id, record_id, conversation_id, activity_id, service_url, shared, user.id, self.clock()
            )

    def forget_card_post(self, post: CardPost) -> None:
        """A posted card that can never be updated again (deleted message, bot removed)."""
        self.repo.posts.forget_card_post(post.tenant_id, post.conversation_id, post.activity_id)

    def card_posts_of(self, tenant_id: str, record_ids: list[int], limit: int) -> dict[int, tuple[list[CardPost], int]]:
        """For each record with posts: the newest places its card was posted, and its current version."""
        return self.repo.posts.card_posts_of(tenant_id, record_ids, limit)
