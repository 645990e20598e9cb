"""Pydantic models of a scenario: the single source of truth for files, docs and JSON Schema.

Every model is strict (unknown keys rejected) and frozen. Quantities are SI inside (Bq, s,
UTC); files may use units (``7.4 GBq``, ``6 h``). Cross-references between sections (a lane
to an unknown site, a booking for an unknown product) are checked in
:mod:`isoflow.scenario.validate`, which reports every problem at once.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal, TypeVar

from pydantic import Field, field_validator, model_validator

from isoflow.domain.calendar import clock_minutes
from isoflow.scenario.citations import Provenance, Source, Strict
from isoflow.scenario.demand_models import (
    Booking as Booking,
)
from isoflow.scenario.demand_models import (
    Demand as Demand,
)
from isoflow.scenario.demand_models import (
    DemandRate as DemandRate,
)
from isoflow.scenario.demand_models import (
    DosePrice as DosePrice,
)
from isoflow.scenario.demand_models import (
    Order as Order,
)
from isoflow.scenario.field_types import ALL_DAYS as ALL_DAYS
from isoflow.scenario.field_types import Nuclide as Nuclide
from isoflow.scenario.field_types import TimeZone as TimeZone
from isoflow.scenario.field_types import Weekday as Weekday
from isoflow.scenario.lane_models import Border as Border
from isoflow.scenario.lane_models import Closure as Closure
from isoflow.scenario.lane_models import Delay as Delay
from isoflow.scenario.lane_models import Departure as Departure
from isoflow.scenario.lane_models import Lane as Lane
from isoflow.scenario.lane_models import Mode as Mode
from isoflow.scenario.policy_models import (
    Approval as Approval,
)
from isoflow.scenario.policy_models import (
    CustomsDisruption as CustomsDisruption,
)
from isoflow.scenario.policy_models import (
    Disruptions as Disruptions,
)
from isoflow.scenario.policy_models import (
    DurationDistribution as DurationDistribution,
)
from isoflow.scenario.policy_models import (
    ExclusiveDistribution as ExclusiveDistribution,
)
from isoflow.scenario.policy_models import (
    ExportRestriction as ExportRestriction,
)
from isoflow.scenario.policy_models import (
    LaneDisruption as LaneDisruption,
)
from isoflow.scenario.policy_models import (
    Policies as Policies,
)
from isoflow.scenario.policy_models import (
    PolicyShock as PolicyShock,
)
from isoflow.scenario.policy_models import (
    SiteDisruption as SiteDisruption,
)
from isoflow.scenario.policy_models import (
    StockDisruption as StockDisruption,
)
from isoflow.scenario.policy_models import (
    SupplyAgreement as SupplyAgreement,
)
from isoflow.scenario.quantities import (
    Activity,
    CountryCode,
    Duration,
    Fraction,
    Identifier,
    LocalClock,
    Money,
    NonNegative,
    PositiveActivity,
    PositiveDuration,
    UtcTime,
)

SCHEMA_VERSION: Literal[1] = 1

_Item = TypeVar("_Item", bound="Product | Site")


# --------------------------------------------------------------------------- products


class Stage(StrEnum):
    """Stage of a product in the supply chain."""

    TARGET_MATERIAL = "target_material"
    BULK_ISOTOPE = "bulk_isotope"
    DRUG_PRODUCT = "drug_product"
    GENERATOR = "generator"


class DoseSpec(Strict):
    """What a patient dose must contain at administration."""

    activity: PositiveActivity | None = None
    """Activity at administration [Bq] (e.g. ``7.4 GBq`` for Lu-177-PSMA)."""
    per_kg: PositiveActivity | None = None
    """Activity per kg of body mass at administration [Bq/kg], instead of a fixed activity."""
    tolerance: Fraction = 0.1
    """Accepted relative deviation from the prescribed activity (0.1 = ±10 %)."""

    @model_validator(mode="after")
    def _one_of(self) -> DoseSpec:
        if (self.activity is None) == (self.per_kg is None):
            raise ValueError("give exactly one of 'activity' or 'per_kg'")
        return self


class TransportClass(Strict):
    """IATA class-7 packaging of a product."""

    package: Literal["excepted", "type_a", "type_b", "industrial"] = "type_a"
    """Package type."""
    ti_per_gbq: NonNegative = 0.0
    """Transport index per GBq shipped [1/GBq] (dose rate at 1 m scales with activity)."""
    max_activity_per_package: Activity | None = None
    """Largest activity one package may hold [Bq]; none means unlimited."""


class Impurity(Strict):
    """A long-lived radionuclidic impurity carried with the product."""

    nuclide: Nuclide
    """Impurity nuclide (e.g. ``Lu-177m`` in carrier-added Lu-177)."""
    fraction_at_eop: Annotated[float, Field(ge=0, le=0.5)]
    """Impurity activity per product activity at end of production [Bq/Bq]."""


class Product(Strict):
    """A product: target material, bulk isotope, drug product or generator."""

    id: Identifier
    """Unique product id."""
    name: str = ""
    """Readable name."""
    stage: Stage
    """Supply-chain stage."""
    nuclide: Nuclide
    """Main nuclide (the parent for a generator; may be stable for target material)."""
    daughter: Nuclide | None = None
    """Generator only: the daughter eluted (e.g. ``Tc-99m`` from ``Mo-99``)."""
    unit: Literal["Bq", "g", "mL", "unit"] = "Bq"
    """Unit in which quantities of this product are counted (Bq for radioactive products)."""
    calibration: Literal["end_of_production", "administration", "reference"] = "end_of_production"
    """When the labelled activity is stated. A generator's activity is its parent's activity at
    calibration, which the planner takes as the end of production of the assembly batch; the
    daughter then grows in from zero until the first elution."""
    shelf_life: PositiveDuration | None = None
    """Useful life after end of production [s]; none for stable target material."""
    dose: DoseSpec | None = None
    """Patient dose specification (drug products)."""
    transport: TransportClass = TransportClass()
    """Packaging and transport index."""
    carrier_added: bool = False
    """Carrier-added production (e.g. c.a. Lu-177 from Lu-176) rather than no-carrier-added."""
    impurity: Impurity | None = None
    """Long-lived impurity carried with the product."""
    substitutes: tuple[Identifier, ...] = ()
    """Products this one may replace when recourse is needed (e.g. c.a. for n.c.a. Lu-177)."""
    sizes: tuple[PositiveActivity, ...] = ()
    """Generators: nominal sizes, parent activity at calibration [Bq]; empty means any size."""
    max_elutions: Annotated[int, Field(ge=1, le=100000)] | None = None
    """Generators: elutions one generator may give (e.g. 250 for Ge-68/Ga-68); it is retired
    after them. None: no limit but the shelf life (its age limit)."""
    efficiency_decline_per_year: Fraction = 0.0
    """Generators: relative fall of the elution efficiency per year of age, linear (Ge-68/Ga-68
    about 0.37: to 35 % after 21 months)."""
    provenance: Provenance = Provenance()
    """Where the figures come from."""

    @model_validator(mode="after")
    def _generator_has_daughter(self) -> Product:
        if self.stage == Stage.GENERATOR and self.daughter is None:
            raise ValueError("a generator product needs a 'daughter' nuclide")
        if self.stage != Stage.GENERATOR and self.daughter is not None:
            raise ValueError("'daughter' is only for products of stage 'generator'")
        if self.unit == "Bq" and self.stage != Stage.TARGET_MATERIAL and self.shelf_life is None:
            raise ValueError("a radioactive product needs a 'shelf_life'")
        return self


# --------------------------------------------------------------------------- sites


class SiteKind(StrEnum):
    """What a site does.

    A ``market`` is an aggregated demand outside the modelled region (e.g. 'Europe via AMS',
    'US buyers of Lu-177'): it makes nothing and treats no patient; it takes export orders
    (``demand.orders`` at the site) of bulk isotope, generators or drug product, which compete
    with the region's patients for the same batches. A market may not also be a hospital or
    radiopharmacy.
    """

    REACTOR = "reactor"
    CYCLOTRON = "cyclotron"
    ACCELERATOR = "accelerator"
    GENERATOR_MAKER = "generator_maker"
    CDMO = "cdmo"
    RADIOPHARMACY = "radiopharmacy"
    DISTRIBUTOR = "distributor"
    HOSPITAL = "hospital"
    HUB = "hub"
    MARKET = "market"


class InputStock(Strict):
    """How much of a consumed material a site may use per week (O-18 water, targets, kits)."""

    product: Identifier
    """Material product id (consumed by the site's processes as a ``per_batch`` input)."""
    per_week: NonNegative
    """Amount available per week, in the product's unit; weeks count from the planning
    horizon's start (the first week starts with the horizon)."""
    provenance: Provenance = Provenance()
    """Where the figure comes from."""


class Licence(Strict):
    """Countries to which a site may ship one drug product.

    A marketing authorisation, import permits: whatever lets the product cross into them.
    """

    product: Identifier
    """Drug product id."""
    countries: tuple[CountryCode, ...]
    """Countries the licence covers (an empty list: none)."""
    provenance: Provenance = Provenance()
    """Where the licence facts come from."""


class Site(Strict):
    """A place in the network: producer, processor, distributor, airport hub or hospital."""

    id: Identifier
    """Unique site id."""
    name: str
    """Readable name."""
    operator: str = ""
    """Organisation that runs the site."""
    country: CountryCode
    """ISO 3166-1 alpha-2 country code (``KR``, ``AU``; ``CN-HK`` for Hong Kong)."""
    city: str = ""
    """City."""
    lat: Annotated[float, Field(ge=-90, le=90)]
    """Latitude [deg], WGS84."""
    lon: Annotated[float, Field(ge=-180, le=180)]
    """Longitude [deg], WGS84."""
    timezone: TimeZone
    """IANA time zone of the site (timetables and windows are local)."""
    kind: tuple[SiteKind, ...] = Field(min_length=1)
    """Roles of the site (one or more); ``market`` (export demand outside the region) only
    with roles that neither treat patients nor dispense (not ``hospital``, ``radiopharmacy``)."""
    gmp_markets: tuple[CountryCode, ...] = ()
    """Countries whose GMP approval the site holds (may supply drug products there)."""
    licences: tuple[Licence, ...] = ()
    """Per drug product, the countries the site may ship it to; a product listed here goes
    only there (``gmp_markets`` still applies), one not listed follows ``gmp_markets``."""
    service_area: tuple[Identifier, ...] = ()
    """Hospitals (site ids) the site may supply patient doses to, besides itself. A site
    that is itself a hospital (hospital radiopharmacy) serves only itself and these; any
    other site serves every hospital when this is empty."""
    dispensing_buffer: Duration = 1800.0
    """How long before administration a dose must arrive at this site [s] (checks,
    dispensing, transfer to the ward); 30 min unless stated."""
    stocks: tuple[InputStock, ...] = ()
    """Weekly limits on materials its processes consume per batch; a material with no
    entry here is not limited."""
    start: UtcTime | None = None
    """Date the site starts operating; none if already operating."""
    end: UtcTime | None = None
    """Date the site stops operating (e.g. a reactor's retirement); none if open-ended."""
    provenance: Provenance = Provenance()
    """Where the figures come from."""
    notes: str = ""
    """Free text."""


# --------------------------------------------------------------------------- calendars


class WeeklyWindow(Strict):
    """A recurring weekly window in the site's local time."""

    days: tuple[Weekday, ...] = ALL_DAYS
    """Days of the week on which the window opens."""
    start: LocalClock = "00:00"
    """Local opening time HH:MM."""
    end: LocalClock = "23:59"
    """Local closing time HH:MM (later than ``start``)."""

    provenance: Provenance = Provenance()
    """Where the figures come from."""

    @model_validator(mode="after")
    def _ordered(self) -> WeeklyWindow:
        if clock_minutes(self.end) <= clock_minutes(self.start):
            raise ValueError(f"end {self.end} must be later than start {self.start}")
        return self


class OperatingCycle(Strict):
    """A repeating on/off operating cycle (e.g. a research reactor's cycles).

    A cycle of whole days (``on`` and ``off`` multiples of 24 h) runs in whole local days of
    the site, so that n days 'on' are n local operating days (the operating days and weeks a
    year that the NEA states) whatever the time of day of ``anchor`` and the daylight-saving
    changes: the first 'on' day is the local date whose midnight is nearest ``anchor``
    (23:30 on a Sunday: Monday), and every period runs from local midnight to local midnight.
    Any other cycle runs at its exact instants from ``anchor``.
    """

    anchor: UtcTime
    """Start of one 'on' period (a cycle of whole days: the local midnight nearest it)."""
    on: PositiveDuration
    """Length of the operating period [s] (whole days: that many local days)."""
    off: Duration
    """Length of the shutdown between operating periods [s] (whole days: local days)."""


class Outage(Strict):
    """A planned outage (maintenance, refuelling) between two instants."""

    start: UtcTime
    """Start of the outage."""
    end: UtcTime
    """End of the outage."""
    reason: str = ""
    """Why the site is down."""

    provenance: Provenance = Provenance()
    """Where the figures come from."""

    @model_validator(mode="after")
    def _ordered(self) -> Outage:
        if self.end <= self.start:
            raise ValueError("outage 'end' must be after 'start'")
        return self


class Availability(Strict):
    """When a process may run: weekly windows, operating cycles and planned outages combined."""

    windows: tuple[WeeklyWindow, ...] = (WeeklyWindow(),)
    """Weekly windows in which a batch may start (default: always)."""
    cycle: OperatingCycle | None = None
    """Operating cycle; batches start only in 'on' periods."""
    outages: tuple[Outage, ...] = ()
    """Planned outages; no batch may run during one."""


# --------------------------------------------------------------------------- processes


class ProcessKind(StrEnum):
    """Kind of process."""

    IRRADIATION = "irradiation"
    SYNTHESIS = "synthesis"
    LABELLING = "labelling"
    GENERATOR_ASSEMBLY = "generator_assembly"
    ELUTION = "elution"
    DISPENSING = "dispensing"
    PROCESSING = "processing"


class ProcessInput(Strict):
    """A product consumed by a process."""

    product: Identifier
    """Consumed product id."""
    per_batch: NonNegative = 0.0
    """Fixed amount consumed per batch, in the product's unit (e.g. 2.5 mL of O-18 water)."""
    activity_feed: bool = False
    """True if this input carries the activity of the output (bulk isotope labelled into a drug).

    The activity consumed at batch start is ``output activity at end of production / (yield ·
    exp(-λ·duration))``: decay during processing is accounted for exactly.
    """
    provenance: Provenance = Provenance()
    """Where the figures come from."""


class Process(Strict):
    """A production step at a site: inputs -> one output product."""

    id: Identifier
    """Unique process id."""
    site: Identifier
    """Site id where the process runs."""
    kind: ProcessKind
    """Kind of process."""
    output: Identifier
    """Product id produced."""
    inputs: tuple[ProcessInput, ...] = ()
    """Products consumed (empty for an irradiation whose target cost is in the variable cost)."""
    yield_fraction: Annotated[float, Field(gt=0, le=1)] = 1.0
    """Decay-corrected yield of an ``activity_feed`` input into the output [1]."""
    elution_efficiency: Fraction = 0.9
    """Elution only: fraction of the daughter element removed per elution."""
    discard_first_elution: bool = False
    """Elution only: the first elution of each generator goes to waste (the daughter grown in
    during transport, and any breakthrough), not to doses; it still empties the column."""
    elute_every_slot: bool = False
    """Elution only: each generator is eluted at every slot of the elution schedule from its
    arrival until it is replaced, doses due or not (a fixed routine: weekend elutions that keep
    the column fresh go to waste); off: only at slots at which doses may be due."""
    replace_every: PositiveDuration | None = None
    """Elution only: a generator is replaced this long after it arrives at the site (``7 d``
    for a weekly Mo-99/Tc-99m generator) and eluted no more; none: used until its shelf life
    ends."""
    batch_min: Activity = 0.0
    """Smallest batch, activity at end of production [Bq] (or product unit)."""
    batch_max: PositiveActivity
    """Largest batch, activity at end of production [Bq] (or product unit)."""
    max_batches_per_day: Annotated[int, Field(ge=1, le=96)] = 1
    """Batches that may start in one local day. For an elution without ``elution_times``, the
    generator is eluted this many times a day, evenly spaced from the opening of each day's
    window (one elution at the opening when 1)."""
    elution_times: tuple[LocalClock, ...] = ()
    """Elution only: local times of day at which the generator is eluted (``["06:00",
    "13:00"]``), on the days of the availability windows; overrides the even spacing."""
    duration: Duration = 0.0
    """From batch start to end of production [s]."""
    qc_release: Duration = 0.0
    """From end of production to release for dispatch (quality control) [s]."""
    availability: Availability = Availability()
    """When batches may start: the process's weekly calendar (a therapy made Mondays and
    Wednesdays has windows on those days only)."""
    order_cutoff: Duration | None = None
    """Orders close this long before a run starts [s] (a manufacturer's order cut-off, e.g.
    ``5 d``): a booking or order ``ordered`` later than that cannot be served by the run. None:
    no cut-off (the default)."""
    fixed_cost: Money = 0.0
    """Cost per batch run."""
    variable_cost_per_gbq: Money = 0.0
    """Cost per GBq produced at end of production."""
    qc_failure_prob: Fraction = 0.0
    """Probability that a batch fails QC and is lost."""
    provenance: Provenance = Provenance()
    """Where the figures come from."""

    @model_validator(mode="after")
    def _batches(self) -> Process:
        if self.batch_min > self.batch_max:
            raise ValueError("'batch_min' must not exceed 'batch_max'")
        if self.kind != ProcessKind.ELUTION:
            for name, given in (
                ("elute_every_slot", self.elute_every_slot),
                ("replace_every", self.replace_every is not None),
            ):
                if given:
                    raise ValueError(f"'{name}' is for processes of kind 'elution' only")
        return self


# --------------------------------------------------------------------------- scenario


class Meta(Strict):
    """Scenario header."""

    name: Identifier
    """Scenario name."""
    title: str = ""
    """Readable title."""
    description: str = ""
    """What the scenario represents."""
    schema_version: Literal[1] = SCHEMA_VERSION
    """Version of this schema."""
    start: UtcTime
    """Start of the planning horizon (a year from 1950 to 2150)."""
    horizon: PositiveDuration = 7 * 86400.0
    """Length of the planning horizon [s], from 1 h to 366 d (as ``isoflow plan --horizon``)."""
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"
    """ISO 4217 currency of all costs."""
    sources: tuple[str, ...] = ()
    """References the scenario is drawn from."""
    seed: Annotated[int, Field(ge=0)] | None = None
    """Seed of the random generator that produced generated content (bookings); none if none."""

    @field_validator("horizon")
    @classmethod
    def _horizon_span(cls, value: float) -> float:
        if not 3600.0 <= value <= 366 * 86400.0:
            raise ValueError(f"expected a horizon from 1 h to 366 d, got {value / 86400.0:g} d")
        return value

    @field_validator("start")
    @classmethod
    def _start_year(cls, value: datetime) -> datetime:
        if not 1950 <= value.year <= 2150:
            raise ValueError(
                f"expected a start from 1950 to 2150, got {value.isoformat()} (a planning "
                "horizon is weeks or months around today)"
            )
        return value


class Scenario(Strict):
    """A whole supply-network scenario."""

    meta: Meta
    """Header: name, horizon, currency."""
    sources: tuple[Source, ...] = ()
    """Public sources cited by the rows' ``provenance.source_id``."""
    products: tuple[Product, ...] = Field(min_length=1)
    """Products."""
    sites: tuple[Site, ...] = Field(min_length=1)
    """Sites."""
    processes: tuple[Process, ...] = ()
    """Production processes at sites."""
    lanes: tuple[Lane, ...] = ()
    """Transport lanes."""
    demand: Demand = Demand()
    """Bookings and demand rates."""
    policies: Policies = Policies()
    """Approvals, export restrictions and contracts."""
    disruptions: Disruptions = Disruptions()
    """Disruption parameters for simulation."""

    @property
    def end(self) -> datetime:
        """End of the planning horizon (UTC)."""
        from datetime import timedelta

        return self.meta.start + timedelta(seconds=self.meta.horizon)

    def site(self, site_id: str) -> Site:
        """The site with id ``site_id`` (KeyError if absent)."""
        return _by_id(self.sites, site_id)

    def product(self, product_id: str) -> Product:
        """The product with id ``product_id`` (KeyError if absent)."""
        return _by_id(self.products, product_id)


def _by_id(items: tuple[_Item, ...], key: str) -> _Item:
    for item in items:
        if item.id == key:
            return item
    raise KeyError(key)
