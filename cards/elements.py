"""The Adaptive Card 1.5 elements and actions our cards use, as TypedDicts named as in the schema
(adaptivecards.io/explorer): mypy refuses an unknown element, property or enum value. At run time they
are plain dicts, so the JSON is what we build and importing this costs nothing (docs/typed-cards.md).

Keys spell the JSON (camelCase); `Input.Text` is `InputText` and so on. Only what a card of ours sends is
here: add a property when a card needs it."""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

Spacing = Literal["None", "Small", "Default", "Medium", "Large", "ExtraLarge", "Padding"]
FontSize = Literal["Default", "Small", "Medium", "Large", "ExtraLarge"]
FontWeight = Literal["Default", "Lighter", "Bolder"]
Color = Literal["Default", "Dark", "Light", "Accent", "Good", "Warning", "Attention"]
ActionStyle = Literal["default", "positive", "destructive"]
AssociatedInputs = Literal["auto", "none"]
TextInputStyle = Literal["Text", "Tel", "Url", "Email", "Password"]
ChoiceInputStyle = Literal["compact", "expanded", "filtered"]

# --- actions ----------------------------------------------------------------------------------------


class ActionExecute(TypedDict):
    """Universal Action: an `adaptiveCard/action` invoke; the bot answers with the updated card."""

    type: Literal["Action.Execute"]
    title: str
    verb: str
    data: dict[str, Any]
    style: NotRequired[ActionStyle]
    associatedInputs: NotRequired[AssociatedInputs]


class ActionOpenUrl(TypedDict):
    type: Literal["Action.OpenUrl"]
    title: str
    url: str


class DialogSubmit(TypedDict):
    """Action.Submit in a dialog (task module): Teams sends `data` merged with the inputs to the bot."""

    type: Literal["Action.Submit"]
    title: str
    data: dict[str, Any]
    style: NotRequired[ActionStyle]


class ShownCard(TypedDict):
    """The card an Action.ShowCard unfolds under its button (it takes no version of its own)."""

    type: Literal["AdaptiveCard"]
    body: list[Element]
    actions: NotRequired[list[Action]]


class ActionShowCard(TypedDict):
    """A button that unfolds `card` in place, with no request to the bot (a "More" menu)."""

    type: Literal["Action.ShowCard"]
    title: str
    card: ShownCard


Action = ActionExecute | ActionOpenUrl | DialogSubmit | ActionShowCard


class Refresh(TypedDict):
    """Teams asks the bot for each listed user's own view of the card (`userIds`: at most 60 MRIs)."""

    action: ActionExecute
    userIds: NotRequired[list[str]]


# --- elements ---------------------------------------------------------------------------------------


class TextBlockOptions(TypedDict, total=False):
    """How a TextBlock looks: what `cards.common.text` takes besides the text."""

    size: FontSize
    weight: FontWeight
    color: Color
    isSubtle: bool
    spacing: Spacing
    separator: bool


class TextBlock(TextBlockOptions):
    type: Literal["TextBlock"]
    text: str
    wrap: NotRequired[bool]


class Fact(TypedDict):
    title: str
    value: str


class FactSet(TypedDict):
    type: Literal["FactSet"]
    facts: list[Fact]


class Container(TypedDict):
    type: Literal["Container"]
    selectAction: NotRequired[Action]
    items: list[Element]
    separator: NotRequired[bool]


class Column(TypedDict):
    type: Literal["Column"]
    items: list[Element]
    width: NotRequired[Literal["auto", "stretch"]]
    verticalContentAlignment: NotRequired[Literal["Top", "Center", "Bottom"]]


class ColumnSet(TypedDict):
    """Elements side by side: a person and the button beside them."""

    type: Literal["ColumnSet"]
    columns: list[Column]
    spacing: NotRequired[Spacing]


class ActionSet(TypedDict):
    type: Literal["ActionSet"]
    actions: list[Action]


