"""Domain errors. Each carries a message that is safe to show to the user who caused it."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: ``message`` is user-facing, contains no other person's private content."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    pass


class NotAllowed(DomainError):
    pass


class Conflict(DomainError):
    pass


class InvalidInput(DomainError):
    """Field-level problems: ``errors`` maps a field name to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors
