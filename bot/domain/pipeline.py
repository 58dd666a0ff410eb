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

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from bot.domain.errors import DomainError
from bot.domain.language import _, translated
from bot.domain.models import OPPORTUNITY_STAGES
from bot.domain.rules import clean_text

OPEN_STAGES: tuple[str, ...] = ("Prospecting", "Proposal", "Negotiation")
CLOSED_STAGES: tuple[str, ...] = ("Won", "Lost")
# Percent likelihood that a deal in the stage is won: the weighted pipeline's one source.
STAGE_PROBABILITY: dict[str, int] = {"Prospecting": 10, "Proposal": 50, "Negotiation": 80}
assert set(OPEN_STAGES) | set(CLOSED_STAGES) == set(OPPORTUNITY_STAGES)
assert set(STAGE_PROBABILITY) == set(OPEN_STAGES)

WEEKLY_DAY = 0  # Monday
WEEKLY_TIME = time(9, 0)


def weighted(total_minor: int, stage: str, probability: int | None = None) -> int:
    """`total_minor` (minor units) times the stage's probability (the default pipeline's, unless given),
    rounded half up to a minor unit."""
    percent = STAGE_PROBABILITY.get(stage, 0) if probability is None else probability
    return (total_minor * percent * 2 + 100) // 200


# --- pipelines: the default one (today's stages) and those an organisation's admins define --------------

MAX_PIPELINES = 20  # per organisation, the default one included
MAX_STAGES = 10  # open stages of one pipeline (Won and Lost come after them)
MAX_STAGE_NAME = 40
MAX_PIPELINE_NAME = 40
DEFAULT_NAME = "Sales"
# Words the `pipeline` command reads itself: no pipeline may be called so.
RESERVED_NAMES = frozenset(
    {"list", "weekly", "mine", "me", "my", "myself", "all", "everyone", "team", "this", "next", "add", "edit",
     "delete", "remove", "move", "here", "off", "quarter", "stages", "anlegen", "löschen"}
)  # fmt: skip
_SPACES = re.compile(r"\s+")


