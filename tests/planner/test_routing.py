"""Routing of the planning network: Pareto routes on (arrival, cost) and latest ready times.

Every expected route and instant is derived by hand in the comments from the lane data; the
property tests compare with brute force written here (path enumeration, Bellman-Ford on
earliest arrival), not with the network's own searches.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from planner_cases import FDG, MONDAY, scenario, site

from isoflow.engines.planner.network import Leg, PlanningNetwork, Route
from isoflow.scenario.schema import Lane, Product, Scenario
from isoflow.units import parse_datetime

MIN = 60.0
HOUR = 3600.0
DAY = 86400.0
STEP = 900.0  # the 15-minute grid of the random networks
INF = math.inf

LU = {"id": "lu", "stage": "drug_product", "nuclide": "Lu-177", "shelf_life": "5 d"}
WATER = {"id": "o18-water", "stage": "target_material", "nuclide": "O-18", "unit": "mL"}
MO = {"id": "mo", "stage": "bulk_isotope", "nuclide": "Mo-99", "shelf_life": "2 d"}


def t(text: str) -> float:
    return parse_datetime(text).timestamp()


T0 = t(MONDAY)  # Mon 2025-08-04 00:00Z


def at(day: int, hh: int, mm: int = 0) -> float:
    """Instant [s]: ``day`` days after Monday 00:00Z (0 = Mon), at hh:mm UTC."""
    return T0 + day * DAY + hh * HOUR + mm * MIN


MON, TUE, WED, THU = 0, 1, 2, 3


def network(**sections: Any) -> PlanningNetwork:
    return PlanningNetwork(scenario(**sections), T0, T0, T0 + 7 * DAY)


def lane(id_: str, origin: str, dest: str, transit: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": id_,
        "origin": origin,
        "destination": dest,
        "mode": "road",
        "transit": transit,
        **extra,
    }


def product(net: PlanningNetwork, pid: str) -> Product:
    return net.scenario.products[net.product_index[pid]]


def flight(**extra: Any) -> dict[str, Any]:
    """cyc -> hosp, daily 10:00Z, 1 h cut-off, 1 h in the air, 7,900 + 100 = 8,000 USD."""
    return lane(
        "fly",
        "cyc",
        "hosp",
        "1 h",
        mode="air",
        timetable=[{"time": "10:00"}],
        handling="1 h",
        cost_per_shipment=7900.0,
        cost_per_package=100.0,
        **extra,
    )


def cheap_and_fast(road_cost: float, road_transit: str = "6 h", **fly: Any) -> PlanningNetwork:
    return network(
        products=[FDG, WATER],
        sites=[site("cyc", "cyclotron"), site("hosp", "hospital")],
        lanes=[
            flight(**fly),
            lane("road", "cyc", "hosp", road_transit, cost_per_shipment=road_cost),
        ],
    )


# ready Tue 08:00Z: the flight leaves at 10:00 (next departure >= 08:00 + 1 h) and lands
# 11:00 for 8,000; the road leaves at once and arrives 14:00.
FLY_TUE = Leg(0, at(TUE, 10), at(TUE, 11))
ROAD_TUE = Leg(1, at(TUE, 8), at(TUE, 14))


@pytest.mark.parametrize(
    ("road_cost", "kept"),
    [(200.0, ("fly", "road")), (7999.0, ("fly", "road")), (8000.0, ("fly",)), (9000.0, ("fly",))],
)
def test_cheap_slow_road_kept_only_when_cheaper(road_cost, kept):
    net = cheap_and_fast(road_cost)
    fdg = product(net, "fdg")
    ready = at(TUE, 8)
    routes = {
        "fly": Route((FLY_TUE,), ready, at(TUE, 11), 8000.0),
        "road": Route((ROAD_TUE,), ready, at(TUE, 14), road_cost),
    }
    front = net.pareto_routes(0, ready, fdg)
    assert front[1] == tuple(routes[k] for k in kept)
    assert front[0] == (Route((), ready, ready, 0.0),)
    # the earliest-arrival search still takes the flight, now with its cost
    assert net.routes_from(0, ready, fdg)[1] == routes["fly"]
    assert net.route(0, 1, ready, fdg) == routes["fly"]


def test_road_slower_than_the_shelf_life_is_no_candidate():
    # 11 h on the road: arrives 19:00, after ready + 10 h (F-18 shelf life); water keeps it
    net = cheap_and_fast(200.0, road_transit="11 h")
    ready = at(TUE, 8)
    assert [r.legs[0].lane for r in net.pareto_routes(0, ready, product(net, "fdg"))[1]] == [0]
    assert [r.legs[0].lane for r in net.pareto_routes(0, ready, product(net, "o18-water"))[1]] == [
        0,
        1,
    ]


def hub_case() -> PlanningNetwork:
    return network(
        products=[FDG],
        sites=[site("cyc", "cyclotron"), site("hosp", "hospital"), site("hub", "hub")],
        lanes=[
            flight(),
            lane("road", "cyc", "hosp", "6 h", cost_per_shipment=200.0),
            lane("to-hub", "cyc", "hub", "2 h", cost_per_shipment=100.0),
            lane("hub-fast", "hub", "hosp", "3 h", handling="30 min", cost_per_shipment=300.0),
            lane("hub-slow", "hub", "hosp", "5 h", cost_per_shipment=150.0),
        ],
    )


def test_dominated_route_dropped_and_limit_keeps_earliest_and_cheapest():
    net = hub_case()
    fdg = product(net, "fdg")
    ready = at(TUE, 8)
    # at the hub 10:00 for 100; hub-fast leaves 10:30 (handling), arrives 13:30 for 400;
    # hub-slow arrives 15:00 for 250: later and dearer than the road (14:00, 200): dropped
    to_hub = Leg(2, at(TUE, 8), at(TUE, 10))
    via_hub = Route((to_hub, Leg(3, at(TUE, 10, 30), at(TUE, 13, 30))), ready, at(TUE, 13, 30), 400)
    fly = Route((FLY_TUE,), ready, at(TUE, 11), 8000.0)
    road = Route((ROAD_TUE,), ready, at(TUE, 14), 200.0)
    assert net.pareto_routes(0, ready, fdg)[1] == (fly, via_hub, road)
    assert net.pareto_routes(0, ready, fdg)[2] == (Route((to_hub,), ready, at(TUE, 10), 100.0),)
    assert net.pareto_routes(0, ready, fdg, limit=2)[1] == (fly, road)
    # latest ready per last lane, by 14:00: fly leaves 10:00 (ready 09:00); road 08:00;
    # hub-fast leaves 11:00, hub by 10:30, so to-hub 08:30; hub-slow leaves 09:00: 07:00
    assert net.latest_ready_by_last_lane(0, 1, at(TUE, 14), fdg) == {
        0: at(TUE, 9),
        1: at(TUE, 8),
        3: at(TUE, 8, 30),
        4: at(TUE, 7),
    }
    assert net.latest_ready(0, 1, at(TUE, 14), fdg) == at(TUE, 9)
    assert net.pareto_routes(0, ready, fdg, limit=1)[1] == (fly,)
    with pytest.raises(ValueError, match="limit"):
        net.pareto_routes(0, ready, fdg, limit=0)


def test_limit_spreads_the_middle_routes_over_arrival_time():
    # five parallel roads: (1 h, 500) (2 h, 400) (3 h, 300) (7 h, 200) (8 h, 100); limit 3
    # keeps 1 h and 8 h and the one nearest 4.5 h: 3 h (1.5 h away; 7 h is 2.5 h away)
    roads = [("1 h", 500.0), ("2 h", 400.0), ("3 h", 300.0), ("7 h", 200.0), ("8 h", 100.0)]
    net = network(
        products=[FDG],
        sites=[site("cyc", "cyclotron"), site("hosp", "hospital")],
        lanes=[
            lane(f"r{i}", "cyc", "hosp", tr, cost_per_shipment=c) for i, (tr, c) in enumerate(roads)
        ],
    )
    fdg = product(net, "fdg")
    ready = at(TUE, 0)
    assert [r.legs[0].lane for r in net.pareto_routes(0, ready, fdg, limit=9)[1]] == [0, 1, 2, 3, 4]
    assert [r.legs[0].lane for r in net.pareto_routes(0, ready, fdg, limit=3)[1]] == [0, 2, 4]


def test_class7_refusing_lane_skipped_for_radioactive_product_only():
    net = cheap_and_fast(200.0, accepts_class7=False)
    fdg, water = product(net, "fdg"), product(net, "o18-water")
    ready = at(TUE, 8)
    assert net.carrying_lanes(fdg) == [False, True]
    assert net.carrying_lanes(water) == [True, True]
    # F-18 may not fly: the road only
    assert net.pareto_routes(0, ready, fdg)[1] == (Route((ROAD_TUE,), ready, at(TUE, 14), 200.0),)
    assert net.route(0, 1, ready, fdg) == Route((ROAD_TUE,), ready, at(TUE, 14), 200.0)
    # stable O-18 water flies
    assert [r.legs for r in net.pareto_routes(0, ready, water)[1]] == [(FLY_TUE,), (ROAD_TUE,)]
    assert net.route(0, 1, ready, water) == Route((FLY_TUE,), ready, at(TUE, 11), 8000.0)
    # latest ready for 12:00: F-18 by road, leave 06:00; water flies at 10:00, ready by 09:00
    assert net.latest_ready(0, 1, at(TUE, 12), fdg) == at(TUE, 6)
    assert net.latest_ready(0, 1, at(TUE, 12), water) == at(TUE, 9)


def restricted_case() -> PlanningNetwork:
    return network(
        products=[FDG, LU],
        sites=[
            site("cyc", "cyclotron"),
            site("abroad", "hospital", country="JP"),
            site("home", "hospital"),
        ],
        lanes=[
            # daily 10:00Z, 1 h cut-off, 2 h flight, 1 h customs; 1,000 USD
            lane(
                "fly",
                "cyc",
                "abroad",
                "2 h",
                mode="air",
                timetable=[{"time": "10:00"}],
                handling="1 h",
                border={"customs_delay": "1 h"},
                cost_per_shipment=1000.0,
            ),
            # on demand with 2 h notice, 3 h; 5,000 USD
            lane(
                "charter",
                "cyc",
                "abroad",
                "3 h",
                mode="charter",
                on_demand_lead="2 h",
                cost_per_shipment=5000.0,
            ),
            lane("road", "cyc", "home", "1 h"),
        ],
        policies={
            "export_restrictions": [
                {
                    "country": "KR",
                    "products": ["lu"],
                    "start": MONDAY,
                    "end": "2025-08-05T12:00:00Z",
                }
            ]
        },
    )


def test_export_restriction_blocks_departures_inside_it():
    net = restricted_case()
    lu, fdg = product(net, "lu"), product(net, "fdg")
    ready = at(MON, 8)
    # Lu-177 may not leave Korea before Tue 12:00: the flights of Mon and Tue 10:00 are
    # blocked, Wed 10:00 lands 13:00 (+ 1 h customs); the charter (ready 10:00) waits for
    # the end of the restriction, Tue 12:00, and lands 15:00
    charter = Route((Leg(1, at(TUE, 12), at(TUE, 15)),), ready, at(TUE, 15), 5000.0)
    fly_wed = Route((Leg(0, at(WED, 10), at(WED, 13)),), ready, at(WED, 13), 1000.0)
    assert net.pareto_routes(0, ready, lu)[1] == (charter, fly_wed)
    assert net.route(0, 1, ready, lu) == charter
    # the domestic road is no export
    assert net.route(0, 2, ready, lu) == Route((Leg(2, ready, at(MON, 9)),), ready, at(MON, 9))
    # relaxed, or for F-18 (not restricted): Monday's flight, 13:00, dominates the charter
    fly_mon = Route((Leg(0, at(MON, 10), at(MON, 13)),), ready, at(MON, 13), 1000.0)
    assert net.pareto_routes(0, ready, lu, relax=True)[1] == (fly_mon,)
    assert net.pareto_routes(0, ready, fdg)[1] == (fly_mon,)
    assert net.route(0, 1, ready, fdg) == fly_mon


def test_latest_ready_before_an_export_restriction():
    net = restricted_case()
    lu = product(net, "lu")
    # by Tue 16:00: the charter may leave 13:00 (after the restriction), notice 2 h: 11:00
    assert net.latest_ready(0, 1, at(TUE, 16), lu) == at(TUE, 11)
    # by Tue 14:00: the charter would leave 11:00, blocked; the latest unblocked departure
    # is just before Mon 00:00, so ready just before Sun 22:00 (the flight: Sun 09:00)
    r = net.latest_ready(0, 1, at(TUE, 14), lu)
    assert r is not None
    assert at(MON, -2) - 1e-3 < r < at(MON, -2)
    route = net.route(0, 1, r, lu)
    assert route is not None
    assert route.arrive < at(MON, 3)
    assert net.route(0, 1, at(MON, -2), lu) == Route(
        (Leg(1, at(TUE, 12), at(TUE, 15)),), at(MON, -2), at(TUE, 15), 5000.0
    )
    # relaxed: the charter at 11:00 and the Tue 10:00 flight both need ready by 09:00
    assert net.latest_ready(0, 1, at(TUE, 14), lu, relax=True) == at(TUE, 9)


def local_time_case() -> PlanningNetwork:
    return network(
        products=[LU],
        sites=[
            site("cyc", "cyclotron", timezone="Asia/Seoul"),  # UTC+9
            site("hub", "hub", country="SG", timezone="Asia/Singapore"),  # UTC+8
            site("dest", "hospital", country="AU", timezone="Australia/Sydney"),
        ],
        lanes=[
            # 09:40 Seoul = 00:40Z daily; 2 h cut-off; 6 h 30 min; 2 h customs in Singapore
            lane(
                "kr-sg",
                "cyc",
                "hub",
                "390 min",
                mode="air",
                timetable=[{"time": "09:40"}],
                handling="2 h",
                border={"customs_delay": "2 h"},
                cost_per_shipment=900.0,
                cost_per_package=50.0,
            ),
            # 20:00 Singapore = 12:00Z on Mon, Wed, Fri; 1 h cut-off; 8 h; 4 h customs
            lane(
                "sg-au",
                "hub",
                "dest",
                "8 h",
                mode="air",
                timetable=[{"days": ["Mon", "Wed", "Fri"], "time": "20:00"}],
                handling="1 h",
                border={"customs_delay": "4 h"},
                cost_per_shipment=1200.0,
            ),
        ],
    )


def test_two_legs_through_a_hub_in_local_time_with_customs():
    net = local_time_case()
    lu = product(net, "lu")
    ready = at(MON, 22)  # Tue 07:00 in Seoul
    # Tue 09:40 KST (00:40Z), lands 07:10Z, cleared 09:10Z; no Tuesday flight to Sydney:
    # Wed 20:00 SGT (12:00Z), lands 20:00Z, cleared Thu 00:00Z; 950 + 1,200 = 2,150 USD
    legs = (Leg(0, at(TUE, 0, 40), at(TUE, 9, 10)), Leg(1, at(WED, 12), at(THU, 0)))
    expected = Route(legs, ready, at(THU, 0), 2150.0)
    assert net.route(0, 2, ready, lu) == expected
    assert net.pareto_routes(0, ready, lu)[2] == (expected,)
    # backwards from Thu 00:00Z: leave the hub Wed 12:00Z, there by 11:00Z; the Seoul flight
    # must land by 11:00Z - 2 h customs - 6.5 h = 02:30Z: Wed 00:40Z; ready by Tue 22:40Z
    assert net.latest_ready(0, 2, at(THU, 0), lu) == at(TUE, 22, 40)
    assert net.latest_ready_all(2, at(THU, 0), lu) == {
        2: at(THU, 0),
        1: at(WED, 11),
        0: at(TUE, 22, 40),
    }
    # a minute earlier, the Wednesday flight is too late: Monday's (lands Tue 00:00Z), hub by
    # Mon 11:00Z, the Mon 00:40Z flight from Seoul, ready by Sun 22:40Z
    assert net.latest_ready(0, 2, at(THU, 0) - MIN, lu) == at(MON, -1, -20)
    late = net.route(0, 2, at(TUE, 22, 40) + 1.0, lu)
    assert late is not None
    assert late.arrive == at(THU + 2, 0)  # Thu 00:40Z, hub 09:10Z, Fri 12:00Z flight


def test_exclusive_distributor_via():
    net = network(
        products=[FDG],
        sites=[site("sup", "cyclotron"), site("dist", "distributor"), site("hosp", "hospital")],
        lanes=[
            lane("direct", "sup", "hosp", "2 h", cost_per_shipment=100.0),
            lane("to-dist", "sup", "dist", "1 h", cost_per_shipment=50.0),
            lane("dist-road", "dist", "hosp", "3 h", cost_per_shipment=80.0),
            lane(
                "dist-air",
                "dist",
                "hosp",
                "30 min",
                mode="air",
                timetable=[{"time": "10:00"}],
                handling="30 min",
                cost_per_shipment=1000.0,
            ),
        ],
    )
    fdg = product(net, "fdg")
    ready = at(TUE, 8)
    direct = Route((Leg(0, ready, at(TUE, 10)),), ready, at(TUE, 10), 100.0)
    to_dist = Leg(1, ready, at(TUE, 9))
    by_air = Route((to_dist, Leg(3, at(TUE, 10), at(TUE, 10, 30))), ready, at(TUE, 10, 30), 1050.0)
    by_road = Route((to_dist, Leg(2, at(TUE, 9), at(TUE, 12))), ready, at(TUE, 12), 130.0)
    # unforced, the direct road dominates both routes through the distributor
    assert net.pareto_routes(0, ready, fdg)[2] == (direct,)
    forced = net.pareto_routes(0, ready, fdg, via=1)
    assert forced[2] == (by_air, by_road)
    assert forced[1] == (Route((to_dist,), ready, at(TUE, 9), 50.0),)
    assert net.route(0, 2, ready, fdg, via=1) == by_air
    # by 12:00: direct, leave 10:00; via the distributor: there by 09:30 (air), so 08:30
    assert net.latest_ready(0, 2, at(TUE, 12), fdg) == at(TUE, 10)
    assert net.latest_ready(0, 2, at(TUE, 12), fdg, via=1) == at(TUE, 8, 30)
    assert net.latest_ready(0, 2, at(TUE, 12), fdg, via=0) == at(TUE, 10)


def test_latest_ready_timetabled_and_on_demand_by_hand():
    net = network(
        products=[FDG, LU],
        sites=[site("a", "cyclotron"), site("b", "hospital"), site("c", "hospital", country="JP")],
        lanes=[
            lane(
                "air",
                "a",
                "b",
                "2 h",
                mode="air",
                timetable=[{"time": "10:00"}, {"time": "16:00"}],
                handling="1 h",
            ),
            lane(
                "road",
                "a",
                "c",
                "3 h",
                handling="30 min",
                on_demand_lead="2 h",
                border={"customs_delay": "1 h"},
            ),
        ],
    )
    fdg, lu = product(net, "fdg"), product(net, "lu")
    # timetabled: by 17:00 the 16:00 flight (lands 18:00) is too late: 10:00, ready 09:00
    assert net.latest_ready(0, 1, at(TUE, 17), fdg) == at(TUE, 9)
    assert net.latest_ready(0, 1, at(TUE, 18), fdg) == at(TUE, 15)
    # on demand: 17:00 - 1 h customs - 3 h = 13:00 departure, max(30 min, 2 h) notice: 11:00
    assert net.latest_ready(0, 2, at(TUE, 17), fdg) == at(TUE, 11)
    assert net.route(0, 2, at(TUE, 11), fdg) == Route(
        (Leg(1, at(TUE, 13), at(TUE, 17)),), at(TUE, 11), at(TUE, 17)
    )
    assert net.latest_ready(0, 0, at(TUE, 17), fdg) == at(TUE, 17)
    assert net.latest_ready(1, 0, at(TUE, 17), fdg) is None
    # by Tue 09:00 only Monday's 16:00 flight: ready Mon 15:00, 18 h before the deadline:
    # more than F-18's 10 h shelf life (None), within Lu-177's
    assert net.latest_ready(0, 1, at(TUE, 9), fdg) is None
    assert net.latest_ready(0, 1, at(TUE, 9), lu) == at(MON, 15)
    assert net.latest_ready_all(1, at(TUE, 18), fdg) == {1: at(TUE, 18), 0: at(TUE, 15)}


# ---------------------------------------------------------------------------- brute force


def _blocked(sc: Scenario, ln: Lane, pid: str, when: float) -> bool:
    country = {s.id: s.country for s in sc.sites}
    src = country[ln.origin]
    if src == country[ln.destination]:
        return False
    return any(
        r.country == src
        and (not r.products or pid in r.products)
        and r.start.timestamp() <= when < (r.end.timestamp() if r.end else INF)
        for r in sc.policies.export_restrictions
    )


def _departure(net: PlanningNetwork, li: int, ready: float, pid: str, relax: bool) -> float:
    """First departure on lane ``li`` for goods ready at ``ready``, scanning the timetable."""
    sc = net.scenario
    ln = sc.lanes[li]
    if ln.timetable:
        for dep in net.departures[li].tolist():
            if dep >= ready + ln.handling and (relax or not _blocked(sc, ln, pid, dep)):
                return float(dep)
        return INF
    dep = ready + max(ln.handling, ln.on_demand_lead)
    while not relax and _blocked(sc, ln, pid, dep):
        dep = min(
            r.end.timestamp() if r.end else INF
            for r in sc.policies.export_restrictions
            if r.start.timestamp() <= dep < (r.end.timestamp() if r.end else INF)
        )
        if dep == INF:
            return INF
    return dep


def _arrive(ln: Lane, dep: float) -> float:
    return dep + ln.transit + (ln.border.customs_delay if ln.border else 0.0)


def _carries(ln: Lane, pid: str) -> bool:
    return ln.accepts_class7 or pid == "o18-water"  # the only stable product here


def brute_earliest(
    net: PlanningNetwork, origin: int, ready: float, pid: str, relax: bool
) -> dict[int, float]:
    """Earliest arrival at every site: Bellman-Ford over the lanes until nothing improves."""
    sc = net.scenario
    idx = net.site_index
    best = {origin: ready}
    changed = True
    while changed:
        changed = False
        for li, ln in enumerate(sc.lanes):
            u, v = idx[ln.origin], idx[ln.destination]
            if u not in best or not _carries(ln, pid):
                continue
            arr = _arrive(ln, _departure(net, li, best[u], pid, relax))
            if arr < best.get(v, INF):
                best[v], changed = arr, True
    return best


def brute_fronts(
    net: PlanningNetwork, origin: int, ready: float, pid: str, relax: bool, bound: float
) -> dict[int, set[tuple[float, float]]]:
    """Non-dominated (arrival, cost) per site over every simple path, each taken earliest."""
    sc = net.scenario
    idx = net.site_index
    seen: dict[int, list[tuple[float, float]]] = {origin: [(ready, 0.0)]}

    def walk(u: int, t_u: float, cost: float, visited: frozenset[int]) -> None:
        for li, ln in enumerate(sc.lanes):
            v = idx[ln.destination]
            if idx[ln.origin] != u or v in visited or not _carries(ln, pid):
                continue
            arr = _arrive(ln, _departure(net, li, t_u, pid, relax))
            if arr > bound:
                continue
            c = cost + ln.cost_per_shipment + ln.cost_per_package
            seen.setdefault(v, []).append((arr, c))
            walk(v, arr, c, visited | {v})

    walk(origin, ready, 0.0, frozenset({origin}))
    return {
        v: {p for p in pts if not any(q != p and q[0] <= p[0] and q[1] <= p[1] for q in pts)}
        for v, pts in seen.items()
    }


WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
ZONES = ["UTC", "Asia/Seoul", "Asia/Kolkata", "Australia/Adelaide"]  # +0, +9, +5:30, +9:30


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@st.composite
def random_lane(draw: st.DrawFn, j: int, n: int, reached: list[int]) -> dict[str, Any]:
    """A random lane; its origin is often a site an earlier lane reaches (multi-leg routes)."""
    a = draw(st.sampled_from(reached)) if reached and draw(st.booleans()) else None
    a = draw(st.integers(0, n - 1)) if a is None else a
    b = draw(st.integers(0, n - 2))
    b += b >= a
    reached.append(b)
    ln: dict[str, Any] = lane(
        f"l{j}",
        f"s{a}",
        f"s{b}",
        STEP * draw(st.integers(1, 48)),  # up to 12 h
        handling=STEP * draw(st.integers(0, 8)),
        cost_per_shipment=draw(st.sampled_from([0.0, 100.0, 200.0, 500.0])),
        accepts_class7=draw(st.sampled_from([True, True, False])),
    )
    if draw(st.booleans()):
        days = st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True)
        ln["timetable"] = [
            {"days": draw(days), "time": f"{q // 4:02d}:{15 * (q % 4):02d}"}
            for q in draw(st.lists(st.integers(0, 95), min_size=1, max_size=3, unique=True))
        ]
    else:
        ln["on_demand_lead"] = STEP * draw(st.integers(0, 12))
    if draw(st.booleans()):
        ln["border"] = {"customs_delay": STEP * draw(st.integers(0, 12))}
    return ln


@st.composite
def random_network(draw: st.DrawFn) -> tuple[PlanningNetwork, str, bool]:
    n = draw(st.integers(2, 4))
    sites = [
        site(
            f"s{i}",
            "hub",
            country=draw(st.sampled_from(["KR", "JP"])),
            timezone=draw(st.sampled_from(ZONES)),
        )
        for i in range(n)
    ]
    reached: list[int] = []
    lanes = [draw(random_lane(j, n, reached)) for j in range(draw(st.integers(1, 5)))]
    pid = draw(st.sampled_from(["mo", "o18-water"]))
    restrictions = []
    if draw(st.sampled_from([True, True, False])):
        # a restriction on exports from the origin country of a lane, Mon to Thu, up to 1 d
        lo = T0 + STEP * draw(st.integers(0, 3 * 96))
        hi = lo + STEP * draw(st.integers(1, 96))
        country = {f"s{i}": s["country"] for i, s in enumerate(sites)}
        cross = [ln for ln in lanes if country[ln["origin"]] != country[ln["destination"]]]
        exporter = draw(st.sampled_from([ln["origin"] for ln in cross or lanes]))
        restrictions.append(
            {
                "country": country[exporter],
                "products": draw(st.sampled_from([[], [pid]])),
                "start": iso(lo),
                "end": draw(st.sampled_from([iso(hi), iso(hi), iso(hi), None])),
            }
        )
    sc = scenario(
        products=[MO, WATER],
        sites=sites,
        lanes=lanes,
        policies={"export_restrictions": restrictions},
    )
    relax = draw(st.sampled_from([False, False, False, True]))
    return PlanningNetwork(sc, T0, T0, T0 + 7 * DAY), pid, relax


@st.composite
def endpoints(draw: st.DrawFn, net: PlanningNetwork, pid: str) -> tuple[int, int]:
    """(origin of a lane, a site it reaches): often one no single lane reaches (hubs)."""
    idx = net.site_index
    lanes = net.scenario.lanes
    origin = draw(st.sampled_from([idx[ln.origin] for ln in lanes]))
    reach = sorted(set(brute_earliest(net, origin, T0, pid, relax=True)) - {origin})
    direct = {idx[ln.destination] for ln in lanes if idx[ln.origin] == origin}
    indirect = [v for v in reach if v not in direct]
    if indirect and draw(st.booleans()):
        return origin, draw(st.sampled_from(indirect))
    return origin, draw(st.sampled_from(reach or list(range(len(net.scenario.sites)))))


SHELF = {"mo": 2 * DAY, "o18-water": INF}
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(case=random_network(), data=st.data())
def test_latest_ready_is_exactly_the_brute_force_latest(case, data):
    net, pid, relax = case
    prod = product(net, pid)
    origin, dest = data.draw(endpoints(net, pid))
    deadline = at(TUE, 0) + STEP * data.draw(st.integers(0, 2 * 96))
    r = net.latest_ready(origin, dest, deadline, prod, relax)

    # every ready time on the 15-minute grid over 3 days before the deadline; the latest
    # ready time is a grid instant or, if an export restriction starts at a grid instant g,
    # the float just below one (on demand, leave just before the restriction)
    grid = [deadline - STEP * k for k in range(3 * 96, -1, -1)]
    ok = [brute_earliest(net, origin, g, pid, relax).get(dest, INF) <= deadline for g in grid]
    assert ok == sorted(ok, reverse=True)  # arriving in time is monotone in the ready time
    if not ok[0]:
        assert r is None or r < grid[0]
        return
    k = sum(ok) - 1
    expected = grid[k]
    if k + 1 < len(grid):
        below = math.nextafter(grid[k + 1], -INF)
        if brute_earliest(net, origin, below, pid, relax).get(dest, INF) <= deadline:
            expected = below
    if expected < deadline - SHELF[pid]:
        assert r is None
        return
    assert r == expected
    route = net.route(origin, dest, r, prod, relax=relax)
    assert route is not None
    assert route.arrive <= deadline
    later = net.route(origin, dest, math.nextafter(r, INF), prod, relax=relax)
    assert later is None or later.arrive > deadline
    assert net.latest_ready_all(dest, deadline, prod, relax)[origin] == r
    if origin != dest:
        assert max(net.latest_ready_by_last_lane(origin, dest, deadline, prod, relax).values()) == r


def check_route(net: PlanningNetwork, route: Route, origin: int, pid: str, relax: bool) -> None:
    """A route's legs chain, follow the rules and never revisit a site."""
    sc = net.scenario
    site_at, t_at, cost = origin, route.ready, 0.0
    visited = {origin}
    for leg in route.legs:
        ln = sc.lanes[leg.lane]
        assert net.site_index[ln.origin] == site_at
        assert _carries(ln, pid)
        assert leg.depart == _departure(net, leg.lane, t_at, pid, relax)
        assert leg.arrive == _arrive(ln, leg.depart)
        site_at, t_at = net.site_index[ln.destination], leg.arrive
        cost += ln.cost_per_shipment + ln.cost_per_package
        assert site_at not in visited
        visited.add(site_at)
    assert (route.arrive, route.cost) == (t_at, cost)


@PROPERTY
@given(case=random_network(), data=st.data())
def test_pareto_routes_are_the_brute_force_front(case, data):
    net, pid, relax = case
    prod = product(net, pid)
    origin = data.draw(endpoints(net, pid))[0]
    ready = T0 + STEP * data.draw(st.integers(0, 3 * 96))
    restrictions = net.scenario.policies.export_restrictions
    if restrictions and data.draw(st.booleans()):
        # from an exporter, ready just before the restriction: the goods may have to wait
        sc, idx = net.scenario, net.site_index
        exporters = [
            idx[ln.origin]
            for ln in sc.lanes
            if _blocked(sc, ln, pid, restrictions[0].start.timestamp())
        ]
        origin = data.draw(st.sampled_from(exporters)) if exporters else origin
        ready = restrictions[0].start.timestamp() - STEP * data.draw(st.integers(0, 16))
    bound = ready + SHELF[pid] if pid == "mo" else net.horizon_end + 2 * DAY
    fronts = net.pareto_routes(origin, ready, prod, relax=relax, limit=100)
    expected = brute_fronts(net, origin, ready, pid, relax, bound)
    assert {v: {(r.arrive, r.cost) for r in rs} for v, rs in fronts.items()} == expected
    earliest = net.routes_from(origin, ready, prod, relax)
    for v, routes in fronts.items():
        assert [r.arrive for r in routes] == sorted(r.arrive for r in routes)
        for route in routes:
            check_route(net, route, origin, pid, relax)
        if v in earliest and earliest[v].arrive <= bound:
            assert routes[0].arrive == earliest[v].arrive
        two = net.pareto_routes(origin, ready, prod, relax=relax, limit=2)[v]
        assert two == (routes if len(routes) <= 2 else (routes[0], routes[-1]))
