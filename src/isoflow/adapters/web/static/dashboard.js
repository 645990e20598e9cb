/* isoflow dashboard: sign in, browse scenarios and runs, open a plan (plain JS, no network
   beyond this server). Every figure shown comes from the API; the page only displays it. */
(function () {
  "use strict";
  var S = { token: null, me: null, runs: [], scenarios: [], polling: false };
  var PLAN_KINDS = ["plan", "baseline", "replan"];
  var ACTIVE = ["queued", "running"];
  var FORMATS = { yaml: "yaml", yml: "yaml", json: "json", zip: "zip", tar: "tar", tgz: "tar", gz: "tar" };
  var MEDIA = { yaml: "application/yaml", json: "application/json", zip: "application/zip",
    tar: "application/x-tar" };

  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function row(cells) {
    var tr = el("tr");
    cells.forEach(function (c) {
      var td = el("td");
      if (c instanceof Node) { td.appendChild(c); } else if (c !== null && c !== undefined) {
        td.textContent = String(c);
      }
      tr.appendChild(td);
    });
    return tr;
  }
  function fill(tableId, rows) {
    var body = $(tableId).querySelector("tbody");
    body.replaceChildren.apply(body, rows);
  }
  function button(text, onClick, cls) {
    var b = el("button", text, cls);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }
  function utc(iso) {
    return iso ? String(iso).replace("T", " ").replace(/(\.\d+)?(Z|[+-]00:00)$/, "").slice(0, 16) : "";
  }
  function num(x, digits) {
    return Number(x).toLocaleString("en", { maximumFractionDigits: digits === undefined ? 2 : digits });
  }
  /* The server states what the caller may do (GET /auth/me); it refuses the rest anyway. */
  function can(operation) { return !!S.me && S.me.allowed.indexOf(operation) >= 0; }
  function notice(text, isError) {
    var n = $("notice");
    n.textContent = text;
    n.className = isError ? "error" : "";
  }

  async function api(method, path, opts) {
    opts = opts || {};
    var headers = Object.assign({}, opts.headers || {});
    if (S.token) { headers.Authorization = "Bearer " + S.token; }
    var body = opts.raw;
    if (opts.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(opts.json);
    }
    var r = await fetch(path, { method: method, headers: headers, body: body });
    var text = await r.text();
    var data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = { detail: text }; }
    if (!r.ok) {
      if (r.status === 401 && S.token && path !== "/auth/login") { signOut("Signed out: sign in again."); }
      var err = new Error((data && (data.detail || data.title)) || r.statusText);
      err.status = r.status;
      err.problem = data;
      throw err;
    }
    return data;
  }

  /* ------------------------------------------------------------------ sign-in */
  async function signIn(ev) {
    ev.preventDefault();
    var who = { org: $("login-org").value.trim(), username: $("login-user").value.trim(),
      password: $("login-password").value };
    $("login-error").textContent = "";
    try {
      var token = await api("POST", "/auth/login", { json: who });
      S.token = token.access_token;
      S.me = await api("GET", "/auth/me");
    } catch (e) {
      S.token = null;
      $("login-error").textContent = "Sign-in refused: " + e.message;
      return;
    }
    $("login-password").value = "";
    $("who").textContent = S.me.name + " @ " + who.org + " (" + S.me.roles.join(", ") + ")";
    $("upload-form").hidden = !can("scenarios:upload");
    $("reason-box").hidden = !(can("scenarios:upload") || can("runs:submit") || can("runs:cancel"));
    $("login").hidden = true;
    $("workspace").hidden = false;
    $("sign-out").hidden = false;
    await refresh();
  }

  function signOut(message) {
    S.token = null;
    S.me = null;
    $("workspace").hidden = true;
    $("run-view").hidden = true;
    $("login").hidden = false;
    $("sign-out").hidden = true;
    $("who").textContent = "";
    $("login-error").textContent = typeof message === "string" ? message : "";
  }

  /* ------------------------------------------------------------------ scenarios and runs */
  async function refresh() {
    if (!S.token) { return; }
    try {
      var both = await Promise.all([api("GET", "/scenarios"), api("GET", "/runs")]);
      S.scenarios = both[0];
      S.runs = both[1];
    } catch (e) {
      notice("Could not read scenarios and runs: " + e.message, true);
      return;
    }
    drawScenarios();
    drawRuns();
    var busy = S.runs.some(function (r) { return ACTIVE.indexOf(r.state) >= 0; });
    if (busy && !S.polling) {
      S.polling = true;
      setTimeout(function () { S.polling = false; refresh(); }, 1500);
    }
  }

  function reason() {
    var r = $("reason").value.trim();
    if (!r) { notice("Give a reason for the change first.", true); }
    return r || null;
  }

  function drawScenarios() {
    fill("scenarios", S.scenarios.map(function (s) {
      return row([s.name, s.scenario_id, utc(s.created_at), s.created_by,
        can("runs:submit") ? button("plan", function () { submitPlan(s); }, "plan") : null]);
    }));
  }

  function drawRuns() {
    var names = {};
    S.scenarios.forEach(function (s) { names[s.scenario_id] = s.name; });
    fill("runs", S.runs.map(function (r) {
      var actions = el("span");
      if (PLAN_KINDS.indexOf(r.kind) >= 0 && r.result_sha256) {
        actions.appendChild(button("open", function () { openRun(r.run_id); }, "open"));
      }
      if (ACTIVE.indexOf(r.state) >= 0 && can("runs:cancel")) {
        actions.appendChild(button("cancel", function () { cancelRun(r); }, "cancel"));
      }
      var tr = row([r.run_id, r.kind, names[r.scenario_id] || r.scenario_id,
        el("span", r.state, "state state-" + r.state), num(100 * r.progress, 0) + " %",
        utc(r.submitted_at), r.message, actions]);
      tr.dataset.run = r.run_id;
      tr.dataset.state = r.state;
      return tr;
    }));
  }

  async function submitPlan(scenario) {
    var why = reason();
    if (!why) { return; }
    try {
      var run = await api("POST", "/runs", { json: { kind: "plan", scenario_id: scenario.scenario_id,
        reason: why } });
      notice("Run " + run.run_id + " submitted.");
    } catch (e) { notice("Plan refused: " + e.message, true); }
    await refresh();
  }

  async function cancelRun(run) {
    var why = reason();
    if (!why) { return; }
    try {
      await api("DELETE", "/runs/" + encodeURIComponent(run.run_id), { headers: { "X-Reason": why } });
      notice("Run " + run.run_id + " cancelled.");
    } catch (e) { notice("Cancel refused: " + e.message, true); }
    await refresh();
  }

  /* ------------------------------------------------------------------ upload */
  function problemView(problem) {
    var box = el("div", null, "problem");
    box.appendChild(el("p", (problem.title || "Refused") + ": " + (problem.detail || ""), "error"));
    var errors = problem.errors || [];
    if (errors.length) {
      var table = el("table");
      table.id = "upload-errors";
      var head = el("tr");
      ["file", "line", "field", "message"].forEach(function (h) { head.appendChild(el("th", h)); });
      table.appendChild(el("thead")).appendChild(head);
      var body = table.appendChild(el("tbody"));
      errors.forEach(function (e) {
        body.appendChild(row([e.file, e.line, e.path || (e.loc || []).join("."), e.message]));
      });
      box.appendChild(table);
    }
    return box;
  }

  async function upload(ev) {
    ev.preventDefault();
    var out = $("upload-result");
    var file = $("upload-file").files[0];
    if (!file) { out.replaceChildren(el("p", "Choose a scenario file first.", "error")); return; }
    var format = FORMATS[file.name.split(".").pop().toLowerCase()];
    if (!format) { out.replaceChildren(el("p", "Not a .yaml, .json, .zip or .tar file.", "error")); return; }
    var why = reason();
    if (!why) { return; }
    var name = file.name.replace(/\.(ya?ml|json|zip|tar|tgz|tar\.gz)$/i, "");
    try {
      var s = await api("POST", "/scenarios?format=" + format + "&name=" + encodeURIComponent(name),
        { raw: await file.arrayBuffer(), headers: { "Content-Type": MEDIA[format], "X-Reason": why } });
      out.replaceChildren(el("p", "Scenario " + s.name + " stored (" + s.scenario_id + ").", "ok"));
    } catch (e) {
      out.replaceChildren(problemView(e.problem || { detail: e.message }));
    }
    await refresh();
  }

  /* ------------------------------------------------------------------ a plan */
  async function simulationOf(runId) {
    var sim = S.runs.find(function (r) {
      return r.kind === "simulate" && r.state === "succeeded" && r.options.plan_run_id === runId;
    });
    if (!sim) { return null; }
    var res = await api("GET", "/runs/" + encodeURIComponent(sim.run_id) + "/result");
    return { run: sim, kpis: res.result };
  }

  async function openRun(runId) {
    var view = $("run-view");
    view.hidden = false;
    view.dataset.ready = "0";
    $("run-title").textContent = "Run " + runId;
    if (window.isoflowSignoff) { window.isoflowSignoff.open(runId); }
    try {
      var id = encodeURIComponent(runId);
      var all = await Promise.all([api("GET", "/runs/" + id + "/result"),
        api("GET", "/runs/" + id + "/network"), simulationOf(runId)]);
      var res = all[0], plan = res.result;
      $("run-title").textContent = "Run " + runId + " · " + plan.scenario + " · " + plan.planner;
      drawKpis(res.run, plan, all[2]);
      drawUnserved(plan);
      window.isoflowCharts.network(all[1]);
      window.isoflowCharts.gantt(plan);
      S.open = { runId: runId, run: res.run, plan: plan };
      compareChoices(runId);
      document.dispatchEvent(new CustomEvent("isoflow:run-opened",
        { detail: { runId: runId, run: res.run, plan: plan } }));
      view.dataset.run = runId;
      view.dataset.ready = "1";
    } catch (e) {
      notice("Could not open run " + runId + ": " + e.message, true);
    }
  }

  function tile(key, label, value, sub) {
    var t = el("div", null, "tile");
    t.dataset.kpi = key;
    t.appendChild(el("div", label, "label"));
    t.appendChild(el("div", value, "value"));
    if (sub) { t.appendChild(el("div", sub, "sub")); }
    return t;
  }

  function drawKpis(run, plan, sim) {
    var k = plan.kpis || {};
    var tiles = [];
    if (k.doses) {
      tiles.push(tile("doses", "doses served / total", k.doses.served + " / " + k.doses.total,
        num(100 * k.doses.served_share, 1) + " % served"));
    }
    if (k.cost) {
      tiles.push(tile("cost", "cost", num(k.cost.total, 0) + " " + k.cost.currency,
        "production " + num(k.cost.production_fixed + k.cost.production_variable, 0) +
        " · transport " + num(k.cost.transport, 0)));
    }
    tiles.push(tile("gap", "optimality gap", run.gap === null ? "not stated" : num(100 * run.gap, 2) + " %",
      plan.solver ? "solver: " + plan.solver.status : "no solver report"));
    tiles.push(tile("status", "status", run.state, "verdict: " + (run.verdict || "none")));
    if (sim && sim.kpis && sim.kpis.tails && sim.kpis.tails.missed_per_week) {
      var m = sim.kpis.tails.missed_per_week;
      tiles.push(tile("mc-missed", "doses missed a week (p5 / p50 / p95)",
        num(m.p5, 1) + " / " + num(m.p50, 1) + " / " + num(m.p95, 1),
        "Monte Carlo, " + sim.kpis.replications + " replications (run " + sim.run.run_id + ")"));
    }
    $("kpis").replaceChildren.apply($("kpis"), tiles);
  }

  function drawUnserved(plan) {
    var rows = (plan.unserved || []).map(function (u) {
      return row([u.booking, u.hospital, u.product, utc(u.administration_utc), u.doses, u.reason,
        u.detail]);
    });
    if (!rows.length) {
      var none = el("tr");
      var td = none.appendChild(el("td", "Every order and booking is served."));
      td.colSpan = 7;
      rows.push(none);
    }
    fill("unserved", rows);
  }

  /* ------------------------------------------------------------------ two runs side by side */
  /* [key, label, figure of (run, plan), which way is better: +1 more, -1 less, 0 neither] */
  var COMPARED = [
    ["doses_served", "doses served", function (r, p) { return p.kpis.doses.served; }, 1],
    ["doses_total", "doses asked for", function (r, p) { return p.kpis.doses.total; }, 0],
    ["served_share", "served [%]", function (r, p) { return 100 * p.kpis.doses.served_share; }, 1],
    ["unserved", "unserved orders and bookings", function (r, p) { return (p.unserved || []).length; }, -1],
    ["cost", "cost", function (r, p) { return p.kpis.cost.total; }, -1],
    ["production", "production cost", function (r, p) {
      return p.kpis.cost.production_fixed + p.kpis.cost.production_variable;
    }, -1],
    ["transport", "transport cost", function (r, p) { return p.kpis.cost.transport; }, -1],
    ["runs", "production runs", function (r, p) { return (p.runs || []).length; }, 0],
    ["shipments", "shipment legs", function (r, p) { return (p.shipments || []).length; }, 0],
    ["gap", "optimality gap [%]", function (r) { return r.gap === null ? null : 100 * r.gap; }, -1]
  ];

  function compareChoices(runId) {
    var select = $("compare-with");
    var names = {};
    S.scenarios.forEach(function (s) { names[s.scenario_id] = s.name; });
    var others = S.runs.filter(function (r) {
      return PLAN_KINDS.indexOf(r.kind) >= 0 && r.result_sha256 && r.run_id !== runId;
    });
    select.replaceChildren.apply(select, [new Option("no other run", "")].concat(others.map(function (r) {
      return new Option(r.run_id + " · " + r.kind + " · " + (names[r.scenario_id] || r.scenario_id) +
        " · " + r.state, r.run_id);
    })));
    $("compare-table").hidden = true;
    delete $("compare-table").dataset.run;
  }

  /* a figure the record does not state (no cost block, say) is shown as not stated */
  function figure(of, side) {
    try {
      var v = of(side.run, side.plan);
      return v === undefined || v === null || isNaN(v) ? null : v;
    } catch (e) { return null; }
  }

  function compareTable(a, b) {
    var table = $("compare-table");
    var head = el("tr");
    ["", "run " + a.run.run_id + " (open)", "run " + b.run.run_id, "change"].forEach(function (h) {
      head.appendChild(el("th", h));
    });
    table.querySelector("thead").replaceChildren(head);
    fill("compare-table", COMPARED.map(function (c) {
      var x = figure(c[2], a), y = figure(c[2], b);
      var d = x === null || y === null ? null : y - x;
      var tr = row([c[1], x === null ? "not stated" : num(x, 2), y === null ? "not stated" : num(y, 2),
        d === null ? "" : (d > 0 ? "+" : "") + num(d, 2)]);
      if (d && c[3]) { tr.lastChild.className = d * c[3] > 0 ? "up" : "down"; }
      tr.dataset.figure = c[0];
      tr.dataset.a = x === null ? "" : String(x);
      tr.dataset.b = y === null ? "" : String(y);
      return tr;
    }));
    table.hidden = false;
    table.dataset.run = b.run.run_id;
  }

  async function compareWith() {
    var otherId = $("compare-with").value;
    var box = $("compare-table");
    box.dataset.ready = "0";
    if (!otherId || !S.open) {
      box.hidden = true;
      delete box.dataset.run;
      await window.isoflowCharts.compare(null);
      return;
    }
    try {
      var id = encodeURIComponent(otherId);
      var both = await Promise.all([api("GET", "/runs/" + id + "/result"),
        api("GET", "/runs/" + id + "/network")]);
      compareTable(S.open, { run: both[0].run, plan: both[0].result });
      await window.isoflowCharts.compare(both[1]);
      box.dataset.ready = "1";
    } catch (e) {
      notice("Could not compare with run " + otherId + ": " + e.message, true);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("compare-with").addEventListener("change", compareWith);
    $("login-form").addEventListener("submit", signIn);
    $("upload-form").addEventListener("submit", upload);
    $("sign-out").addEventListener("click", function () { signOut(""); });
    $("refresh").addEventListener("click", refresh);
    document.body.dataset.ready = "1";
  });
  /* for the page's other modules (what-if, sign-off): what-if listens to "isoflow:run-opened" */
  window.isoflowDash = { api: api, can: can, refresh: refresh, openRun: openRun, el: el, row: row,
    button: button, utc: utc, num: num, token: function () { return S.token; },
    me: function () { return S.me; } };
}());
