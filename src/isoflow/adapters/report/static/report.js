/* isoflow plan report: draws the data embedded in #report-data with plotly.js (no network). */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("report-data").textContent);
  var GBQ = 1e9;
  var CONFIG = { displaylogo: false, responsive: true, showLink: false, showSendToCloud: false };
  var FONT = { family: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", size: 12 };
  var PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

  function gbq(bq) { return (bq / GBQ).toLocaleString("en", { maximumFractionDigits: 3 }); }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function colourMap(keys) {
    var out = {};
    keys.forEach(function (k, i) { out[k] = PALETTE[i % PALETTE.length]; });
    return out;
  }
  function unique(xs) { return xs.filter(function (x, i) { return xs.indexOf(x) === i; }); }
  function empty(id, text) {
    var el = document.getElementById(id);
    el.classList.add("empty");
    el.textContent = text;
  }

  /* ------------------------------------------------------------------ map */
  function drawMap(widthBy) {
    var M = D.map;
    var traces = [
      { type: "scatter", mode: "lines", x: M.land.lon, y: M.land.lat, fill: "toself",
        fillcolor: "#eef0e8", line: { color: "#c9ccbf", width: 0.5 }, hoverinfo: "skip",
        showlegend: false, name: "land" },
      { type: "scatter", mode: "lines", x: M.borders.lon, y: M.borders.lat,
        line: { color: "#a9ad9f", width: 0.7 }, hoverinfo: "skip", showlegend: false,
        name: "borders" }
    ];
    var metric = function (f) { return widthBy === "consignments" ? f.consignments : f.activity_bq; };
    var maxv = Math.max.apply(null, M.flows.map(metric).concat([1e-300]));
    M.flows.forEach(function (f) {
      var used = f.consignments > 0;
      var w = used ? 1.5 + 10.5 * Math.sqrt(metric(f) / maxv) : 1;
      var n = f.path_lon.length, mid = Math.floor(n * 0.6);
      var text = "<b>" + esc(f.lane) + "</b> (" + esc(f.mode) + ")<br>" + esc(f.origin) + " → " +
        esc(f.destination) + "<br>doses: " + f.doses + " (" + gbq(f.dose_activity_bq) +
        " GBq at EOP)<br>bulk inputs: " + f.batch_consignments + " (" + gbq(f.batch_activity_bq) +
        " GBq at EOP)<br>generators: " + f.generators + " (" + gbq(f.generator_activity_bq) +
        " GBq at calibration)<br>departures used: " + f.departures;
      traces.push({
        type: "scatter", mode: "lines", x: f.path_lon, y: f.path_lat, name: f.lane,
        line: { color: used ? "rgba(31,119,180,0.75)" : "rgba(120,120,120,0.45)", width: w,
          dash: used ? "solid" : "dot" },
        hoverinfo: "text", text: f.path_lon.map(function () { return text; }),
        showlegend: false, meta: { lane: f.lane }
      });
      if (used) {
        traces.push({
          type: "scatter", mode: "markers", x: [f.path_lon[mid - 1], f.path_lon[mid]],
          y: [f.path_lat[mid - 1], f.path_lat[mid]], hoverinfo: "skip", showlegend: false,
          marker: { symbol: "arrow", size: [0, 8 + w], angleref: "previous",
            color: "rgba(31,119,180,0.9)" }
        });
      }
    });
    // Draw hubs first and producers last, so that the sites that make things stay on top.
    var ORDER = ["hub", "distributor", "hospital", "radiopharmacy", "cdmo", "generator_maker",
      "accelerator", "cyclotron", "reactor"];
    var rank = function (k) { var i = ORDER.indexOf(k); return i < 0 ? -1 : i; };
    var kinds = unique(M.sites.map(function (s) { return s.kind; }))
      .sort(function (a, b) { return rank(a) - rank(b); });
    kinds.forEach(function (k) {
      var ss = M.sites.filter(function (s) { return s.kind === k; });
      traces.push({
        type: "scatter", mode: M.sites.length <= 30 ? "markers+text" : "markers", name: k,
        x: ss.map(function (s) { return s.lon; }), y: ss.map(function (s) { return s.lat; }),
        text: ss.map(function (s) { return s.id; }), textposition: "top center",
        textfont: { size: 10, color: "#333" },
        customdata: ss.map(function (s) {
          return "<b>" + esc(s.name) + "</b> (" + esc(s.id) + ")<br>" + esc(s.kinds.join(", ")) +
            "<br>" + esc(s.city ? s.city + ", " : "") + esc(s.country) + "<br>" +
            s.lat.toFixed(3) + "°, " + s.lon.toFixed(3) + "°";
        }),
        hovertemplate: "%{customdata}<extra></extra>",
        marker: { size: k === "hub" ? 8 : 12, color: ss[0].colour,
          line: { color: "#fff", width: 1.5 } }
      });
    });
    var layout = {
      font: FONT, margin: { l: 10, r: 10, t: 10, b: 10 }, height: 560, hovermode: "closest",
      paper_bgcolor: "#fff", plot_bgcolor: "#dbe9f4", dragmode: "pan",
      legend: { title: { text: "site kind" }, bgcolor: "rgba(255,255,255,0.85)", x: 0.01, y: 0.99,
        traceorder: "reversed" },
      xaxis: { range: M.lon_range, showgrid: false, zeroline: false, visible: false },
      yaxis: { range: M.lat_range, showgrid: false, zeroline: false, visible: false,
        scaleanchor: "x", scaleratio: M.scale_ratio }
    };
    return Plotly.react("map", traces, layout, Object.assign({ scrollZoom: true }, CONFIG));
  }

  /* ------------------------------------------------------------------ Gantt */
  function drawGantt() {
    var G = D.gantt;
    if (!G.length) { empty("gantt", "The plan has no production runs."); return null; }
    var rows = unique(G.map(function (g) { return g.row; }));
    var products = unique(G.map(function (g) { return g.product; }));
    var colours = colourMap(products);
    var traces = products.map(function (p) {
      var gs = G.filter(function (g) { return g.product === p; });
      return {
        type: "bar", orientation: "h", name: p, legendgroup: p,
        y: gs.map(function (g) { return g.row; }),
        base: gs.map(function (g) { return g.start; }),
        x: gs.map(function (g) { return g.production_ms; }),
        marker: { color: colours[p], line: { color: "#333", width: 0.5 } },
        customdata: gs.map(function (g) {
          return "<b>" + esc(g.batch) + "</b><br>product " + esc(g.product) + " (" +
            esc(g.nuclide) + ")<br>start " + g.start + "<br>EOP " + g.eop + "<br>release " +
            g.release + "<br>activity at EOP: " + gbq(g.activity_eop_bq) + " GBq<br>allocated: " +
            gbq(g.activity_allocated_bq) + " GBq<br>cost: " + g.cost.toLocaleString("en") +
            " " + esc(D.currency);
        }),
        hovertemplate: "%{customdata}<extra>production</extra>"
      };
    });
    var qc = G.filter(function (g) { return g.qc_ms > 0; });
    if (qc.length) {
      traces.push({
        type: "bar", orientation: "h", name: "QC until release",
        y: qc.map(function (g) { return g.row; }), base: qc.map(function (g) { return g.eop; }),
        x: qc.map(function (g) { return g.qc_ms; }),
        marker: { color: qc.map(function (g) { return colours[g.product]; }), opacity: 0.35,
          pattern: { shape: "/", fgcolor: "#444", size: 6 }, line: { color: "#333", width: 0.5 } },
        customdata: qc.map(function (g) {
          return "<b>" + esc(g.batch) + "</b><br>QC from EOP " + g.eop + "<br>released " + g.release +
            "<br>activity at EOP: " + gbq(g.activity_eop_bq) + " GBq";
        }),
        hovertemplate: "%{customdata}<extra>QC</extra>"
      });
    }
    var layout = {
      font: FONT, barmode: "overlay", height: Math.max(220, 60 + 34 * rows.length),
      margin: { l: 190, r: 20, t: 30, b: 40 }, hovermode: "closest",
      xaxis: { type: "date", title: { text: "UTC" }, gridcolor: "#eee" },
      yaxis: { categoryorder: "array", categoryarray: rows.slice().reverse(), automargin: true },
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
      shapes: horizonShapes()
    };
    return Plotly.react("gantt", traces, layout, CONFIG);
  }

  function horizonShapes() {
    return [
      { type: "rect", xref: "x", yref: "paper", x0: D.start, x1: D.end, y0: 0, y1: 1,
        fillcolor: "rgba(44,160,44,0.06)", line: { width: 0 }, layer: "below" }
    ];
  }

  /* ------------------------------------------------------------------ shipments */
  function drawTimeline() {
    var S = D.shipments;
    if (!S.length) { empty("timeline", "The plan has no shipments."); return null; }
    var rows = unique(S.map(function (s) { return s.row; }));
    var hover = S.map(function (s) {
      return "<b>" + esc(s.lane) + "</b> " + esc(s.origin) + " → " + esc(s.destination) +
        "<br>depart " + s.depart + "<br>arrive " + s.arrive + "<br>packages " + s.packages +
        ", TI " + s.transport_index.toFixed(2) + ", cost " + s.cost.toLocaleString("en") + " " +
        esc(D.currency) + (s.bookings.length ? "<br>doses: " + esc(s.bookings.join(", ")) : "") +
        (s.batches.length ? "<br>batches: " + esc(s.batches.join(", ")) : "");
    });
    var traces = [
      { type: "bar", orientation: "h", name: "in transit",
        y: S.map(function (s) { return s.row; }), base: S.map(function (s) { return s.depart; }),
        x: S.map(function (s) { return s.transit_ms; }), customdata: hover,
        marker: { color: S.map(function (s) { return s.bookings.length ? "#1f77b4" : "#9467bd"; }),
          opacity: 0.7 },
        hovertemplate: "%{customdata}<extra></extra>" },
      { type: "scatter", mode: "markers", name: "departure",
        y: S.map(function (s) { return s.row; }), x: S.map(function (s) { return s.depart; }),
        marker: { symbol: "circle", size: 9, color: "#333" }, customdata: hover,
        hovertemplate: "%{customdata}<extra>departure</extra>" },
      { type: "scatter", mode: "markers", name: "arrival",
        y: S.map(function (s) { return s.row; }), x: S.map(function (s) { return s.arrive; }),
        marker: { symbol: "triangle-right", size: 10, color: "#d62728" }, customdata: hover,
        hovertemplate: "%{customdata}<extra>arrival</extra>" }
    ];
    var layout = {
      font: FONT, barmode: "overlay", height: Math.max(220, 60 + 34 * rows.length),
      margin: { l: 190, r: 20, t: 30, b: 40 }, hovermode: "closest",
      xaxis: { type: "date", title: { text: "UTC" }, gridcolor: "#eee" },
      yaxis: { categoryorder: "array", categoryarray: rows.slice().reverse(), automargin: true },
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
      shapes: horizonShapes()
    };
    return Plotly.react("timeline", traces, layout, CONFIG);
  }

  /* ------------------------------------------------------------------ decay */
  function drawDecay(i) {
    var C = D.decay[i];
    var ev = C.events;
    var traces = [
      { type: "scatter", mode: "lines", name: C.nuclide + " activity",
        x: C.times, y: C.activity_bq.map(function (a) { return a / GBQ; }),
        customdata: C.hours, line: { color: "#1f77b4", width: 2.5 },
        hovertemplate: "%{x} UTC<br>%{y:.4f} GBq<br>%{customdata:.2f} h after EOP<extra></extra>" },
      { type: "scatter", mode: "markers+text", name: "events",
        x: ev.map(function (e) { return e.time; }),
        y: ev.map(function (e) { return e.activity_bq / GBQ; }),
        text: ev.map(function (e) { return e.label; }),
        textposition: ev.map(function (e, j) { return j === ev.length - 1 ? "top left" : "top right"; }),
        customdata: ev.map(function (e) { return e.hours; }),
        marker: { size: 9, color: "#d62728" },
        hovertemplate: "%{text}<br>%{x} UTC<br>%{y:.4f} GBq<br>%{customdata:.2f} h after EOP<extra></extra>" }
    ];
    var layout = {
      font: FONT, height: 380, margin: { l: 70, r: 30, t: 40, b: 50 }, showlegend: false,
      title: { text: esc(C.label), font: { size: 13 } }, hovermode: "closest",
      xaxis: { type: "date", title: { text: "UTC" }, gridcolor: "#eee" },
      yaxis: { title: { text: "activity [GBq]" }, rangemode: "tozero", gridcolor: "#eee" }
    };
    document.getElementById("decay-info").textContent =
      C.nuclide + ": λ = " + C.decay_constant_per_s.toExponential(4) + " 1/s, half-life " +
      (Math.LN2 / C.decay_constant_per_s / 3600).toFixed(2) + " h; " +
      gbq(C.activity_bq[0]) + " GBq at EOP → " + gbq(C.activity_bq[C.activity_bq.length - 1]) +
      " GBq at administration.";
    return Plotly.react("decay", traces, layout, CONFIG).then(function () {
      document.getElementById("decay").setAttribute("data-booking", C.booking);
    });
  }

  function setup() {
    var done = [];
    var width = document.getElementById("map-width");
    done.push(drawMap(width.value));
    width.addEventListener("change", function () { drawMap(width.value); });
    done.push(drawGantt());
    done.push(drawTimeline());
    var sel = document.getElementById("decay-select");
    if (D.decay.length) {
      D.decay.forEach(function (c, i) {
        var o = document.createElement("option");
        o.value = String(i);
        o.textContent = c.label;
        sel.appendChild(o);
      });
      sel.addEventListener("change", function () { drawDecay(Number(sel.value)); });
      done.push(drawDecay(0));
    } else {
      sel.disabled = true;
      empty("decay", "The plan serves no booking, so there is no dose to follow.");
    }
    Promise.all(done).then(function () { document.body.setAttribute("data-ready", "1"); });
  }

  setup();
})();
