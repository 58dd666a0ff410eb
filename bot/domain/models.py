"""The domain's plain data: records, contacts, roles, stages, events. No I/O here."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.domain.language import N_, translated

if TYPE_CHECKING:
    from bot.domain.buying import BuyingRole
    from bot.domain.fields import FieldValue
    from bot.domain.meetings import Meeting
    from bot.domain.tasks import Task


class Kind(enum.StrEnum):
    LEAD = "lead"
    OPPORTUNITY = "opportunity"

    @property
    def prefix(self) -> str:
        return "L" if self is Kind.LEAD else "O"

    @property
    def label(self) -> str:
        """The English name (shown through `translated`)."""
        return N_("Lead") if self is Kind.LEAD else N_("Opportunity")


# Stages are stored and typed by these English names; a reader sees `stage_label(stage)`.
LEAD_STAGES: tuple[str, ...] = (N_("New"), N_("Contacted"), N_("Qualified"), N_("Disqualified"))
OPPORTUNITY_STAGES: tuple[str, ...] = (N_("Prospecting"), N_("Proposal"), N_("Negotiation"), N_("Won"), N_("Lost"))
CONVERTED = N_("Converted")  # a lead's final state after conversion; never chosen by hand
CLOSED_STAGES = frozenset({"Won", "Lost", "Disqualified"})  # a deal that closes ends "until closed" follows


def stages_for(kind: Kind) -> tuple[str, ...]:
    return LEAD_STAGES if kind is Kind.LEAD else OPPORTUNITY_STAGES


def stage_label(stage: str | None) -> str:
    """A stage as the reader names it (`Won` -> `Gewonnen`); a name that is not a stage stays as it is."""
    return translated(stage) if stage else ""


class Visibility(enum.StrEnum):
    """Who may see a record besides admins (bot/domain/visibility.py)."""

    EVERYONE = "everyone"  # everyone in the organisation (the default)
    PRIVATE = "private"  # its owner, its followers and the colleagues it is shared with
    TEAM = "team"  # the members of one Microsoft Teams team, plus its owner and followers


class Role(enum.StrEnum):
    CONTACT = "contact"
    PARTICIPANT = "participant"


class EmailSendStatus(enum.StrEnum):
    """Where one email send stands (email_sends.status): a second click never sends twice."""

    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"


class ImportStatus(enum.StrEnum):
    """Where one contact import waiting for its sender's confirmation stands (contact_imports.status)."""

    PENDING = "pending"
    IMPORTED = "imported"
    CANCELLED = "cancelled"
    WITHDRAWN = "withdrawn"  # it held a contact erased since: its rows are gone


class FileOfferStatus(enum.StrEnum):
    """Where one file the bot offered through a consent card stands (file_offers.status): answered once."""

    OFFERED = "offered"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DECLINED = "declined"


class NotifyChoice(enum.StrEnum):
    """What a follower wants to hear about on one record."""

    ALL = "all"
    STAGE = "stage"
    COMMENTS = "comments"
    MUTED = "muted"

    @property
    def label(self) -> str:
        """In the reader's language."""
        return translated(
            {
                NotifyChoice.ALL: N_("Everything"),
                NotifyChoice.STAGE: N_("Stage changes and conversion only"),
                NotifyChoice.COMMENTS: N_("Comments only"),
                NotifyChoice.MUTED: N_("Nothing (muted, still following)"),
            }[self]
        )

    def wants(self, kind: EventKind) -> bool:
        if kind in FOLLOW_KINDS:  # following is not news: the owner gets a daily roll-up instead
            return False
        if self is NotifyChoice.ALL:
            return True
        if self is NotifyChoice.STAGE:
            return kind in STAGE_KINDS
        if self is NotifyChoice.COMMENTS:
            return kind is EventKind.COMMENTED
        return False

    @classmethod
    def accepting(cls, kind: EventKind) -> list[str]:
        """The choices that want to hear about `kind` (as stored in followers.notify)."""
        return [choice.value for choice in cls if choice.wants(kind)]


