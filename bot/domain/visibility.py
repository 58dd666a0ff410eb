"""Who may see a record: everyone in the organisation (the default), or, for a private record, its owner, its
followers and the colleagues it was shared with; for a team record, the members of one Microsoft Teams team as
well. Admins see everything. A record someone may not see answers exactly like one that does not exist.

`Reader` is whose eyes a list, a search or a pipeline is for: one person (admin or not), or nobody in
particular: a card posted where everyone in a chat sees it shows only what everyone may see."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.errors import DomainError
from bot.domain.language import _
from bot.domain.models import User, Visibility

MAX_REFRESH_IDS = 60  # Teams gives at most 60 people their own view of a card (refresh.userIds)


@dataclass(frozen=True)
class Reader:
    tenant_id: str
    user_id: int | None  # None: everyone in a chat at once (only everyone's records), or the organisation itself
    admin: bool = False  # sees every record

    @classmethod
    def person(cls, user: User, admin: bool = False) -> Reader:
        return cls(user.tenant_id, user.id, admin)

    @classmethod
    def everyone(cls, tenant_id: str) -> Reader:
        """Everyone in a chat at once: what all of them may see, everyone's records."""
        return cls(tenant_id, None)

    @classmethod
    def whole(cls, tenant_id: str) -> Reader:
        """The organisation's own read of all its records (housekeeping, tests), never a person's."""
        return cls(tenant_id, None, admin=True)

    @property
    def sees_all(self) -> bool:
        return self.admin


def reader_of(who: Reader | str) -> Reader:
    """A reader, or a tenant id for the organisation's own read of everything (`Reader.whole`)."""
    return Reader.whole(who) if isinstance(who, str) else who


def read_visibility(said: str) -> Visibility:
    """`everyone`, `private`, `team` (as typed, any case) -> the visibility; anything else is refused."""
    words = said.strip().casefold()
    for visibility in Visibility:
        if words == visibility.value:
            return visibility
    shown = said.strip()[:40]
    raise DomainError(
        _("“{said}” is not a visibility. Choose everyone, private, or team <team name>.", said=shown), "visibility"
    )


def visibility_label(visibility: Visibility, team_name: str | None = None) -> str:
    """How the card names who may see the record."""
    if visibility is Visibility.PRIVATE:
        return _("Private: its owner, followers and the colleagues it is shared with")
    if visibility is Visibility.TEAM:
        return _("Team {team}: its members, the owner and followers", team=team_name or _("(a team)"))
    return _("Everyone in your organisation")
