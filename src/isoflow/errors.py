"""Exception tree of isoflow.

::

    IsoflowError                      base of every error isoflow raises on purpose
    ├── InputError (ValueError)       a value given by the user is malformed; names the field
    │   ├── UnknownNuclideError       a nuclide name not in the nuclear data set; suggests names
    │   └── OptionError               an option outside its bounds (what was expected, what came)
    ├── PhysicsError                  a physically impossible request (e.g. a negative inventory)
    ├── ScenarioError                 a scenario failed validation; carries every issue found
    ├── SolverError                   the optimiser failed or was stopped
    └── SimulationError               the simulator could not run

Adapters (CLI, API) turn these into exit codes and HTTP statuses; engines never print.
"""

from __future__ import annotations


class IsoflowError(Exception):
    """Base class of all isoflow errors."""


class InputError(IsoflowError, ValueError):
    """A user-supplied value is malformed or out of range.

    Parameters
    ----------
    field
        Where the value came from (argument name, option, or dotted field path).
    message
        What was wrong and what was expected.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


class PlanFileError(InputError):
    """A plan file whose content is not a plan: ``field`` names the file and line."""


class UnknownNuclideError(InputError):
    """A nuclide name that the nuclear data set does not contain."""

    def __init__(self, field: str, name: str, suggestions: list[str]) -> None:
        self.name = name
        self.suggestions = suggestions
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(field, f"unknown nuclide {name!r}{hint}")


class OptionError(InputError):
    """An option (engine field or command flag) outside its physical or practical bounds.

    Engines raise it naming their field (``horizon_s``); the command line renames it to the
    flag the user typed (``--horizon``) and shows the text as typed (:meth:`renamed`).

    Parameters
    ----------
    field
        Field or flag name.
    expected
        What would be accepted, e.g. ``a duration between 1 h and 366 d``.
    got
        The value received, as text (cut to :data:`GOT_CHARS` characters).
    """

    GOT_CHARS = 40
    """Longest value echoed in a message (a hostile 100,000-character value is cut)."""

    def __init__(self, field: str, expected: str, got: str) -> None:
        self.expected = expected
        self.got = got if len(got) <= self.GOT_CHARS else got[: self.GOT_CHARS] + "..."
        super().__init__(field, f"expected {expected}, got {self.got}")

    def renamed(self, field: str, got: str | None = None) -> OptionError:
        """The same error naming ``field`` (and ``got``, the value as the user typed it)."""
        return OptionError(field, self.expected, self.got if got is None else got)


class PhysicsError(IsoflowError):
    """A request that has no physical solution."""


class ScenarioError(IsoflowError):
    """A scenario failed validation; ``issues`` lists every problem found."""

    def __init__(self, issues: list[str], source: str = "") -> None:
        self.issues = list(issues)
        self.source = source
        head = f"{source}: " if source else ""
        body = "\n".join(f"  - {i}" for i in self.issues)
        super().__init__(f"{head}{len(self.issues)} problem(s) found\n{body}")


class SolverError(IsoflowError):
    """The optimiser failed, was stopped by its watchdog, or returned no usable plan."""


class SimulationError(IsoflowError):
    """The simulator could not run."""
