/* isoflow dashboard charts: the network map and the production and shipment Gantt, drawn
   with the vendored plotly.js from what the API states (no map tiles, no topojson fetch). */
(function () {
  "use strict";
  var GBQ = 1e9;
  var CONFIG = { displaylogo: false, responsive: true, showLink: false, showSendToCloud: false };
  var FONT = { family: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", size: 12 };
  var PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
  var KINDS = { reactor: "#d62728", cyclotron: "#ff7f0e", accelerator: "#e377c2",
    generator_maker: "#8c564b", cdmo: "#9467bd", radiopharmacy: "#17becf",
    distributor: "#bcbd22", hospital: "#2ca02c", hub: "#7f7f7f", market: "#1f77b4" };
  var DECAY_SCALE = [[0, "#1a9850"], [0.5, "#fee08b"], [1, "#d73027"]];
  var net = null;
  var other = null; /* a second run's network, drawn beside the first on one scale */

  function $(id) { return document.getElementById(id); }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function gbq(bq) { return (bq / GBQ).toLocaleString("en", { maximumFractionDigits: 3 }); }
  function unique(xs) { return xs.filter(function (x, i) { return xs.indexOf(x) === i; }); }
  /* plotly date axes ignore time zones: every time is UTC, written without its "Z". */
  function t(iso) { return String(iso).replace("T", " ").replace("Z", ""); }
  function ms(a, b) { return Date.parse(b) - Date.parse(a); }
  function rgb(hex) { return [1, 3, 5].map(function (i) { return parseInt(hex.slice(i, i + 2), 16); }); }
  function decayColour(x) {
    var v = Math.min(Math.max(x, 0), 1);
    var i = v <= 0.5 ? 0 : 1, f = (v - DECAY_SCALE[i][0]) / 0.5;
    var a = rgb(DECAY_SCALE[i][1]), b = rgb(DECAY_SCALE[i + 1][1]);
    return "rgb(" + a.map(function (c, j) { return Math.round(c + f * (b[j] - c)); }).join(",") + ")";
  }
  function options(select, values) {
    var keep = select.value;
    var opts = [new Option("all", "")].concat(values.map(function (v) { return new Option(v, v); }));
    select.replaceChildren.apply(select, opts);
    select.value = values.indexOf(keep) >= 0 ? keep : "";
  }

  /* ------------------------------------------------------------------ map */
  function flowText(f) {
    var lost = f.decay_lost_share === null ? "not stated" : (100 * f.decay_lost_share).toFixed(1) + " %";
    return "<b>" + esc(f.lane) + "</b>: " + esc(f.origin) + " → " + esc(f.destination) +
      "<br>" + esc(f.product) + "<br>doses: " + f.doses + " · batch inputs: " + f.batch_inputs +
      " · generators: " + f.generators + "<br>activity at EOP: " + gbq(f.activity_eop_bq) +
      " GBq<br>at departure: " + gbq(f.activity_departed_bq) + " GBq<br>delivered: " +
      gbq(f.activity_delivered_bq) + " GBq<br>lost to decay by arrival: " + lost;
  }

  /* the widest flow and the worst decay share over every network on screen, so that two
     maps side by side read on one scale */
  function scales() {
    var flows = net.flows.concat(other ? other.flows : []);
    return {
      most: Math.max.apply(null, flows.map(function (f) { return f.activity_delivered_bq; }).concat([1e-300])),
      worst: Math.max.apply(null, flows.map(function (f) { return f.decay_lost_share || 0; }).concat([0.01]))
    };
  }

  function mapTraces(net, product, country, kind) {
    var sites = {};
    net.sites.forEach(function (s) { sites[s.id] = s; });
    /* a kind filter keeps the sites of that kind (any of a site's kinds) and what touches them */
    var ofKind = function (id) { return !kind || sites[id].kinds.indexOf(kind) >= 0; };
    var touches = function (o, d) {
      return (!country || sites[o].country === country || sites[d].country === country) &&
        (ofKind(o) || ofKind(d));
    };
    var lanes = net.lanes.filter(function (l) { return touches(l.origin, l.destination); });
    var flows = net.flows.filter(function (f) {
      return (!product || f.product === product) && touches(f.origin, f.destination);
    });
    var shown = {};
    net.sites.forEach(function (s) {
      if ((!country || s.country === country) && ofKind(s.id)) { shown[s.id] = true; }
    });
    if (!kind) { lanes.forEach(function (l) { shown[l.origin] = shown[l.destination] = true; }); }
    var traces = [
      { type: "scatter", mode: "lines", x: net.land.lon, y: net.land.lat, fill: "toself",
        fillcolor: "#eef0e8", line: { color: "#c9ccbf", width: 0.5 }, hoverinfo: "skip",
        showlegend: false, name: "land" },
      { type: "scatter", mode: "lines", x: net.borders.lon, y: net.borders.lat,
        line: { color: "#a9ad9f", width: 0.7 }, hoverinfo: "skip", showlegend: false, name: "borders" }
    ];
    var lx = [], ly = [], lt = [];
    lanes.forEach(function (l) {
      var o = sites[l.origin], d = sites[l.destination];
      var text = "lane <b>" + esc(l.id) + "</b> (" + esc(l.mode) + "): " + esc(l.origin) + " → " + esc(l.destination);
      lx.push(o.lon, d.lon, null); ly.push(o.lat, d.lat, null); lt.push(text, text, null);
    });
    traces.push({ type: "scatter", mode: "lines", x: lx, y: ly, text: lt, hoverinfo: "text",
      line: { color: "rgba(110,110,110,0.55)", width: 1, dash: "dot" }, name: "lanes", showlegend: true });
    var scale = scales(), most = scale.most, worst = scale.worst;
    flows.forEach(function (f) {
      var o = sites[f.origin], d = sites[f.destination], text = flowText(f);
      traces.push({ type: "scatter", mode: "lines", name: f.lane + " · " + f.product, showlegend: false,
        x: [o.lon, (o.lon + d.lon) / 2, d.lon], y: [o.lat, (o.lat + d.lat) / 2, d.lat],
        text: [text, text, text], hoverinfo: "text", meta: { flow: f.lane, product: f.product },
        line: { width: 1.5 + 10 * Math.sqrt(f.activity_delivered_bq / most),
          color: f.decay_lost_share === null ? "#555" : decayColour(f.decay_lost_share / worst) } });
    });
    traces.push({ type: "scatter", mode: "markers", x: [null], y: [null], hoverinfo: "skip",
      showlegend: false, name: "decay scale",
      marker: { color: [0], cmin: 0, cmax: 100 * worst, colorscale: DECAY_SCALE, showscale: true,
        colorbar: { title: { text: "% lost to<br>decay" }, thickness: 12, len: 0.5, x: 1.0 } } });
    var kinds = unique(net.sites.map(function (s) { return s.kind; }));
    kinds.forEach(function (k) {
      var ss = net.sites.filter(function (s) { return s.kind === k && shown[s.id]; });
      traces.push({ type: "scatter", mode: "markers+text", name: k, meta: { sites: k },
        x: ss.map(function (s) { return s.lon; }), y: ss.map(function (s) { return s.lat; }),
        text: ss.map(function (s) { return s.id; }), textposition: "top center",
        textfont: { size: 10, color: "#333" },
        customdata: ss.map(function (s) {
          return "<b>" + esc(s.name) + "</b> (" + esc(s.id) + ")<br>" + esc(s.kinds.join(", ")) +
            "<br>" + esc(s.city ? s.city + ", " : "") + esc(s.country) + "<br>" +
            s.lat.toFixed(3) + "°, " + s.lon.toFixed(3) + "°";
        }),
        hovertemplate: "%{customdata}<extra></extra>",
        marker: { size: 12, color: KINDS[k] || "#333", line: { color: "#fff", width: 1.5 } } });
    });
    return traces;
  }

  function drawMap() {
    var drawn = [drawOne("map", net)];
    if (other) { drawn.push(drawOne("map-b", other)); }
    return Promise.all(drawn).then(function (gds) { return gds[0]; });
  }

  function drawOne(div, net) {
    var traces = mapTraces(net, $("filter-product").value, $("filter-country").value,
      $("filter-kind").value);
    var layout = {
      font: FONT, margin: { l: 10, r: 10, t: 10, b: 10 }, height: 520, hovermode: "closest",
      paper_bgcolor: "#fff", plot_bgcolor: "#dbe9f4", dragmode: "pan",
      legend: { title: { text: "site kind" }, bgcolor: "rgba(255,255,255,0.85)", x: 0.01, y: 0.99 },
      xaxis: { range: net.lon_range, showgrid: false, zeroline: false, visible: false },
      yaxis: { range: net.lat_range, showgrid: false, zeroline: false, visible: false,
        scaleanchor: "x", scaleratio: net.scale_ratio }
    };
    return Plotly.react(div, traces, layout, Object.assign({ scrollZoom: true }, CONFIG));
  }

  /* the filters offer what either network on screen has */
  function fillFilters() {
    var both = [net].concat(other ? [other] : []);
    var all = function (f) { return unique([].concat.apply([], both.map(f))).sort(); };
    options($("filter-product"), all(function (n) { return n.products; }));
    options($("filter-country"), all(function (n) { return n.countries; }));
    options($("filter-kind"), all(function (n) {
      return [].concat.apply([], n.sites.map(function (s) { return s.kinds; }));
    }));
  }

  function network(data) {
    net = data;
    other = null;
    $("map-b").hidden = true;
    Plotly.purge("map-b");
    fillFilters();
    return drawMap();
  }

  /* a second run's network beside the first (null: the first alone again) */
  function compare(data) {
    other = data;
    $("map-b").hidden = !data;
    if (!data) { Plotly.purge("map-b"); }
    fillFilters();
    return drawMap();
  }

  /* ------------------------------------------------------------------ Gantt */
  function runText(r) {
    return "<b>" + esc(r.batch) + "</b><br>" + esc(r.product) + " (" + esc(r.nuclide) + ") at " +
      esc(r.site) + "<br>start " + t(r.start_utc) + "<br>end of production " +
      t(r.end_of_production_utc) + "<br>QC release " + t(r.release_utc) + "<br>made " +
      gbq(r.activity_eop_bq) + " GBq, allocated " + gbq(r.activity_allocated_bq) + " GBq";
  }

  function shipmentText(s) {
    return "<b>" + esc(s.lane) + "</b>: " + esc(s.origin) + " → " + esc(s.destination) +
      "<br>depart " + t(s.depart_utc) + "<br>arrive " + t(s.arrive_utc) + "<br>" +
      s.bookings.length + " booking(s), " + s.packages + " package(s), cost " + s.cost;
  }

  /* ------------------------------------------------------------------ doses of a run */
  function activityText(bq) {
    var mbq = bq < 1e9;
    return (bq / (mbq ? 1e6 : GBQ)).toLocaleString("en", { maximumFractionDigits: 3 }) +
      (mbq ? " MBq" : " GBq");
  }

  /* the plan's allocations from one batch, as the plan states them */
  function runDoses(plan, run) {
    var box = $("run-doses");
    var mine = (plan.allocations || []).filter(function (a) { return a.batch === run.batch; });
    var title = document.createElement("h4");
    title.textContent = "Doses served by " + run.batch + " (" + run.product + " at " + run.site +
      "): " + mine.length + " allocation(s)";
    var table = document.createElement("table");
    table.id = "run-doses-table";
    var head = document.createElement("tr");
    ["booking / order", "hospital", "product", "administration (UTC)", "at administration",
      "doses"].forEach(function (h) {
      var th = document.createElement("th");
      th.textContent = h;
      head.appendChild(th);
    });
    table.appendChild(document.createElement("thead")).appendChild(head);
    var body = table.appendChild(document.createElement("tbody"));
    mine.forEach(function (a) {
      var tr = document.createElement("tr");
      tr.dataset.booking = a.booking;
      tr.dataset.activityBq = String(a.activity_admin_bq);
      [a.booking, a.hospital, a.product, t(a.administration_utc).slice(0, 16),
        activityText(a.activity_admin_bq), String(a.doses)].forEach(function (c) {
        var td = document.createElement("td");
        td.textContent = c;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    if (!mine.length) {
      var none = body.appendChild(document.createElement("tr")).appendChild(document.createElement("td"));
      none.colSpan = 6;
      none.textContent = "This run serves no dose in the plan.";
    }
    box.replaceChildren(title, table);
    box.dataset.batch = run.batch;
    box.dataset.ready = "1";
  }

  /* ------------------------------------------------------------------ Gantt per order */
  function legText(a, leg) {
    return "<b>" + esc(a.booking) + "</b> on " + esc(leg.lane) + "<br>depart " + t(leg.depart_utc) +
      "<br>arrive " + t(leg.arrive_utc);
  }

  /* one row per allocation (a booking, or an order's doses from one batch): its batch's
     production and QC, each leg it travels and its administration, as the plan states them */
  function orderTraces(plan, hospital, pinnedBatches) {
    var all = plan.allocations || [];
    var mine = all.filter(function (a) { return !hospital || a.hospital === hospital; });
    var runOf = {};
    (plan.runs || []).forEach(function (r) { runOf[r.batch] = r; });
    var count = {};
    all.forEach(function (a) { count[a.booking] = (count[a.booking] || 0) + 1; });
    var label = function (a) {
      return a.booking + " · " + a.hospital + (count[a.booking] > 1 ? " · " + a.batch : "");
    };
    var made = mine.filter(function (a) { return runOf[a.batch]; });
    var qc = made.filter(function (a) {
      return ms(runOf[a.batch].end_of_production_utc, runOf[a.batch].release_utc) > 0;
    });
    var legs = [];
    mine.forEach(function (a) { (a.legs || []).forEach(function (leg) { legs.push([a, leg]); }); });
    var pinned = made.filter(function (a) { return pinnedBatches.indexOf(a.batch) >= 0; });
    var bar = function (name, list, start, end, extra) {
      return Object.assign({ type: "bar", orientation: "h", name: name,
        y: list.map(function (x) { return label(x[0] || x); }),
        base: list.map(function (x) { return t(start(x)); }),
        x: list.map(function (x) { return ms(start(x), end(x)); }) }, extra);
    };
    var run = function (a) { return runOf[a.batch]; };
    var traces = [
      bar("production", made, function (a) { return run(a).start_utc; },
        function (a) { return run(a).end_of_production_utc; },
        { marker: { color: "#4c78a8", line: { color: "#333", width: 0.5 } },
          customdata: made.map(function (a) { return runText(run(a)); }),
          hovertemplate: "%{customdata}<extra>production</extra>" }),
      bar("QC until release", qc, function (a) { return run(a).end_of_production_utc; },
        function (a) { return run(a).release_utc; },
        { marker: { color: "#4c78a8", opacity: 0.4, pattern: { shape: "/", fgcolor: "#333", size: 6 } },
          customdata: qc.map(function (a) { return runText(run(a)); }),
          hovertemplate: "%{customdata}<extra>QC</extra>" }),
      bar("shipment leg", legs, function (x) { return x[1].depart_utc; }, function (x) { return x[1].arrive_utc; },
        { marker: { color: "#6baed6", line: { color: "#2171b5", width: 0.5 } },
          customdata: legs.map(function (x) { return legText(x[0], x[1]); }),
          hovertemplate: "%{customdata}<extra>shipment</extra>" }),
      bar("pinned (starts before the freeze line; in soft mode before now)", pinned, function (a) { return run(a).start_utc; },
        function (a) { return run(a).end_of_production_utc; },
        { meta: { pinned: pinned.map(function (a) { return a.booking; }) }, showlegend: pinned.length > 0,
          marker: { color: "rgba(0,0,0,0)", pattern: { shape: "x", fgcolor: "#111", size: 5 },
            line: { color: "#111", width: 2.5 } },
          customdata: pinned.map(function (a) { return runText(run(a)); }),
          hovertemplate: "%{customdata}<extra>pinned</extra>" }),
      { type: "scatter", mode: "markers", name: "administration", y: mine.map(label),
        x: mine.map(function (a) { return t(a.administration_utc); }),
        meta: { bookings: mine.map(function (a) { return a.booking; }) },
        marker: { symbol: "diamond", size: 10, color: "#d62728", line: { color: "#fff", width: 1 } },
        customdata: mine.map(function (a) {
          return "<b>" + esc(a.booking) + "</b> at " + esc(a.hospital) + "<br>administration " +
            t(a.administration_utc) + "<br>" + a.doses + " dose(s) of " + esc(a.product) + " from " + esc(a.batch);
        }),
        hovertemplate: "%{customdata}<extra>administration</extra>" }
    ];
    return { traces: traces, rows: unique(mine.map(label)), byTrace: [made.map(run), qc.map(run), null,
      pinned.map(run), null], rowHeight: 24 };
  }

  function siteTraces(plan, pinned) {
    var runs = plan.runs || [], ships = plan.shipments || [];
    var prod = function (r) { return r.site + " · production"; };
    var ship = function (s) { return s.origin + " · shipments"; };
    var rows = unique(runs.map(prod).concat(ships.map(ship))).sort();
    var products = unique(runs.map(function (r) { return r.product; }));
    var colour = function (r) { return PALETTE[products.indexOf(r.product) % PALETTE.length]; };
    var qc = runs.filter(function (r) { return ms(r.end_of_production_utc, r.release_utc) > 0; });
    var traces = [
      { type: "bar", orientation: "h", name: "production", y: runs.map(prod),
        base: runs.map(function (r) { return t(r.start_utc); }),
        x: runs.map(function (r) { return ms(r.start_utc, r.end_of_production_utc); }),
        marker: { color: runs.map(colour), line: { color: "#333", width: 0.5 } },
        customdata: runs.map(runText), hovertemplate: "%{customdata}<extra>production</extra>" },
      { type: "bar", orientation: "h", name: "QC until release", y: qc.map(prod),
        base: qc.map(function (r) { return t(r.end_of_production_utc); }),
        x: qc.map(function (r) { return ms(r.end_of_production_utc, r.release_utc); }),
        marker: { color: qc.map(colour), opacity: 0.4, pattern: { shape: "/", fgcolor: "#333", size: 6 },
          line: { color: "#333", width: 0.5 } },
        customdata: qc.map(runText), hovertemplate: "%{customdata}<extra>QC</extra>" },
      { type: "bar", orientation: "h", name: "shipment leg", y: ships.map(ship),
        base: ships.map(function (s) { return t(s.depart_utc); }),
        x: ships.map(function (s) { return ms(s.depart_utc, s.arrive_utc); }),
        marker: { color: "#6baed6", line: { color: "#2171b5", width: 0.5 } },
        customdata: ships.map(shipmentText), hovertemplate: "%{customdata}<extra>shipment</extra>" }
    ];
    traces.push({ type: "bar", orientation: "h", name: "pinned (starts before the freeze line; in soft mode before now)",
      y: pinned.map(prod), base: pinned.map(function (r) { return t(r.start_utc); }),
      x: pinned.map(function (r) { return ms(r.start_utc, r.end_of_production_utc); }),
      meta: { pinned: pinned.map(function (r) { return r.batch; }) }, showlegend: pinned.length > 0,
      marker: { color: "rgba(0,0,0,0)", pattern: { shape: "x", fgcolor: "#111", size: 5 },
        line: { color: "#111", width: 2.5 } },
      customdata: pinned.map(runText), hovertemplate: "%{customdata}<extra>pinned</extra>" });
    return { traces: traces, rows: rows, byTrace: [runs, qc, null, pinned], rowHeight: 34 };
  }

  var shownPlan = null;

  function gantt(plan) {
    shownPlan = plan;
    var hospitals = unique((plan.allocations || []).map(function (a) { return a.hospital; })).sort();
    options($("gantt-hospital"), hospitals);
    return drawGantt();
  }

  function drawGantt() {
    var plan = shownPlan;
    var runs = plan.runs || [];
    /* a revision states its now and freeze: the freeze line is at now + freeze, and runs that
       start before it are pinned (the plan record has no pin flag of its own) */
    var rev = plan.revision || null;
    var freeze = rev ? new Date(Date.parse(rev.now_utc) + 1000 * (rev.freeze_s || 0)).toISOString() : null;
    /* hard mode keeps what the parent decided before now + freeze, soft mode only the past */
    var hold = rev ? (rev.mode === "hard" ? freeze : rev.now_utc) : null;
    var pinned = rev ? runs.filter(function (r) { return Date.parse(r.start_utc) < Date.parse(hold); }) : [];
    var perOrder = $("gantt-rows").value === "order";
    $("gantt-hospital").disabled = !perOrder;
    var drawn = perOrder ?
      orderTraces(plan, $("gantt-hospital").value, pinned.map(function (r) { return r.batch; })) :
      siteTraces(plan, pinned);
    var traces = drawn.traces, rows = drawn.rows;
    $("gantt").dataset.rows = perOrder ? "order" : "site";
    var now = new Date().toISOString().slice(0, 19);
    var first = plan.earliest_run_utc || plan.start_utc;
    var inside = Date.parse(now + "Z") >= Date.parse(first) && Date.parse(now + "Z") <= Date.parse(plan.end_utc);
    var layout = {
      font: FONT, barmode: "overlay", height: 140 + drawn.rowHeight * rows.length, hovermode: "closest",
      margin: { l: 200, r: 20, t: 30, b: 40 }, legend: { orientation: "h", y: 1.08 },
      xaxis: { type: "date", range: [t(first), t(plan.end_utc)], title: { text: "UTC" } },
      yaxis: { type: "category", categoryorder: "array", categoryarray: rows, autorange: "reversed" },
      shapes: [{ type: "line", xref: "x", yref: "paper", x0: now.replace("T", " "),
        x1: now.replace("T", " "), y0: 0, y1: 1, line: { color: "#d62728", width: 2, dash: "dash" } }],
      annotations: inside ? [{ x: now.replace("T", " "), y: 1, xref: "x", yref: "paper",
        text: "now", showarrow: false, yanchor: "bottom", font: { color: "#d62728" } }] : []
    };
    if (rev) {
      var line = function (x, colour, dash, label) {
        layout.shapes.push({ type: "line", xref: "x", yref: "paper", x0: t(x), x1: t(x), y0: 0, y1: 1,
          name: label, line: { color: colour, width: 2, dash: dash } });
        layout.annotations.push({ x: t(x), y: 1, xref: "x", yref: "paper", text: label,
          showarrow: false, yanchor: "bottom", xanchor: "left", font: { color: colour } });
      };
      if (rev.freeze_s) { line(rev.now_utc, "#6a3d9a", "dot", "re-plan now"); }
      line(freeze, "#111", "dashdot", rev.freeze_s ? "freeze" : "re-plan now = freeze (0 h)");
    }
    $("gantt-freeze").textContent = rev ? "Revision " + rev.number + " (" + rev.mode + "): now " +
      t(rev.now_utc).slice(0, 16) + " UTC, freeze " + (rev.freeze_s || 0) / 3600 + " h, freeze line " +
      t(freeze).slice(0, 16) + " UTC; " + pinned.length + " run(s) pinned (outlined, crossed)." : "";
    $("gantt-freeze").dataset.freeze = rev ? freeze : "";
    $("gantt-now").textContent = inside ? "" : "now (" + now.replace("T", " ") +
      " UTC) is outside the plan's horizon; its line is not in view.";
    var box = $("run-doses");
    box.dataset.ready = "0";
    delete box.dataset.batch;
    var hint = document.createElement("p");
    hint.className = "hint";
    hint.textContent = "Click a run's bar to list the doses it serves.";
    box.replaceChildren(hint);
    var byTrace = drawn.byTrace;
    return Plotly.react("gantt", traces, layout, CONFIG).then(function (gd) {
      if (typeof gd.removeAllListeners === "function") { gd.removeAllListeners("plotly_click"); }
      gd.on("plotly_click", function (ev) {
        var p = ev && ev.points && ev.points[0];
        var list = p ? byTrace[p.curveNumber] : null;
        if (list && list[p.pointNumber]) { runDoses(plan, list[p.pointNumber]); }
      });
      return gd;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("filter-product").addEventListener("change", function () { if (net) { drawMap(); } });
    $("filter-country").addEventListener("change", function () { if (net) { drawMap(); } });
    $("filter-kind").addEventListener("change", function () { if (net) { drawMap(); } });
    $("gantt-rows").addEventListener("change", function () { if (shownPlan) { drawGantt(); } });
    $("gantt-hospital").addEventListener("change", function () { if (shownPlan) { drawGantt(); } });
  });
  window.isoflowCharts = { network: network, compare: compare, gantt: gantt };
}());
