"""The events a re-plan of a planned run accepts, as the dashboard's what-if form asks for them.

:func:`event_form` reads the JSON schema of :data:`isoflow.scenario.events.Event` (the one
definition of the event file's form, which ``POST /runs`` of kind ``replan`` takes in
``options.events``) and states, per kind of event, its fields with the input each needs (a
time, a number, a list, a JSON object, free text) and, where the plan and its scenario name
the possible values, those values: lanes, sites, the plan's batches, each lane's planned
departures, countries, products and bookings or orders. The browser builds its form from
this; the service still checks every submitted event when it re-plans.
"""

from __future__ import annotations

from collections import defaultdict
from enum import StrEnum
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter

from isoflow.records.plan import Plan
from isoflow.scenario.demand import demand_items
from isoflow.scenario.events import Event
from isoflow.scenario.schema import Scenario
from isoflow.units import to_iso


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class FieldInput(StrEnum):
    """The input a field of an event needs."""

    CHOICE = "choice"
    TIME = "time"
    """An instant (ISO 8601 with zone; the form sends UTC)."""
    NUMBER = "number"
    LIST = "list"
    """Several identifiers (comma-separated in the form)."""
    JSON = "json"
    """A mapping (a booking, an order, the changed fields), as JSON."""
    TEXT = "text"


class EventField(_Out):
    """One field of a kind of event."""

    name: str
    input: FieldInput
    required: bool
    description: str = ""
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    choices: list[str] = []
    """The values the plan and scenario offer (empty: any value)."""
    choices_by: dict[str, list[str]] = {}
    """Values by the value of another field (``depends_on``): a lane's departures."""
    depends_on: str | None = None


class EventKind(_Out):
    """A kind of event and its fields (``kind`` itself not listed)."""

    kind: str
    description: str
    fields: list[EventField]


class EventFormOut(_Out):
    """The event kinds a re-plan of ``run_id`` accepts, with the values its plan offers."""

    run_id: str
    kinds: list[EventKind]


@cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = TypeAdapter(Event).json_schema()
    return schema


def _is_time(prop: dict[str, Any]) -> bool:
    options = [prop, *prop.get("anyOf", [])]
    return any("examples" in o and "pattern" in o for o in options)


def _input(prop: dict[str, Any]) -> FieldInput:
    types = {prop.get("type")} | {o.get("type") for o in prop.get("anyOf", [])}
    if _is_time(prop):
        return FieldInput.TIME
    if "$ref" in prop or "object" in types:
        return FieldInput.JSON
    if "array" in types:
        return FieldInput.LIST
    if types & {"number", "integer"}:
        return FieldInput.NUMBER
    return FieldInput.TEXT


def _choices(plan: Plan, scenario: Scenario) -> dict[str, list[str]]:
    return {
        "lane": [x.id for x in scenario.lanes],
        "site": [s.id for s in scenario.sites],
        "batch": [r.batch for r in plan.runs],
        "country": sorted({s.country for s in scenario.sites}),
        "products": [p.id for p in scenario.products],
        "id": [d.id for d in demand_items(scenario)],
    }


def _departures(plan: Plan) -> dict[str, list[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for s in plan.shipments:
        out[s.lane].add(to_iso(s.depart_utc))
    return {lane: sorted(times) for lane, times in sorted(out.items())}


def _field(name: str, prop: dict[str, Any], required: bool, offer: dict[str, Any]) -> EventField:
    kind = _input(prop)
    choices: list[str] = offer.get(name, []) if kind in (FieldInput.TEXT, FieldInput.LIST) else []
    by: dict[str, list[str]] = {}
    if name == "departure":
        kind, by = FieldInput.CHOICE, offer["departure"]
    elif choices and kind is FieldInput.TEXT:
        kind = FieldInput.CHOICE
    return EventField(
        name=name,
        input=kind,
        required=required,
        description=str(prop.get("description", "")),
        default=prop.get("default"),
        minimum=prop.get("minimum"),
        maximum=prop.get("maximum"),
        choices=choices,
        choices_by=by,
        depends_on="lane" if by else None,
    )


def event_form(run_id: str, plan: Plan, scenario: Scenario) -> EventFormOut:
    """The event kinds a re-plan of ``plan`` (over ``scenario``) accepts, with its values."""
    from isoflow.adapters.api.decay import scenario_of

    schema = _schema()
    scenario = scenario_of(plan, scenario)
    offer: dict[str, Any] = {**_choices(plan, scenario), "departure": _departures(plan)}
    kinds = []
    for kind, ref in schema["discriminator"]["mapping"].items():
        spec = schema["$defs"][ref.rsplit("/", 1)[-1]]
        required = set(spec.get("required", []))
        fields = [
            _field(name, prop, name in required, offer)
            for name, prop in spec["properties"].items()
            if name != "kind"
        ]
        kinds.append(EventKind(kind=kind, description=spec.get("description", ""), fields=fields))
    return EventFormOut(run_id=run_id, kinds=kinds)
