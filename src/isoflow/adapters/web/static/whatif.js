/* isoflow dashboard: a dose's decay curve and the what-if re-plan of an open plan.
   The curve's points come from GET /runs/{id}/decay (the server's decay law); the form is
   built from GET /runs/{id}/event-form (the event kinds a re-plan accepts); the diff shown
   is the revision's, as GET /runs/{id}/result states it. The page computes nothing else. */
(function () {
  "use strict";
  var CONFIG = { displaylogo: false, responsive: true, showLink: false, showSendToCloud: false };
  var FONT = { family: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", size: 12 };
  var MARKS = { end_of_production: "#ff7f0e", release: "#9467bd", departure: "#1f77b4",
    arrival: "#17becf", administration: "#d62728", use: "#8c564b", elution: "#2ca02c" };
  var FINAL_WAIT_MS = 400;
  var DEFAULT_KIND = "shipment_delayed";
  var JSON_HINTS = {
    booking: '{"id": "u1", "hospital": "...", "product": "...", "administration": "2025-08-05T08:00:00Z"}',
    order: '{"id": "o1", "hospital": "...", "product": "...", "calibration": "2025-08-05T08:00:00Z", "doses": 4}',
    changes: '{"administration": "2025-08-05T10:00:00Z"}'
  };
  var W = { runId: null, run: null, plan: null, form: null };
  var D = null;

  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) { return D.el(tag, text, cls); }
  /* plotly date axes ignore time zones: every time is UTC, written without its "Z". */
  function t(iso) { return String(iso).replace("T", " ").replace("Z", ""); }
  function unit(bq) { return bq >= 1e9 ? { f: 1e9, name: "GBq" } : { f: 1e6, name: "MBq" }; }
  function activity(bq, u) { return D.num(bq / u.f, 3) + " " + u.name; }
  function say(text, isError) {
    var p = $("whatif-progress");
    p.textContent = text;
    p.className = isError ? "error" : "";
  }

  /* ------------------------------------------------------------------ doses and decay */
  function dosesTable(plan) {
    var table = el("table");
    table.id = "doses";
    var head = el("tr");
    ["booking", "hospital", "product", "batch", "administration (UTC)", "at administration",
      "doses"].forEach(function (h) { head.appendChild(el("th", h)); });
    table.appendChild(el("thead")).appendChild(head);
    var body = table.appendChild(el("tbody"));
    (plan.allocations || []).forEach(function (a) {
      var tr = D.row([a.booking, a.hospital, a.product, a.batch, D.utc(a.administration_utc),
        activity(a.activity_admin_bq, unit(a.activity_admin_bq)), a.doses]);
      tr.dataset.booking = a.booking;
      tr.dataset.batch = a.batch;
      tr.style.cursor = "pointer";
      tr.title = "show the decay curve of this dose";
      tr.addEventListener("click", function () { showDecay(a.booking, a.batch); });
      body.appendChild(tr);
    });
    return table;
  }

  async function showDecay(booking, batch) {
    var box = $("decay");
    box.dataset.ready = "0";
    var path = "/runs/" + encodeURIComponent(W.runId) + "/decay?allocation=" +
      encodeURIComponent(booking) + "&batch=" + encodeURIComponent(batch);
    try {
      var c = await D.api("GET", path);
      drawDecay(c);
      delete box.dataset.consignment;
      box.dataset.booking = booking;
      box.dataset.ready = "1";
    } catch (e) {
      $("decay-title").textContent = "No decay curve for " + booking + ": " + e.message;
    }
  }

  /* ------------------------------------------------------------------ consignments */
  /* the plan's bulk inputs (PlanRun.inputs) and generator deliveries (Plan.generators) */
  function consignments(plan) {
    var out = [];
    (plan.runs || []).forEach(function (r) {
      (r.inputs || []).forEach(function (i) {
        out.push({ kind: "input", batch: i.batch, to: r.batch, product: i.product,
          arrive: i.arrive_utc, bq: i.activity_eop_bq, what: "bulk, at the source's end of production" });
      });
    });
    (plan.generators || []).forEach(function (g) {
      out.push({ kind: "generator", batch: g.batch, to: g.site, product: g.product, arrive: g.arrive_utc,
        bq: g.activity_calibration_bq, what: (g.sizes_bq || []).length + " generator(s), " + g.parent +
          " at calibration" });
    });
    return out;
  }

  function consignmentsTable(plan) {
    var table = el("table");
    table.id = "consignments";
    var head = el("tr");
    ["kind", "from batch", "to", "product", "arrives (UTC)", "activity", ""].forEach(function (h) {
      head.appendChild(el("th", h));
    });
    table.appendChild(el("thead")).appendChild(head);
    var body = table.appendChild(el("tbody"));
    var all = consignments(plan);
    all.forEach(function (c) {
      var tr = D.row([c.kind === "input" ? "bulk input" : "generators", c.batch, c.to, c.product,
        D.utc(c.arrive), activity(c.bq, unit(c.bq)), c.what]);
      tr.dataset.kind = c.kind;
      tr.dataset.batch = c.batch;
      tr.dataset.to = c.to;
      tr.style.cursor = "pointer";
      tr.title = "show the decay curve of this consignment";
      tr.addEventListener("click", function () { showConsignment(c); });
      body.appendChild(tr);
    });
    if (!all.length) {
      var td = body.appendChild(el("tr")).appendChild(el("td", "The plan ships no bulk activity and no generator."));
      td.colSpan = 7;
    }
    return table;
  }

  async function showConsignment(c) {
    var box = $("decay");
    box.dataset.ready = "0";
    var path = "/runs/" + encodeURIComponent(W.runId) + "/consignment-decay?kind=" + c.kind +
      "&batch=" + encodeURIComponent(c.batch) + "&to=" + encodeURIComponent(c.to);
    try {
      var curve = await D.api("GET", path);
      drawConsignment(curve);
      delete box.dataset.booking;
      box.dataset.consignment = c.kind + ":" + c.batch + ":" + c.to;
      box.dataset.ready = "1";
    } catch (e) {
      $("decay-title").textContent = "No decay curve for " + c.batch + " to " + c.to + ": " + e.message;
    }
  }

  function drawConsignment(c) {
    var u = unit(c.activity_start_bq);
    var first = c.points[0], last = c.points[c.points.length - 1];
    var what = c.kind === "input" ? "bulk " + c.product + " from " + c.batch + " into " + c.to :
      "generators (" + c.product + ") of " + c.batch + " at " + c.to + ", parent";
    $("decay-title").textContent = what + " (" + c.nuclide + ", half-life " +
      D.num(c.half_life_s / 3600, 2) + " h): " + activity(first.activity_bq, u) + " at " +
      (c.kind === "input" ? "end of production" : "calibration") + ", " +
      activity(last.activity_bq, u) + (c.kind === "input" ? " when used" : " at the last elution");
    var traces = [
      { type: "scatter", mode: "lines", name: "activity of the consignment", line: { color: "#1f3b57" },
        x: c.points.map(function (p) { return t(p.time_utc); }),
        y: c.points.map(function (p) { return p.activity_bq / u.f; }),
        customdata: c.points.map(function (p) { return p.activity_bq; }),
        hovertemplate: "%{x}<br>%{y:.4g} " + u.name + "<extra></extra>" },
      { type: "scatter", mode: "markers", name: "events",
        x: c.markers.map(function (m) { return t(m.time_utc); }),
        y: c.markers.map(function (m) { return m.activity_bq / u.f; }),
        customdata: c.markers.map(function (m) {
          var d = m.daughter_bq === null || m.daughter_bq === undefined ? "" :
            "<br>gives " + activity(m.daughter_bq, unit(m.daughter_bq || 1));
          return m.label + d;
        }),
        marker: { size: 10, color: c.markers.map(function (m) { return MARKS[m.kind]; }) },
        meta: { kinds: c.markers.map(function (m) { return m.kind; }) },
        hovertemplate: "%{customdata}<br>%{x}<br>%{y:.4g} " + u.name + "<extra></extra>" }
    ];
    return Plotly.react("decay", traces, curveLayout(u), CONFIG);
  }

  /* markers at one instant (end of production, release and departure of a dose made on the
     spot) share one label, written once */
  function labels(markers) {
    return markers.map(function (m, i) {
      if (i > 0 && markers[i - 1].time_utc === m.time_utc) { return ""; }
      return markers.filter(function (n) { return n.time_utc === m.time_utc; })
        .map(function (n) { return n.kind.replace(/_/g, " "); }).join(" · ");
    });
  }

  function drawDecay(c) {
    var u = unit(Math.max(c.prescribed_bq, c.points[0].activity_bq));
    var first = c.points[0], last = c.points[c.points.length - 1];
    $("decay-title").textContent = c.booking + " · " + c.product + " (" + c.nuclide +
      ", half-life " + D.num(c.half_life_s / 60, 2) + " min) from " + c.batch + ": " +
      activity(first.activity_bq, u) + " at end of production, " + activity(last.activity_bq, u) +
      " at administration; prescribed " + activity(c.prescribed_bq, u) + " ± " +
      D.num(100 * c.tolerance, 1) + " %";
    var x0 = t(c.end_of_production_utc), x1 = t(c.administration_utc);
    var traces = [
      { type: "scatter", mode: "lines", name: "activity of one dose", line: { color: "#1f3b57" },
        x: c.points.map(function (p) { return t(p.time_utc); }),
        y: c.points.map(function (p) { return p.activity_bq / u.f; }),
        customdata: c.points.map(function (p) { return p.activity_bq; }),
        hovertemplate: "%{x}<br>%{y:.4g} " + u.name + "<extra></extra>" },
      { type: "scatter", mode: "markers+text", name: "events",
        textposition: c.markers.map(function (m, i) {
          return i === c.markers.length - 1 ? "top left" : "top right";
        }),
        x: c.markers.map(function (m) { return t(m.time_utc); }),
        y: c.markers.map(function (m) { return m.activity_bq / u.f; }),
        text: labels(c.markers),
        customdata: c.markers.map(function (m) { return m.label; }),
        marker: { size: 10, color: c.markers.map(function (m) { return MARKS[m.kind]; }) },
        meta: { kinds: c.markers.map(function (m) { return m.kind; }) },
        hovertemplate: "%{customdata}<br>%{x}<br>%{y:.4g} " + u.name + "<extra></extra>" }
    ];
    var layout = Object.assign(curveLayout(u), {
      shapes: [
        { type: "rect", xref: "x", yref: "y", x0: x0, x1: x1, y0: c.band_low_bq / u.f,
          y1: c.band_high_bq / u.f, fillcolor: "rgba(44,160,44,0.15)", line: { width: 0 } },
        { type: "line", xref: "x", yref: "y", x0: x0, x1: x1, y0: c.prescribed_bq / u.f,
          y1: c.prescribed_bq / u.f, line: { color: "#2ca02c", dash: "dash", width: 1.5 } }
      ]
    });
    return Plotly.react("decay", traces, layout, CONFIG);
  }

  /* the decay chart's axes and frame, for a dose's curve and a consignment's */
  function curveLayout(u) {
    return {
      font: FONT, height: 380, hovermode: "closest", margin: { l: 70, r: 30, t: 20, b: 45 },
      legend: { orientation: "h", y: 1.1 },
      xaxis: { type: "date", title: { text: "UTC" } },
      yaxis: { title: { text: "activity [" + u.name + "]" }, rangemode: "tozero" }
    };
  }

  /* ------------------------------------------------------------------ the event form */
  function kindOfIn(form, name) {
    return form.kinds.find(function (k) { return k.kind === name; });
  }
  function kindOf(name) { return kindOfIn(W.form, name); }

  function input(f) {
    var box;
    if (f.input === "choice") {
      box = el("select");
      if (!f.required) { box.appendChild(new Option("", "")); }
      (f.choices || []).forEach(function (v) { box.appendChild(new Option(v, v)); });
    } else if (f.input === "json") {
      box = el("textarea");
      box.rows = 3;
      box.cols = 60;
      box.placeholder = JSON_HINTS[f.name] || "a JSON object";
    } else {
      box = el("input");
      box.type = f.input === "number" ? "number" : "text";
      if (f.input === "number") { box.step = "any"; }
      if (f.minimum !== null) { box.min = f.minimum; }
      if (f.maximum !== null) { box.max = f.maximum; }
      if (f.input === "time") { box.placeholder = "2025-08-05T03:00:00Z"; }
      if (f.input === "list") { box.placeholder = (f.choices || []).join(", "); }
      if (f.default !== null && f.default !== undefined && f.input !== "list") {
        box.value = f.default;
      }
    }
    box.name = f.name;
    box.id = "whatif-field-" + f.name;
    box.dataset.input = f.input;
    return box;
  }

  function dependants(fields) {
    fields.forEach(function (f) {
      if (!f.depends_on) { return; }
      var own = $("whatif-field-" + f.name), on = $("whatif-field-" + f.depends_on);
      var fillFrom = function () {
        var values = f.choices_by[on.value] || [];
        own.replaceChildren.apply(own, values.map(function (v) { return new Option(v, v); }));
      };
      on.addEventListener("change", fillFrom);
      fillFrom();
    });
  }

  function drawFields() {
    var kind = kindOf($("whatif-kind").value);
    var box = $("whatif-fields");
    box.replaceChildren();
    $("whatif-kind-help").textContent = kind.description.replace(/``/g, "");
    kind.fields.forEach(function (f) {
      var label = el("label", f.name + (f.required ? " *" : "") + " ");
      label.title = f.description || "";
      label.appendChild(input(f));
      box.appendChild(label);
    });
    dependants(kind.fields);
  }

  function eventFromForm() {
    var kind = kindOf($("whatif-kind").value);
    var ev = { kind: kind.kind };
    kind.fields.forEach(function (f) {
      var raw = $("whatif-field-" + f.name).value.trim();
      if (raw === "") {
        if (f.required) { throw new Error("give " + f.name); }
        return;
      }
      if (f.input === "number") { ev[f.name] = Number(raw); } else if (f.input === "list") {
        ev[f.name] = raw.split(",").map(function (s) { return s.trim(); }).filter(Boolean);
      } else if (f.input === "json") {
        try { ev[f.name] = JSON.parse(raw); } catch (e) { throw new Error(f.name + " is not JSON"); }
      } else { ev[f.name] = raw; }
    });
    return ev;
  }

  function formView(form) {
    var f = el("form");
    f.id = "whatif-form";
    var kind = el("select");
    kind.id = "whatif-kind";
    form.kinds.forEach(function (k) { kind.appendChild(new Option(k.kind.replace(/_/g, " "), k.kind)); });
    if (kindOfIn(form, DEFAULT_KIND)) { kind.value = DEFAULT_KIND; }
    kind.addEventListener("change", drawFields);
    var label = el("label", "Event ");
    label.appendChild(kind);
    f.appendChild(label);
    f.appendChild(el("span", "", "hint")).id = "whatif-kind-help";
    f.appendChild(el("div", null, "fields")).id = "whatif-fields";
    f.appendChild(settingsView());
    return reasonAndGo(f, "whatif-reason", "why this re-plan", "re-plan", submit);
  }

  /* a form's closing fields: the reason the audit trail records, and its submit button */
  function reasonAndGo(f, id, hint, label, onSubmit) {
    var why = el("label", "Reason ");
    var reason = el("input");
    reason.id = id;
    reason.placeholder = hint;
    why.appendChild(reason);
    f.appendChild(why);
    var go = el("button", label);
    go.type = "submit";
    f.appendChild(go);
    f.addEventListener("submit", onSubmit);
    return f;
  }

  /* ------------------------------------------------------------------ re-plan settings */
  /* [id, label, option, input kind, hint]: the re-plan's own parameters (POST /runs options);
     a field left empty leaves the service's default */
  var SETTINGS = [
    ["mode", "mode", "mode", "choice", "hard: keep what was decided before now + freeze; soft: keep the past, pay to change the rest"],
    ["now", "now (UTC)", "now", "time", "the re-plan's now (default: the service's clock)"],
    ["freeze", "freeze [h]", "freeze_s", "hours", "lead time after now in which nothing changes (hard mode)"],
    ["stability", "stability weight", "stability", "number", "cost of each change from the parent (soft mode)"],
    ["time-limit", "time limit [s]", "time_limit_s", "number", "solver time limit"]
  ];

  function settingsView() {
    var box = el("fieldset", null, "settings");
    box.id = "whatif-settings";
    box.appendChild(el("legend", "Re-plan settings (empty: the service's default)"));
    SETTINGS.forEach(function (s) {
      var label = el("label", s[1] + " ");
      label.title = s[4];
      var field;
      if (s[3] === "choice") {
        field = el("select");
        ["", "hard", "soft"].forEach(function (v) { field.appendChild(new Option(v, v)); });
      } else {
        field = el("input");
        field.type = s[3] === "time" ? "text" : "number";
        if (s[3] !== "time") { field.step = "any"; } /* checked by settingsFromForm, which says why */
        if (s[3] === "time") { field.placeholder = "2025-08-05T03:00:00Z"; }
      }
      field.id = "whatif-set-" + s[0];
      label.appendChild(field);
      box.appendChild(label);
    });
    return box;
  }

  function settingsFromForm() {
    var options = {};
    SETTINGS.forEach(function (s) {
      var raw = $("whatif-set-" + s[0]).value.trim();
      if (raw === "") { return; }
      if (s[3] === "choice" || s[3] === "time") { options[s[2]] = raw; return; }
      var x = Number(raw);
      if (!isFinite(x) || x < 0) { throw new Error(s[1] + " must be a number of at least 0"); }
      if (s[2] === "time_limit_s" && x === 0) { throw new Error(s[1] + " must be more than 0"); }
      options[s[2]] = s[3] === "hours" ? 3600 * x : x;
    });
    return options;
  }

  /* ------------------------------------------------------------------ re-plan and diff */
  async function submit(ev) {
    ev.preventDefault();
    var why = $("whatif-reason").value.trim();
    if (!why) { say("Give a reason for the re-plan first.", true); return; }
    var event, settings;
    try {
      event = eventFromForm();
      settings = settingsFromForm();
    } catch (e) { say(e.message, true); return; }
    var hasNote = kindOf(event.kind).fields.some(function (f) { return f.name === "note"; });
    if (hasNote && !event.note) { event.note = why; }
    var diffBox = $("whatif-diff");
    diffBox.replaceChildren();
    diffBox.dataset.ready = "0";
    delete diffBox.dataset.run;
    var body = { kind: "replan", scenario_id: W.run.scenario_id, reason: why,
      options: Object.assign(settings, { plan_run_id: W.runId, events: [event] }) };
    try {
      var run = await D.api("POST", "/runs", { json: body });
      await follow(run.run_id);
    } catch (e) { say("Re-plan refused: " + e.message, true); }
  }

  /* polls a run until it ends, stating its progress in ``box``; the last state */
  async function watch(runId, label, box) {
    box.dataset.run = runId;
    var run;
    for (;;) {
      run = await D.api("GET", "/runs/" + encodeURIComponent(runId));
      box.dataset.state = run.state;
      box.textContent = label + " " + runId + ": " + run.state + ", " +
        D.num(100 * run.progress, 0) + " % " + (run.message || "");
      box.className = run.state === "failed" ? "error" : "";
      if (["queued", "running"].indexOf(run.state) < 0) { return run; }
      await new Promise(function (ok) { setTimeout(ok, FINAL_WAIT_MS); });
    }
  }

  async function follow(runId) {
    var run = await watch(runId, "Re-plan", $("whatif-progress"));
    D.refresh();
    /* a failed run's message says why (a plan that fails verification is no revision) */
    if (!run.result_sha256 || run.state === "failed") { return; }
    var res = await D.api("GET", "/runs/" + encodeURIComponent(runId) + "/result");
    diffView(runId, res.result.revision);
  }

  function list(key, title, items, text) {
    var box = el("div", null, "diff-part");
    box.appendChild(el("h4", title + " (" + items.length + ")"));
    var ul = box.appendChild(el("ul"));
    ul.dataset.diff = key;
    items.forEach(function (x) { ul.appendChild(el("li", text ? text(x) : x)); });
    return box;
  }

  function figures(diff) {
    var table = el("table");
    table.id = "diff-figures";
    var head = el("tr");
    ["", "before", "after", "change"].forEach(function (h) { head.appendChild(el("th", h)); });
    table.appendChild(el("thead")).appendChild(head);
    var body = table.appendChild(el("tbody"));
    [["doses_served", "doses served"], ["doses_unserved", "doses unserved"], ["cost", "cost"],
      ["runs", "runs"], ["shipments", "shipments"]].forEach(function (k) {
      var b = diff.before[k[0]], a = diff.after[k[0]], d = a - b;
      var tr = D.row([k[1], D.num(b, 2), D.num(a, 2), (d > 0 ? "+" : "") + D.num(d, 2)]);
      tr.dataset.figure = k[0];
      body.appendChild(tr);
    });
    return table;
  }

  function diffView(runId, rev) {
    var out = $("whatif-diff");
    var diff = rev.diff;
    out.appendChild(el("h4", "Revision " + rev.number + " (run " + runId + "), " + rev.mode +
      " mode, solver start " + rev.start + ": " + rev.start_note));
    var kept = el("p", diff.kept + " bookings served exactly as before");
    kept.dataset.diff = "kept";
    out.appendChild(kept);
    out.appendChild(figures(diff));
    out.appendChild(list("lost", "lost", diff.lost, function (l) {
      return l.booking + ": " + l.doses + " dose(s), " + l.cause + (l.detail ? " (" + l.detail + ")" : "");
    }));
    out.appendChild(list("moved", "moved", diff.moved));
    out.appendChild(list("withdrawn", "withdrawn", diff.withdrawn));
    out.appendChild(list("gained", "gained", diff.gained));
    out.appendChild(list("runs_added", "runs added", diff.runs_added));
    out.appendChild(list("runs_removed", "runs removed", diff.runs_removed));
    out.appendChild(list("runs_shifted", "runs shifted", diff.runs_shifted, function (s) {
      return s.before + " → " + s.after + " (" + (s.hours > 0 ? "+" : "") + D.num(s.hours, 2) + " h)";
    }));
    out.appendChild(list("shipments_added", "shipments added", diff.shipments_added));
    out.appendChild(list("shipments_removed", "shipments removed", diff.shipments_removed));
    out.appendChild(D.button("open revision", function () { D.openRun(runId); }, "open-revision"));
    out.dataset.run = runId;
    out.dataset.ready = "1";
  }

  /* ------------------------------------------------------------------ simulate the plan */
  function simView() {
    var f = el("form");
    f.id = "sim-form";
    /* checked by simulate(), which says why; the service states its own bounds */
    [["replications", "replications", "50"], ["seed", "seed", "0"]]
      .forEach(function (x) {
        var label = el("label", x[1] + " ");
        var box = el("input");
        box.type = "number";
        box.id = "sim-" + x[0];
        box.value = x[2];
        box.step = "1";
        label.appendChild(box);
        f.appendChild(label);
      });
    var recourse = el("select");
    recourse.id = "sim-recourse";
    [["", "service default"], ["heuristic", "heuristic"], ["replan", "re-plan"]].forEach(function (o) {
      recourse.appendChild(new Option(o[1], o[0]));
    });
    var rl = el("label", "recourse ");
    rl.title = "what the network does when a disruption strikes in a replication";
    rl.appendChild(recourse);
    f.appendChild(rl);
    return reasonAndGo(f, "sim-reason", "why this simulation", "simulate", simulate);
  }

  async function simulate(ev) {
    ev.preventDefault();
    var box = $("sim-progress");
    var why = $("sim-reason").value.trim();
    var fail = function (text) { box.textContent = text; box.className = "error"; };
    if (!why) { fail("Give a reason for the simulation first."); return; }
    var options = { plan_run_id: W.runId };
    var reps = Number($("sim-replications").value), seed = Number($("sim-seed").value);
    if (!Number.isInteger(reps) || reps < 1) { fail("replications must be a whole number of at least 1"); return; }
    if (!Number.isInteger(seed) || seed < 0) { fail("seed must be a whole number of at least 0"); return; }
    options.replications = reps;
    options.seed = seed;
    if ($("sim-recourse").value) { options.recourse = $("sim-recourse").value; }
    var planId = W.runId;
    try {
      var run = await D.api("POST", "/runs", { json: { kind: "simulate", scenario_id: W.run.scenario_id,
        reason: why, options: options } });
      var done = await watch(run.run_id, "Simulation", box);
      if (done.state !== "succeeded") { return; }
      await D.refresh();
      await D.openRun(planId); /* the KPI tiles then show the simulation's bands */
    } catch (e) { fail("Simulation refused: " + e.message); }
  }

  /* ------------------------------------------------------------------ the view */
  async function opened(ev) {
    D = window.isoflowDash;
    W.runId = ev.detail.runId;
    W.run = ev.detail.run;
    W.plan = ev.detail.plan;
    var view = $("whatif-view");
    view.dataset.ready = "0";
    view.replaceChildren(el("h3", "Doses (click one for its decay curve)"), dosesTable(W.plan),
      el("h3", "Consignments: bulk inputs and generators (click one for its decay curve)"),
      consignmentsTable(W.plan));
    view.appendChild(el("p", "", "hint")).id = "decay-title";
    var chart = view.appendChild(el("div", null, "chart"));
    chart.id = "decay";
    if (D.can("runs:submit")) {
      view.appendChild(el("h3", "What-if: inject an event and re-plan"));
      W.form = await D.api("GET", "/runs/" + encodeURIComponent(W.runId) + "/event-form");
      view.appendChild(formView(W.form));
      drawFields();
      view.appendChild(el("p", "", "")).id = "whatif-progress";
      view.appendChild(el("div", null, "diff")).id = "whatif-diff";
      view.appendChild(el("h3", "Simulate this plan (Monte Carlo, with the scenario's disruptions)"));
      view.appendChild(simView());
      view.appendChild(el("p", "", "")).id = "sim-progress";
    }
    view.dataset.run = W.runId;
    view.dataset.ready = "1";
  }

  document.addEventListener("isoflow:run-opened", function (ev) {
    opened(ev).catch(function (e) {
      $("whatif-view").appendChild(el("p", "What-if unavailable: " + e.message, "error"));
    });
  });
}());
