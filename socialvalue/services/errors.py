"""Errors that services raise and views and the API translate for people."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the change; nothing was saved.

    ``field`` names the input the message is about (for the error summary), or ``"_form"``.
    ``status`` is the HTTP status an API would answer with.
    """

    status = 422

    def __init__(self, message: str, field: str = "_form") -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    @property
    def errors(self) -> dict[str, list[str]]:
        return {self.field: [self.message]}


class ValidationFailed(DomainError):
    """Several field problems at once."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        first = next(iter(errors.values()))[0] if errors else "The input is not valid"
        super().__init__(first)
        self._errors = errors

    @property
    def errors(self) -> dict[str, list[str]]:
        return self._errors


class StateConflict(DomainError):
    """The record is in a state that does not allow this (e.g. the plan is locked)."""

    status = 409


class StaleVersion(DomainError):
    """Someone else saved this record after it was loaded; the change was not applied."""

    status = 412

    def __init__(self, what: str = "record") -> None:
        self.what = what
        super().__init__(
            f"Someone else changed this {what} while you were editing it. Your change was not "
            "saved: reload the page to see the latest version, then make your change again."
        )


class NotPermitted(Exception):
    """The acting user may not do this (HTTP 403)."""

    def __init__(self, message: str = "You do not have permission to do this") -> None:
        super().__init__(message)
        self.message = message
