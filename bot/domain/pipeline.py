"""The pipeline at a glance: open opportunities by stage, what each stage is worth weighted by how likely
its deals close, won and lost deals of a quarter, and when the weekly post goes out. No I/O here.

Weighting. A stage's weighted value is its total value times the stage's probability (`STAGE_PROBABILITY`,
the one definition; docs/usage.md "The pipeline" shows the same table), applied to the stage's total per currency
and rounded half up to the currency's minor unit. Amounts in different currencies are never added.

Quarters are calendar quarters (January-March ...). Which quarter is "this" one is decided on the day it
is in the reader's time zone (Teams' clientInfo, stored per person; UTC when unknown); the weekly post
uses the time zone of the person who set it up. A deal belongs to the quarter of its expected close date,
won and lost deals too (as in most CRMs, the close date of a closed deal is when it closed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from bot.domain.models import OPPORTUNITY_STAGES

OPEN_STAGES: tuple[str, ...] = ("Prospecting", "Proposal", "Negotiation")
CLOSED_STAGES: tuple[str, ...] = ("Won", "Lost")
# Percent likelihood that a deal in the stage is won: the weighted pipeline's one source.
STAGE_PROBABILITY: dict[str, int] = {"Prospecting": 10, "Proposal": 50, "Negotiation": 80}
assert set(OPEN_STAGES) | set(CLOSED_STAGES) == set(OPPORTUNITY_STAGES)
assert set(STAGE_PROBABILITY) == set(OPEN_STAGES)

WEEKLY_DAY = 0  # Monday
WEEKLY_TIME = time(9, 0)


def weighted(total_minor: int, stage: str) -> int:
    """`total_minor` (minor units) times the stage's probability, rounded half up to a minor unit."""
    percent = STAGE_PROBABILITY.get(stage, 0)
    return (total_minor * percent * 2 + 100) // 200


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1..4

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def key(self) -> str:
        """As stored beside the totals: `2026-Q4`."""
        return f"{self.year}-Q{self.number}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    @property
    def label(self) -> str:
        return f"Q{self.number} {self.year}"


def quarter_key(close_date: str | None) -> str:
    """The quarter an ISO close date falls in (`2026-11-30` -> `2026-Q4`), "" for none: the same rule as
    the SQL expression that keeps the stored totals (storage/pipeline.py)."""
    if not close_date or len(close_date) < 7:
        return ""
    return f"{close_date[:4]}-Q{(int(close_date[5:7]) + 2) // 3}"


@dataclass(frozen=True)
class PipelineScope:
    """Whose deals and which close dates a pipeline card covers."""

    owner_id: int | None = None  # None: everyone's
    owner_name: str = ""
    owner_word: str = ""  # how a command names the owner again (`mine`, an email), for buttons
    quarter: Quarter | None = None  # None: any close date
    quarter_word: str = ""  # `this quarter` / `next quarter`

    @property
    def words(self) -> str:
        """The command arguments that ask for this scope again (`mine this quarter`)."""
        return " ".join(w for w in (self.owner_word, self.quarter_word) if w)


@dataclass(frozen=True)
class StageTotal:
    stage: str
    currency: str  # "" when the deals carry no value
    deals: int
    total: int  # minor units of `currency`

    @property
    def weighted(self) -> int:
        return weighted(self.total, self.stage)


@dataclass(frozen=True)
class Pipeline:
    """What a pipeline card shows: open totals by stage and currency, and the quarter's won and lost."""

    scope: PipelineScope
    this_quarter: Quarter
    open: tuple[StageTotal, ...]
    closed: tuple[StageTotal, ...]  # Won and Lost, close date in `this_quarter`
    default_currency: str | None = None

    def deals_in(self, stage: str, rows: tuple[StageTotal, ...] | None = None) -> int:
        return sum(r.deals for r in (self.open if rows is None else rows) if r.stage == stage)

    def currencies(self) -> list[str]:
        """Currencies with value in the open pipeline: the default first, then by deal count."""
        counts: dict[str, int] = {}
        for row in self.open:
            if row.currency:
                counts[row.currency] = counts.get(row.currency, 0) + row.deals
        return sorted(counts, key=lambda c: (c != self.default_currency, -counts[c], c))

    def by_currency(self, currency: str, rows: tuple[StageTotal, ...] | None = None) -> dict[str, StageTotal]:
        return {r.stage: r for r in (self.open if rows is None else rows) if r.currency == currency}


def next_weekly_post(after: datetime, where: tzinfo) -> datetime:
    """The first Monday 09:00 in `where` strictly after `after` (an aware moment)."""
    local = after.astimezone(where)
    day = local.date() + timedelta(days=(WEEKLY_DAY - local.weekday()) % 7)
    candidate = datetime.combine(day, WEEKLY_TIME, tzinfo=where)
    if candidate <= local:
        candidate = datetime.combine(day + timedelta(days=7), WEEKLY_TIME, tzinfo=where)
    return candidate