def name_key(name: str) -> str:
    """How pipeline and stage names are compared: width, case and spaces do not matter."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", name).casefold()).strip()


@dataclass(frozen=True)
class Stage:
    name: str
    probability: int  # percent


@dataclass(frozen=True)
class PipelineStages:
    """A pipeline: its ordered open stages with their chance of closing; every pipeline ends in Won and Lost.
    `id` None is the default pipeline (an opportunity with no pipeline of its own is in it)."""

    id: int | None
    name: str
    open: tuple[Stage, ...]

    @property
    def key(self) -> int:
        """As the totals store it: 0 for the default pipeline."""
        return self.id or 0

    @property
    def is_default(self) -> bool:
        return self.id is None

    @property
    def open_stages(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.open)

    @property
    def stages(self) -> tuple[str, ...]:
        return (*self.open_stages, *CLOSED_STAGES)

    def probability(self, stage: str) -> int:
        return next((s.probability for s in self.open if s.name == stage), 0)

    def match(self, said: str) -> str | None:
        """The stage a person named (any case; Won and Lost in the reader's words too), or None."""
        wanted = name_key(said)
        return next((s for s in self.stages if wanted in (name_key(s), name_key(translated(s)))), None)

    def mapped(self, stage: str, probability: int | None = None) -> str:
        """Where a deal in `stage` (of another pipeline, at `probability`) lands here: the stage of the same
        name, else Won or Lost, else the open stage closest in probability (the earlier one on a tie)."""
        same = self.match(stage)
        if same is not None:
            return same
        if probability is None:
            return self.open[0].name
        return min(self.open, key=lambda s: abs(s.probability - probability)).name


DEFAULT_PIPELINE = PipelineStages(
    None, DEFAULT_NAME, tuple(Stage(stage, STAGE_PROBABILITY[stage]) for stage in OPEN_STAGES)
)


def pipeline_name(raw: str | None, field: str = "name") -> str:
    name = " ".join(clean_text(raw).split())
    if not name:
        raise DomainError(_("A pipeline needs a name."), field)
    if len(name) > MAX_PIPELINE_NAME:
        raise DomainError(_("A pipeline's name can be at most {n} characters.", n=MAX_PIPELINE_NAME), field)
    if name_key(name) in RESERVED_NAMES or name_key(name).split()[0] in RESERVED_NAMES:
        raise DomainError(
            _("“{name}” is a word the pipeline command reads itself: give the pipeline another name.", name=name),
            field,
        )
    if ":" in name or "," in name:
        raise DomainError(_("A pipeline's name can't hold a colon or a comma."), field)
    return name


_STAGE = re.compile(r"(.+?)\s+(\d{1,3})\s*%?", re.ASCII)


def stage_list(raw: str | None, field: str = "stages") -> tuple[Stage, ...]:
    """`Due 30%, Quoted 60%, Agreed 90%` -> the open stages in order, each with its chance (0-100%)."""
    parts = [" ".join(clean_text(p).split()) for p in re.split(r"[,\n;]", raw or "")]
    parts = [p for p in parts if p]
    if not parts:
        raise DomainError(
            _("A pipeline needs its stages, each with its chance: Due 30%, Quoted 60%, Agreed 90%."), field
        )
    if len(parts) > MAX_STAGES:
        raise DomainError(
            _("A pipeline can have at most {n} open stages (Won and Lost come after them).", n=MAX_STAGES), field
        )
    stages: list[Stage] = []
    for part in parts:
        matched = _STAGE.fullmatch(part)
        if matched is None:
            raise DomainError(
                _("Give each stage its chance of closing: “{stage} 50%”.", stage=part[:MAX_STAGE_NAME]), field
            )
        stages.append(stage_of(matched.group(1), matched.group(2), field, stages))
    return tuple(stages)


def stage_of(raw_name: str, raw_probability: str, field: str, earlier: list[Stage] | tuple[Stage, ...] = ()) -> Stage:
    """One open stage: its name (1 to MAX_STAGE_NAME characters, not Won, Lost or a name used before) and its
    chance, 0 to 100 percent."""
    name = " ".join(clean_text(raw_name).split())
    if not name or len(name) > MAX_STAGE_NAME:
        raise DomainError(_("A stage's name is 1 to {n} characters.", n=MAX_STAGE_NAME), field)
    if name_key(name) in {name_key(s) for s in (*CLOSED_STAGES, "Converted")}:
        raise DomainError(_("Every pipeline ends in Won and Lost: name your stages before them."), field)
    if name_key(name) in {name_key(s.name) for s in earlier}:
        raise DomainError(_("“{stage}” is in the list twice.", stage=name), field)
    if ":" in name or name.startswith(("=", "+", "-", "@")):
        raise DomainError(_("A stage's name can't hold a colon or start with =, +, - or @."), field)
    typed = clean_text(raw_probability).rstrip("%").strip()
    if not (typed.isascii() and typed.isdigit()) or not 0 <= int(typed) <= 100:
        raise DomainError(_("A stage's chance is a whole percent from 0 to 100 (“{value}”).", value=typed[:10]), field)
    return Stage(name, int(typed))


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
    probability: int | None = None  # the stage's chance in its pipeline (None: the default pipeline's table)

    @property
    def weighted(self) -> int:
        return weighted(self.total, self.stage, self.probability)


@dataclass(frozen=True)
class Pipeline:
    """What a pipeline card shows: open totals by stage and currency, and the quarter's won and lost."""

    scope: PipelineScope
    this_quarter: Quarter
    open: tuple[StageTotal, ...]
    closed: tuple[StageTotal, ...]  # Won and Lost, close date in `this_quarter`
    default_currency: str | None = None
    definition: PipelineStages = DEFAULT_PIPELINE
    lost_by_reason: tuple[tuple[str, int], ...] = ()  # the quarter's lost deals by reason ("" for none given)
    others: tuple[str, ...] = ()  # the organisation's other pipelines, by name

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
