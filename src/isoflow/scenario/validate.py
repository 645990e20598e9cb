"""Cross-reference checks of a scenario, run after the schema check.

The schema (:mod:`isoflow.scenario.schema`) checks each item on its own; this module checks
how items refer to each other: unique ids, known references, products that someone makes,
bookings a hospital may receive in time. :func:`check_references` returns every issue found;
:func:`validate` loads a scenario and runs both stages, collecting errors and warnings into a
:class:`ValidationReport`. Warnings (e.g. bookings outside the horizon) never fail validation.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Any

from isoflow.scenario.demand import DemandItem, DemandKind, iter_demand_items
from isoflow.scenario.issues import Issue, Locator, Path, Severity, locate_all, no_location
from isoflow.scenario.load import read_scenario
from isoflow.scenario.rules import is_market
from isoflow.scenario.schema import Product, Scenario, SiteKind, Stage
from isoflow.scenario.sourcing import check_sources
from isoflow.scenario.validate_routes import route_warnings

DELIVERY_KINDS = frozenset({SiteKind.HOSPITAL, SiteKind.RADIOPHARMACY})
"""Site kinds that may receive patient bookings."""

DOSE_STAGES = frozenset({Stage.DRUG_PRODUCT, Stage.GENERATOR})
"""Product stages a booking may be of: a patient dose, or a generator eluted at the hospital
(bulk isotope and target material are inputs of production, never delivered to patients)."""

EXPORT_STAGES = frozenset({Stage.BULK_ISOTOPE, Stage.DRUG_PRODUCT, Stage.GENERATOR})
"""Product stages an export (an order at a market) may be of: any radioactive product with an
activity to deliver, bulk isotope included; target material is an input of production."""


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """Outcome of :func:`validate`: every issue found, errors and warnings.

    Attributes
    ----------
    source
        What was validated (path or built-in name).
    issues
        Every issue, in file and line order.
    scenario
        The scenario when it passed the schema check (even with cross-reference errors).
    """

    source: str
    issues: tuple[Issue, ...]
    scenario: Scenario | None

    @property
    def errors(self) -> tuple[Issue, ...]:
        """Issues that make the scenario invalid."""
        return tuple(i for i in self.issues if i.severity == Severity.ERROR)

    @property
    def warnings(self) -> tuple[Issue, ...]:
        """Issues worth a look that do not make the scenario invalid."""
        return tuple(i for i in self.issues if i.severity == Severity.WARNING)

    @property
    def ok(self) -> bool:
        """True if there is no error."""
        return not self.errors

    def summary(self) -> str:
        """One line: valid or not, with counts."""
        counts = f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)"
        if not self.ok:
            return f"{self.source}: invalid, {counts}"
        if self.scenario is None:  # pragma: no cover - an invalid load always has an error
            return f"{self.source}: invalid"
        s = self.scenario
        sizes = (
            f"{len(s.sites)} sites, {len(s.products)} products, {len(s.processes)} processes, "
            f"{len(s.lanes)} lanes, {len(s.demand.bookings)} bookings"
            + (f", {len(s.demand.orders)} orders" if s.demand.orders else "")
        )
        return f"{self.source}: valid ({sizes}; {counts})"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "source": self.source,
            "valid": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "issues": [i.as_dict() for i in self.issues],
        }


def validate(ref: str | FsPath) -> ValidationReport:
    """Load ``ref`` (built-in name, file or CSV folder) and run every check; never raises."""
    loaded = read_scenario(ref)
    if loaded.scenario is None:
        return ValidationReport(loaded.source, _in_order([*loaded.warnings, *loaded.issues]), None)
    issues = check_references(loaded.scenario, loaded.locate)
    return ValidationReport(loaded.source, _in_order([*loaded.warnings, *issues]), loaded.scenario)


def _in_order(issues: list[Issue]) -> tuple[Issue, ...]:
    return tuple(sorted(issues, key=lambda i: (i.file, i.line or 0)))


def validate_scenario(scenario: Scenario, source: str = "") -> ValidationReport:
    """Run the cross-reference checks on a scenario built in memory."""
    return ValidationReport(
        source or scenario.meta.name, tuple(check_references(scenario)), scenario
    )


def check_references(scenario: Scenario, locate: Locator = no_location) -> list[Issue]:
    """Every cross-reference problem in ``scenario``, located by ``locate`` (file, line)."""
    found: list[Issue] = []
    for check in (
        _duplicates,
        _references,
        _demand,
        _lanes,
        _production,
        _bookings,
        _routes,
        _outages,
        _stock_disruptions,
        _generators,
        _prices,
        check_sources,
    ):
        found.extend(check(scenario))
    return list(_in_order(locate_all(found, locate)))


def _error(path: Path, message: str, code: str) -> Issue:
    return Issue(path, message, Severity.ERROR, code=code)


# --------------------------------------------------------------------------- prices


def _prices(s: Scenario) -> Iterable[Issue]:
    """A product has at most one price per country and one for everywhere else."""
    first: dict[tuple[str, str], int] = {}
    for i, price in enumerate(s.demand.prices):
        for k, market in enumerate(price.countries or ("",)):
            j = first.setdefault((price.product, market), i)
            if j != i:
                where = f"{market}" if market else "countries not listed elsewhere"
                path: Path = (
                    ("demand", "prices", i, "countries", k)
                    if market
                    else (
                        "demand",
                        "prices",
                        i,
                        "countries",
                    )
                )
                yield _error(
                    path,
                    f"{price.product!r} already has a price for {where} (demand.prices.{j}); "
                    "give each market one price",
                    "duplicate_price",
                )


# --------------------------------------------------------------------------- ids


def _duplicates(s: Scenario) -> Iterable[Issue]:
    sections: list[tuple[Path, Sequence[Any]]] = [
        (("products",), s.products),
        (("sites",), s.sites),
        (("processes",), s.processes),
        (("lanes",), s.lanes),
        (("policies", "exclusive_distribution"), s.policies.exclusive_distribution),
        (("policies", "supply_agreements"), s.policies.supply_agreements),
    ]
    for section, items in sections:
        first: dict[str, int] = {}
        for i, item in enumerate(items):
            j = first.setdefault(item.id, i)
            if j != i:
                where = ".".join(map(str, (*section, j)))
                yield _error(
                    (*section, i, "id"),
                    f"duplicate id {item.id!r} (already used by {where}); ids must be unique",
                    "duplicate_id",
                )
    yield from _duplicate_demand_ids(s)


def _duplicate_demand_ids(s: Scenario) -> Iterable[Issue]:
    """Bookings and orders share one id space (plans name either by its id).

    One pass with a set of the ids seen (the bulk of a large file, so no record per item is
    kept); a second pass, only when a duplicate was found, names where each id was first used.
    """
    seen: set[str] = set()
    repeated: set[str] = set()
    for item in iter_demand_items(s):
        if item.id in seen:
            repeated.add(item.id)
        seen.add(item.id)
    del seen
    if not repeated:
        return
    first: dict[str, str] = {}
    for item in iter_demand_items(s):
        if item.id not in repeated:
            continue
        where = ".".join(map(str, item.path))
        other = first.setdefault(item.id, where)
        if other != where:
            yield _error(
                (*item.path, "id"),
                f"duplicate id {item.id!r} (already used by {other}); ids of bookings and "
                "orders must be unique",
                "duplicate_id",
            )


class _Hints:
    """``; did you mean 'x'?`` for unknown ids, each value looked up once.

    At most :attr:`LIMIT` values are looked up: a close match costs up to 15 ms among a
    thousand ids, so a file with ten thousand bad references would otherwise take minutes.
    """

    LIMIT = 200

    def __init__(self) -> None:
        self.found: dict[tuple[str, int], str] = {}

    def __call__(self, value: str, known: set[str]) -> str:
        key = (value, id(known))
        hint = self.found.get(key)
        if hint is None:
            if len(self.found) >= self.LIMIT or len(known) > 5000:
                return ""
            close = difflib.get_close_matches(value, known, n=1)
            hint = self.found[key] = f"; did you mean {close[0]!r}?" if close else ""
        return hint


def _unknown(
    path: Path, value: str, known: set[str], what: str, section: str, hints: _Hints
) -> Issue:
    hint = hints(value, known)
    return _error(
        path, f"unknown {what} {value!r}{hint} (expected an id from '{section}')", "unknown_ref"
    )


def _references(s: Scenario) -> Iterable[Issue]:
    sites = {x.id for x in s.sites}
    products = {x.id for x in s.products}
    lanes = {x.id for x in s.lanes}
    refs: list[tuple[Path, str, set[str], str, str]] = []

    def site(path: Path, value: str) -> None:
        refs.append((path, value, sites, "site", "sites"))

    def product(path: Path, value: str) -> None:
        refs.append((path, value, products, "product", "products"))

    for i, p in enumerate(s.products):
        for k, sub in enumerate(p.substitutes):
            product(("products", i, "substitutes", k), sub)
    for i, st in enumerate(s.sites):
        for k, stock in enumerate(st.stocks):
            product(("sites", i, "stocks", k, "product"), stock.product)
        for k, lic in enumerate(st.licences):
            product(("sites", i, "licences", k, "product"), lic.product)
        for k, served in enumerate(st.service_area):
            site(("sites", i, "service_area", k), served)
    for i, lane in enumerate(s.lanes):
        site(("lanes", i, "origin"), lane.origin)
        site(("lanes", i, "destination"), lane.destination)
    for i, proc in enumerate(s.processes):
        site(("processes", i, "site"), proc.site)
        product(("processes", i, "output"), proc.output)
        for k, inp in enumerate(proc.inputs):
            product(("processes", i, "inputs", k, "product"), inp.product)
    for i, r in enumerate(s.demand.rates):
        product(("demand", "rates", i, "product"), r.product)
    for i, price in enumerate(s.demand.prices):
        product(("demand", "prices", i, "product"), price.product)
    pol = s.policies
    for i, a in enumerate(pol.approvals):
        product(("policies", "approvals", i, "product"), a.product)
    for i, x in enumerate(pol.export_restrictions):
        for k, pid in enumerate(x.products):
            product(("policies", "export_restrictions", i, "products", k), pid)
    for i, e in enumerate(pol.exclusive_distribution):
        product(("policies", "exclusive_distribution", i, "product"), e.product)
        site(("policies", "exclusive_distribution", i, "supplier"), e.supplier)
        site(("policies", "exclusive_distribution", i, "distributor"), e.distributor)
    for i, sa in enumerate(pol.supply_agreements):
        site(("policies", "supply_agreements", i, "supplier"), sa.supplier)
        site(("policies", "supply_agreements", i, "customer"), sa.customer)
        product(("policies", "supply_agreements", i, "product"), sa.product)
    for i, d in enumerate(s.disruptions.sites):
        site(("disruptions", "sites", i, "site"), d.site)
    for i, ld in enumerate(s.disruptions.lanes):
        refs.append((("disruptions", "lanes", i, "lane"), ld.lane, lanes, "lane", "lanes"))
    for i, sd in enumerate(s.disruptions.stocks):
        site(("disruptions", "stocks", i, "site"), sd.site)
        product(("disruptions", "stocks", i, "product"), sd.product)
    hints = _Hints()
    for path, value, known, what, section in refs:
        if value not in known:
            yield _unknown(path, value, known, what, section, hints)
    # Bookings and orders are the bulk: check them in one tight loop.
    for b in iter_demand_items(s):
        if b.hospital not in sites:
            yield _unknown((*b.path, "hospital"), b.hospital, sites, "site", "sites", hints)
        if b.product not in products:
            yield _unknown((*b.path, "product"), b.product, products, "product", "products", hints)


# --------------------------------------------------------------------------- demand


def _demand(s: Scenario) -> Iterable[Issue]:
    """An empty demand section (given, but with no bookings and no rates) is a warning."""
    demand = s.demand
    if "demand" not in s.model_fields_set or demand.bookings or demand.orders or demand.rates:
        return
    path: Path = ("demand", "bookings") if "bookings" in demand.model_fields_set else ("demand",)
    yield Issue(
        path,
        "the demand section is empty (no bookings, orders or rates): there is nothing to plan "
        "or simulate; add bookings, orders or rates, or leave the section out",
        Severity.WARNING,
        code="empty_demand",
    )


def _dose_products(records: Iterable[DemandItem], products: dict[str, Product]) -> Iterable[Issue]:
    """Bookings and orders name a dose product, never bulk isotope or target.

    Exports (orders at a market) may be of any product of :data:`EXPORT_STAGES`.
    """
    stages = " or ".join(f"'{stage}'" for stage in sorted(DOSE_STAGES))
    for record in records:
        product = products.get(record.product)
        if product is None:
            continue
        if record.export:
            if product.stage not in EXPORT_STAGES:
                yield _error(
                    (*record.path, "product"),
                    f"product {record.product!r} is target material; an export is of bulk "
                    "isotope, a generator or a drug product",
                    "not_export_product",
                )
        elif product.stage not in DOSE_STAGES:
            hint = (
                "; an export of it is an order at a site of kind 'market'"
                if record.kind == DemandKind.ORDER and product.stage in EXPORT_STAGES
                else ""
            )
            yield _error(
                (*record.path, "product"),
                f"product {record.product!r} is {product.stage.replace('_', ' ')}; "
                f"{record.a_noun} is of a dose product (stage {stages}){hint}",
                "not_dose_product",
            )


def _export_activities(records: Iterable[DemandItem]) -> Iterable[Issue]:
    """An export states the activity of each unit: a bulk product has no dose to default to."""
    for record in records:
        if record.export and record.activity is None:
            yield _error(
                (*record.path, "activity"),
                f"export order {record.id!r} (at market {record.hospital!r}) needs 'activity', "
                "the activity of each unit at calibration (e.g. '500 GBq'); an export has no "
                "patient dose to default to",
                "export_activity",
            )


def _market_kinds(s: Scenario) -> Iterable[Issue]:
    """A market is demand outside the region: not also a hospital or radiopharmacy."""
    for i, site in enumerate(s.sites):
        both = sorted(DELIVERY_KINDS.intersection(site.kind))
        if is_market(site) and both:
            yield _error(
                ("sites", i, "kind"),
                f"site {site.id!r} is a market and a {' and a '.join(both)}; a market is export "
                "demand outside the region (no patients): make the hospital a site of its own",
                "market_kind",
            )


# --------------------------------------------------------------------------- network


def _lanes(s: Scenario) -> Iterable[Issue]:
    for i, lane in enumerate(s.lanes):
        if lane.origin == lane.destination:
            yield _error(
                ("lanes", i, "destination"),
                f"lane goes nowhere: origin and destination are both {lane.origin!r}",
                "lane_loop",
            )


def _producers(s: Scenario) -> dict[str, set[str]]:
    made: dict[str, set[str]] = defaultdict(set)
    for proc in s.processes:
        made[proc.output].add(proc.site)
    return made


def _production(s: Scenario) -> Iterable[Issue]:
    made = _producers(s)
    stages = {p.id: p.stage for p in s.products}
    for i, p in enumerate(s.products):
        if p.stage == Stage.DRUG_PRODUCT and p.id not in made:
            yield _error(
                ("products", i, "stage"),
                f"drug product {p.id!r} is made by no process; add a process with output {p.id!r}",
                "not_produced",
            )
    for i, proc in enumerate(s.processes):
        stage = stages.get(proc.output)
        if proc.order_cutoff is not None and stage is not None and stage not in DOSE_STAGES:
            yield _error(
                ("processes", i, "order_cutoff"),
                f"an order cut-off applies to the doses bookings and orders ask for, but "
                f"{proc.output!r} is {stage.replace('_', ' ')}; give it to the process that "
                "makes the dose product",
                "cutoff_not_dose",
            )
        for k, inp in enumerate(proc.inputs):
            stage = stages.get(inp.product)
            if stage is None or stage == Stage.TARGET_MATERIAL or inp.product in made:
                continue
            yield _error(
                ("processes", i, "inputs", k, "product"),
                f"input {inp.product!r} is made by no process and is not target material; add "
                "a process making it or give it stage 'target_material'",
                "not_produced",
            )


def _bookings(s: Scenario) -> Iterable[Issue]:
    products = {p.id: p for p in s.products}
    yield from _dose_products(iter_demand_items(s), products)
    sites = {x.id: x for x in s.sites}
    approved: dict[str, set[str]] = defaultdict(set)
    for a in s.policies.approvals:
        approved[a.product].update(a.countries)
    start, end = s.meta.start, s.end
    yield from _export_activities(iter_demand_items(s))
    yield from _market_kinds(s)
    for b in iter_demand_items(s):
        site = sites.get(b.hospital)
        if site is not None:
            if not b.export and not DELIVERY_KINDS.intersection(site.kind):
                kinds = ", ".join(site.kind)
                where = (
                    "'hospital', 'radiopharmacy' or 'market'"
                    if b.kind == DemandKind.ORDER
                    else ("'hospital' or 'radiopharmacy' (a market takes orders, not bookings)")
                )
                yield _error(
                    (*b.path, "hospital"),
                    f"site {b.hospital!r} is {kinds}; {b.a_noun} needs a site of kind {where}",
                    "not_hospital",
                )
            countries = approved.get(b.product)
            if countries is not None and site.country not in countries:
                yield Issue(
                    (*b.path, "product"),
                    f"product {b.product!r} is not approved in {site.country} (approved in "
                    f"{', '.join(sorted(countries))}); the {b.noun} will be listed as unserved "
                    f"(not_approved) unless {site.country} is added to its approval",
                    Severity.WARNING,
                    code="not_approved",
                )
        if not start <= b.administration < end:
            yield Issue(
                (*b.path, b.time_field),
                f"{b.time_field} {b.administration.isoformat()} is outside the horizon "
                f"{start.isoformat()} .. {end.isoformat()}; it will be ignored",
                Severity.WARNING,
                code="outside_horizon",
            )


def _routes(s: Scenario) -> Iterable[Issue]:
    """Routes within shelf life (:func:`.validate_routes.route_warnings`)."""
    return route_warnings(s, _producers(s))


# --------------------------------------------------------------------------- items


def _outages(s: Scenario) -> Iterable[Issue]:
    for i, proc in enumerate(s.processes):
        outages = proc.availability.outages
        order = sorted(range(len(outages)), key=lambda k: outages[k].start)
        latest = -1  # the earlier outage that ends last
        for k in order:
            if latest >= 0 and outages[k].start < outages[latest].end:
                yield _error(
                    ("processes", i, "availability", "outages", k),
                    f"outage overlaps outage {latest} of process {proc.id!r} "
                    f"({outages[k].start.isoformat()} < {outages[latest].end.isoformat()}); "
                    "merge them",
                    "outage_overlap",
                )
            if latest < 0 or outages[k].end > outages[latest].end:
                latest = k


def _stock_disruptions(s: Scenario) -> Iterable[Issue]:
    """A short delivery is of a material its site holds a stock of (``sites[].stocks``).

    An unknown site or product is :func:`_references`' to report.
    """
    sites = {x.id: x for x in s.sites}
    products = {x.id for x in s.products}
    for i, d in enumerate(s.disruptions.stocks):
        site = sites.get(d.site)
        if site is None or d.product not in products:
            continue
        held = [stock.product for stock in site.stocks]
        if d.product not in held:
            listed = ", ".join(repr(p) for p in held) if held else "none"
            yield _error(
                ("disruptions", "stocks", i, "product"),
                f"site {d.site!r} holds no stock of {d.product!r} (its stocks: {listed}); "
                "add it to the site's 'stocks' or name a material listed there",
                "no_stock",
            )


def _generators(s: Scenario) -> Iterable[Issue]:
    from isoflow.domain.nuclides import default_data

    data = default_data()
    for i, p in enumerate(s.products):
        if p.stage != Stage.GENERATOR or p.daughter is None:
            continue
        progeny = set(data.descendants([p.nuclide])) - {p.nuclide}
        if p.daughter not in progeny:
            yield _error(
                ("products", i, "daughter"),
                f"{p.daughter} is not a decay product of {p.nuclide}; a generator elutes a "
                "descendant of its parent nuclide",
                "not_descendant",
            )