class EventKind(enum.StrEnum):
    CREATED = "created"
    CONTACT_SET = "contact_set"
    PARTICIPANT_ADDED = "participant_added"
    PARTICIPANT_REMOVED = "participant_removed"
    FOLLOWER_ADDED = "follower_added"
    FOLLOWER_REMOVED = "follower_removed"
    COMMENTED = "commented"
    STAGE_CHANGED = "stage_changed"
    CONVERTED = "converted"
    EMAIL_SENT = "email_sent"
    BUYING_ROLE_SET = "buying_role_set"  # detail: the person; old -> new: the role labels
    DECISION_MAKER_MISSING = "decision_maker_missing"  # the owner's reminder, sent once per record
    VALUE_CHANGED = "value_changed"
    CLOSE_DATE_CHANGED = "close_date_changed"
    DETAIL_CHANGED = "detail_changed"  # title, company, next step or description (`detail` names which)
    OWNER_CHANGED = "owner_changed"
    ARCHIVED = "archived"
    RESTORED = "restored"
    CONTACT_MERGED = "contact_merged"
    CONTACT_ERASED = "contact_erased"  # carries no personal data: the person is "erased contact" from then on
    FIELD_CHANGED = "field_changed"  # a custom field: `detail` names it; old -> new as people read them
    LOST_REASON_SET = "lost_reason_set"  # why a deal was lost (or a lead disqualified): old -> new
    PIPELINE_CHANGED = "pipeline_changed"  # an opportunity moved to another pipeline: old -> new "Pipeline: stage"
    VISIBILITY_CHANGED = "visibility_changed"  # old -> new: everyone, private, team; detail: the team's name
    SHARED = "shared"  # new: the colleague given access
    ACCESS_REMOVED = "access_removed"  # old: the colleague whose access ended (unshared, or left on unfollowing)
    TASK_ADDED = "task_added"  # detail: the task's reference; new: its text (not news: nobody is told)
    TASK_DONE = "task_done"  # detail: the reference; new: its text; old: the note (news for the followers)
    TASK_CHANGED = "task_changed"  # detail: the reference; old -> new: what changed (re-dated, reassigned, reopened)
    # Meetings (bot/services/meetings.py): old = the start (UTC stamp), new = the subject, detail = who was invited.
    MEETING_SCHEDULED = "meeting_scheduled"  # through Graph: the invitations went out from the organiser
    MEETING_PLANNED = "meeting_planned"  # set up in Teams itself (no Graph): its time, no invitation claimed
    MEETING_RESCHEDULED = "meeting_rescheduled"  # old -> new: the starts; detail: the subject
    MEETING_CANCELLED = "meeting_cancelled"  # old: the start; new: the subject


# Who follows or may see a record is not news for its followers (the person concerned is told on their own).
FOLLOW_KINDS = frozenset(
    {EventKind.FOLLOWER_ADDED, EventKind.FOLLOWER_REMOVED, EventKind.SHARED, EventKind.ACCESS_REMOVED}
)
# What a follower who chose "stage changes and conversion only" hears about.
STAGE_KINDS = frozenset(
    {
        EventKind.STAGE_CHANGED,
        EventKind.CONVERTED,
        EventKind.DECISION_MAKER_MISSING,
        EventKind.LOST_REASON_SET,
        EventKind.PIPELINE_CHANGED,
    }
)


@dataclass(frozen=True)
class User:
    """A member of the tenant (an internal person)."""

    id: int
    tenant_id: str
    name: str
    teams_id: str | None = None
    aad_object_id: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Mentioned:
    """A colleague @mentioned in a message, as Teams names them (not yet a user the bot knows)."""

    teams_id: str
    name: str
    aad_object_id: str | None = None


@dataclass(frozen=True)
class Place:
    """Where a message came from: its conversation and what kind it is (`personal`, `groupChat`, `channel`)."""

    conversation_id: str
    service_url: str
    kind: str


