"""Errors a person is shown: each carries a sentence written for them."""

from __future__ import annotations


class DomainError(Exception):
    """A request that cannot be carried out; `message` is shown to the user, `field` names the input."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """The thing does not exist in the user's tenant (worded the same whether or not it exists elsewhere)."""


class Ambiguous(DomainError):
    """A name matched several contacts; `matches` lists them so the user can pick."""

    def __init__(self, message: str, matches: list, field: str | None = None) -> None:
        super().__init__(message, field)
        self.matches = matches


class Redelivered(Exception):
    """Teams delivered this activity before, and its change was already made: nothing is done again."""


class Invalid(DomainError):
    """A form with several wrong fields: `errors` maps each input's id to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        field, message = next(iter(errors.items()))
        super().__init__(message, field)
        self.errors = errors