class InputText(TypedDict):
    type: Literal["Input.Text"]
    id: str
    label: str
    value: NotRequired[str]
    maxLength: NotRequired[int]
    isRequired: NotRequired[bool]
    errorMessage: NotRequired[str]
    isMultiline: NotRequired[bool]
    placeholder: NotRequired[str]
    style: NotRequired[TextInputStyle]


class InputChoice(TypedDict):
    title: str
    value: str


class DataQuery(TypedDict):
    """Teams' typeahead: it sends an `application/search` invoke for `dataset` as the user types
    (`graph.microsoft.com/users` is Teams' own people picker)."""

    type: Literal["Data.Query"]
    dataset: str


# The functional syntax, because the key `choices.data` is no identifier.
InputChoiceSet = TypedDict(
    "InputChoiceSet",
    {
        "type": Literal["Input.ChoiceSet"],
        "id": str,
        "label": str,
        "choices": list[InputChoice],
        "style": NotRequired[ChoiceInputStyle],
        "choices.data": NotRequired[DataQuery],
        "value": NotRequired[str],
        "placeholder": NotRequired[str],
    },
)


class InputToggle(TypedDict):
    type: Literal["Input.Toggle"]
    id: str
    title: str
    value: NotRequired[str]
    valueOn: NotRequired[str]
    valueOff: NotRequired[str]


class InputNumber(TypedDict):
    """Teams submits what was typed as a string; the bot parses it exactly (never through a float)."""

    type: Literal["Input.Number"]
    id: str
    label: str
    value: NotRequired[float]
    min: NotRequired[float]
    max: NotRequired[float]
    placeholder: NotRequired[str]


class InputDate(TypedDict):
    """Submits `YYYY-MM-DD` (or "" when empty)."""

    type: Literal["Input.Date"]
    id: str
    label: str
    value: NotRequired[str]


Input = InputText | InputChoiceSet | InputToggle | InputNumber | InputDate

# --- Teams' chart elements (not in Adaptive Cards 1.5 itself: docs/charts.md has the documented facts) --


class BarDatum(TypedDict):
    """One bar of Chart.VerticalBar / Chart.HorizontalBar: `x` its label, `y` its value."""

    x: str
    y: float
    color: NotRequired[str]


class DonutDatum(TypedDict):
    """One slice of Chart.Donut / Chart.Pie: `legend` its label, `value` its size."""

    legend: str
    value: float
    color: NotRequired[str]


class ChartVerticalBar(TypedDict):
    type: Literal["Chart.VerticalBar"]
    data: list[BarDatum]
    title: NotRequired[str]
    xAxisTitle: NotRequired[str]
    yAxisTitle: NotRequired[str]
    showBarValues: NotRequired[bool]
    fallback: NotRequired[Element]  # what a client that cannot draw charts shows instead


class ChartHorizontalBar(TypedDict):
    type: Literal["Chart.HorizontalBar"]
    data: list[BarDatum]
    title: NotRequired[str]
    xAxisTitle: NotRequired[str]
    yAxisTitle: NotRequired[str]
    fallback: NotRequired[Element]


class ChartDonut(TypedDict):
    type: Literal["Chart.Donut"]
    data: list[DonutDatum]
    title: NotRequired[str]
    fallback: NotRequired[Element]


Chart = ChartVerticalBar | ChartHorizontalBar | ChartDonut
Element = TextBlock | FactSet | Container | ColumnSet | ActionSet | Input | Chart

# --- the card ---------------------------------------------------------------------------------------


class TeamsCardProperties(TypedDict):
    """The card's `msteams` property: Teams shows a `Full` width card across the chat."""

    width: Literal["Full"]


AdaptiveCard = TypedDict(
    "AdaptiveCard",
    {
        "type": Literal["AdaptiveCard"],
        "$schema": str,
        "version": Literal["1.5"],
        "body": list[Element],
        "actions": NotRequired[list[Action]],
        "refresh": NotRequired[Refresh],
        "msteams": NotRequired[TeamsCardProperties],
    },
)
