"""Errors of the access use cases: sign-in, user administration, roles and approvals.

Each maps to one HTTP status at the API's edge (:mod:`isoflow.adapters.api.security`)::

    AccessError
    ├── InvalidCredentials      401  wrong password, unknown user, bad or expired token
    ├── TooManyAttempts         429  too many failed sign-ins of a user or from a client
    ├── Forbidden               403  the role table denies the operation
    │   └── SeparationOfDuties  403  the author (or reviewer) may not sign this plan
    ├── NotFound                404  no such object in the actor's organisation
    ├── InvalidTransition       409  the approval state does not allow the change
    └── ReasonRequired          422  a change needs a non-empty reason
"""

from __future__ import annotations


class AccessError(Exception):
    """Base of the access errors."""


class InvalidCredentials(AccessError):
    """The credentials do not identify an active user."""


class TooManyAttempts(AccessError):
    """Sign-in refused for a while after repeated failures."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many failed sign-ins; retry in {retry_after_s} s")
        self.retry_after_s = retry_after_s


class Forbidden(AccessError):
    """The actor's roles do not allow the operation."""


class SeparationOfDuties(Forbidden):
    """The actor may not sign this plan (its author, or its reviewer approving it)."""


class NotFound(AccessError):
    """No such object in the actor's organisation."""


class InvalidTransition(AccessError):
    """The object's state does not allow the requested change."""


class ReasonRequired(AccessError):
    """A change was requested without a reason."""


REASON_CHARS = 2000
"""Longest reason for a change that is recorded (longer ones are refused or cut)."""


def require_reason(reason: str) -> str:
    """The reason, stripped; :class:`ReasonRequired` if it is empty."""
    text = reason.strip()
    if not text:
        raise ReasonRequired("a reason for the change is required")
    return text