@dataclass(frozen=True)
class Contact:
    """An external person in the tenant's contact list."""

    id: int
    tenant_id: str
    name: str
    email: str | None = None
    phone: str | None = None
    company: str | None = None
    job_title: str | None = None
    erased: bool = False  # erased on a data-protection request: the row stays as "erased contact", unusable

    @property
    def label(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name


@dataclass(frozen=True)
class Record:
    """A lead or an opportunity."""

    id: int
    tenant_id: str
    kind: Kind
    number: int
    title: str
    stage: str
    owner_id: int
    version: int = 1
    company: str | None = None
    value: int | None = None  # exact, in the currency's minor unit (cents for EUR): bot/domain/money.py
    currency: str | None = None
    close_date: str | None = None
    source: str | None = None
    description: str | None = None
    converted_to: str | None = None  # reference of the opportunity a lead became
    converted_from: str | None = None  # reference of the lead an opportunity came from
    created_at: str = ""
    updated_at: str = ""
    next_step: str | None = None
    archived_at: str | None = None
    pipeline_id: int | None = None  # None: the default pipeline (an opportunity's; leads have none)
    pipeline_name: str | None = None  # the pipeline's name when it is not the default one
    custom: str | None = None  # the custom fields' values as stored (JSON: bot/domain/fields.py)
    lost_reason: str | None = None  # why it was lost or disqualified (bot/domain/lost.py)
    lost_note: str | None = None  # Other's words
    visibility: Visibility = Visibility.EVERYONE
    team_id: int | None = None  # the team a team record is visible to (teams.id)

    @property
    def restricted(self) -> bool:
        """Not everyone's: who may see it is checked (bot/domain/visibility.py)."""
        return self.visibility is not Visibility.EVERYONE

    @property
    def ref(self) -> str:
        return f"{self.kind.prefix}-{self.number}"

    @property
    def is_open(self) -> bool:
        """Still being worked on: not won, lost, disqualified, converted or archived."""
        return not self.archived_at and self.stage not in ("Won", "Lost", "Disqualified", CONVERTED)

    def is_overdue(self, today: str) -> bool:
        """An open record whose expected close date (ISO) is before `today` (ISO)."""
        return self.is_open and bool(self.close_date) and str(self.close_date) < today


@dataclass(frozen=True)
class Event:
    """One timeline entry: who did what, when, old -> new."""

    record_id: int
    actor_id: int | None
    kind: EventKind
    at: str
    old: str | None = None
    new: str | None = None
    detail: str | None = None
    actor_name: str | None = None
    id: int | None = None


class FollowFor(enum.StrEnum):
    """How long a follow lasts (offered by Follow)."""

    CLOSED = "closed"
    DAYS_30 = "30"
    DAYS_7 = "7"

    @property
    def label(self) -> str:
        """In the reader's language."""
        labels = {"closed": N_("Until the deal closes"), "30": N_("For 30 days"), "7": N_("For 7 days")}
        return translated(labels[self.value])

    @property
    def days(self) -> int | None:
        return None if self is FollowFor.CLOSED else int(self.value)

    @classmethod
    def read(cls, said: str) -> FollowFor | None:
        """`30`, `for 30 days`, `7 days`, `until closed`... -> the choice; None for anything else. German and
        Portuguese say it too: `30 Tage`, `für 7 Tage`, `durante 30 dias`, `por 7 dias`."""
        words = [w for w in said.casefold().split() if w not in _DAYS_WORDS]
        if words in (["30"], ["7"]):
            return cls(words[0])
        if words and words[0] in ("until", "till", "closed", "close", "bis", "até") and len(words) <= 4:
            return cls.CLOSED
        return None


_DAYS_WORDS = frozenset({"for", "days", "day", "für", "tage", "tag", "durante", "por", "dias", "dia"})


@dataclass(frozen=True)
class Follower:
    user: User
    notify: NotifyChoice = NotifyChoice.ALL
    ends_at: str | None = None  # the follow lapses then
    ends_on_close: bool = False  # the follow ends when the deal closes (Won, Lost, Disqualified)


@dataclass(frozen=True)
class RecordView:
    """A record with everything its card shows."""

    record: Record
    owner: User
    contact: Contact | None
    participants: tuple[Contact, ...]
    followers: tuple[Follower, ...]  # the first few, or all when the view was read with every follower
    timeline: tuple[Event, ...]
    # Every follower's id and notification choice (read as two columns, not as users), when `followers`
    # holds only the first few: a record with 5,000 followers costs a comment no more than one with 10.
    follower_choices: Mapping[int, str] | None = None
    buying_roles: Mapping[int, BuyingRole] = field(default_factory=dict)  # contact id -> role, when set
    # Where followers who chose other than a chat message are notified (user id -> 'feed' or 'both'), and
    # whether the activity feed is offered at all (Microsoft Graph configured for this organisation).
    feed_choices: Mapping[int, str] = field(default_factory=dict)
    feed_offered: bool = False
    custom: tuple[FieldValue, ...] = ()  # the custom fields with a value, in the fields' order
    lost_reasons: tuple[str, ...] = ()  # the organisation's reasons, read when the card asks why it was lost
    team_name: str | None = None  # the team a team record is visible to
    next_task: Task | None = None  # its next open step (the first due), if any
    now: str = ""  # when it was read (the bot's clock): what is overdue
    quiet_days: int | None = None  # days without activity, when more than its stage allows (bot/domain/tasks.py)
    next_meeting: Meeting | None = None  # the next meeting set up from the record, still to end

    def deliver_to_of(self, user_id: int) -> str:
        return self.feed_choices.get(user_id, "chat")

    @property
    def follower_count(self) -> int:
        return len(self.follower_choices) if self.follower_choices is not None else len(self.followers)

    def is_follower(self, user_id: int) -> bool:
        if self.follower_choices is not None:
            return user_id in self.follower_choices
        return any(f.user.id == user_id for f in self.followers)

    def choice_of(self, user_id: int) -> NotifyChoice | None:
        """What notifies this follower about the record (None: they don't follow it)."""
        if self.follower_choices is not None:
            found = self.follower_choices.get(user_id)
            return NotifyChoice(found) if found else None
        return next((f.notify for f in self.followers if f.user.id == user_id), None)

    @property
    def people(self) -> tuple[Contact, ...]:
        """The customer side: the Contact first, then the Other participants."""
        return ((self.contact,) if self.contact else ()) + self.participants


@dataclass(frozen=True)
class Seen:
    """What a clicked card showed: its version, and for a change that replaces a value (the stage, the
    Contact) the value it showed, so that the change is checked against the record inside its transaction."""

    version: int | None = None
    stage: str | None = None
    contact_id: str | None = None  # the Contact's id as the form carried it, "" for none


@dataclass(frozen=True)
class Conflict:
    """A field a form's sender changed that someone else had changed meanwhile: kept as it is now, with what
    the sender typed, to apply on purpose (`typed`: the inputs to send again). `now` and `yours` are shown in
    the reader's language (bot/domain/edits.py words them)."""

    field: str
    now: str
    yours: str
    typed: Mapping[str, str]


@dataclass(frozen=True)
class Change:
    """What a service call did: the record afterwards, the events it wrote, and the record's view built
    once inside the change's transaction. `stale`: the card clicked showed an older version. `conflicts`:
    what the sender changed that someone else had changed since their card was shown (kept as it is)."""

    record: Record
    events: tuple[Event, ...] = field(default_factory=tuple)
    message: str = ""
    view: RecordView | None = None
    stale: bool = False
    conflicts: tuple[Conflict, ...] = ()
    unseen: tuple[User, ...] = ()  # colleagues @mentioned who may not see the record (not told; its owner may share)
