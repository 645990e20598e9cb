/* isoflow dashboard: the sign-off view of an open plan (plain JS, no network beyond this server).
   Its approval state and signatures (GET /plans/{id}/signatures), its history and audit entries
   (GET /plans/{id}/history), and Sign buttons that ask for the password again and a reason
   (POST /plans/{id}/review | approve), and the signed report and the export to download
   (GET /runs/{id}/report | export). The page shows what the server states; the server
   checks roles, separation of duties and the password itself. */
(function () {
  "use strict";
  var STEPS = [
    { op: "plans:review", from: "draft", path: "review", meaning: "reviewed", label: "Sign as reviewed" },
    { op: "plans:approve", from: "reviewed", path: "approve", meaning: "approved",
      label: "Sign as approved" }
  ];
  var current = null;

  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function table(id, heads, rows) {
    var t = el("table");
    t.id = id;
    var head = el("tr");
    heads.forEach(function (h) { head.appendChild(el("th", h)); });
    t.appendChild(el("thead")).appendChild(head);
    var body = t.appendChild(el("tbody"));
    rows.forEach(function (r) { body.appendChild(r); });
    return t;
  }
  function row(cells, cls) {
    var tr = el("tr");
    cells.forEach(function (c) {
      var td = el("td");
      if (c instanceof Node) { td.appendChild(c); } else if (c !== null && c !== undefined) {
        td.textContent = String(c);
      }
      if (cls && cls[tr.children.length]) { td.className = cls[tr.children.length]; }
      tr.appendChild(td);
    });
    return tr;
  }
  /* "2026-03-02T10:15:07.123456+01:00", "Europe/Vienna" -> "2026-03-02 10:15:07+01:00 Europe/Vienna" */
  function withZone(iso, zone) {
    var s = String(iso || "");
    var offset = s.match(/([+-]\d\d:\d\d|Z)$/);
    return s.slice(0, 10) + " " + s.slice(11, 19) + (offset ? offset[1] : "") + " " + zone;
  }
  function utc(iso) { return String(iso || "").slice(0, 19).replace("T", " ") + " UTC"; }
  function dash() { return window.isoflowDash; }

  function box() {
    var view = $("signoff");
    if (!view) {
      view = el("section");
      view.id = "signoff";
      $("run-view").appendChild(view);
    }
    return view;
  }

  async function open(runId) {
    var view = box();
    current = runId;
    view.dataset.ready = "0";
    view.dataset.run = runId;
    var id = encodeURIComponent(runId);
    try {
      var both = await Promise.all([dash().api("GET", "/plans/" + id + "/signatures"),
        dash().api("GET", "/plans/" + id + "/history")]);
    } catch (e) {
      view.replaceChildren(el("h3", "Sign-off"), el("p", "Could not read the sign-off: " + e.message, "error"));
      view.dataset.ready = "1";
      return;
    }
    if (current !== runId) { return; }
    view.replaceChildren(el("h3", "Sign-off"), stateLine(both[0]), signatures(both[0]),
      controls(runId, both[0], both[1].plan.submitted_by), signedFiles(runId), el("h3", "History"),
      history(both[1]), el("h3", "Audit trail"),
      audit(both[1].audit));
    view.dataset.state = both[0].state;
    view.dataset.ready = "1";
  }

  function stateLine(status) {
    var p = el("p", null, "signoff-state");
    p.appendChild(el("strong", status.state, "plan-state state-" + status.state));
    p.appendChild(el("span", " · plan " + status.plan_sha256, "hint"));
    return p;
  }

  function signatures(status) {
    if (!status.signatures.length) { return el("p", "Not signed yet.", "hint"); }
    return table("signatures", ["signer", "signed (local, zone)", "signed (UTC)", "meaning",
      "reason", "status"], status.signatures.map(function (s) {
      var mark = el("span", s.valid ? "valid" : "VOID", s.valid ? "sig-valid" : "sig-void");
      if (!s.valid) { mark.title = "the plan changed after signing: " + s.plan_sha256; }
      var tr = row([s.signer, withZone(s.signed_at_local, s.time_zone), utc(s.signed_at_utc),
        s.meaning, s.reason, mark], ["signer", "when", "when-utc", "meaning", "reason", "status"]);
      tr.dataset.meaning = s.meaning;
      tr.dataset.valid = s.valid ? "1" : "0";
      if (!s.valid) { tr.className = "void"; }
      return tr;
    }));
  }

  /* The steps the caller's roles allow from the plan's state (the server checks the rest). */
  function controls(runId, status, author) {
    var wrap = el("div", null, "sign-controls");
    var steps = STEPS.filter(function (s) { return dash().can(s.op) && s.from === status.state; });
    if (!steps.length) { return wrap; }
    var me = dash().me() || {};
    var reviewer = status.signatures.some(function (s) {
      return s.valid && s.meaning === "reviewed" && s.signer_id === me.user_id;
    });
    if (me.user_id === author || (status.state === "reviewed" && reviewer)) {
      wrap.appendChild(el("p", me.user_id === author ? "You made this plan: another person signs it."
        : "You reviewed this plan: another person approves it.", "hint"));
      return wrap;
    }
    steps.forEach(function (step) {
      var b = el("button", step.label, "sign");
      b.type = "button";
      b.dataset.sign = step.path;
      b.addEventListener("click", function () { ask(wrap, runId, step); });
      wrap.appendChild(b);
    });
    return wrap;
  }

  /* The signing form: the meaning stated, the password asked again, the reason required. */
  function ask(wrap, runId, step) {
    var old = $("sign-form");
    if (old) { old.remove(); }
    var form = el("form");
    form.id = "sign-form";
    form.dataset.meaning = step.meaning;
    form.appendChild(el("p", "Meaning of this signature: " + step.meaning));
    var pw = el("input");
    pw.id = "sign-password";
    pw.type = "password";
    pw.autocomplete = "current-password";
    pw.required = true;
    var why = el("input");
    why.id = "sign-reason";
    why.required = true;
    why.placeholder = "why you sign";
    var l1 = el("label", "Password again ");
    l1.appendChild(pw);
    var l2 = el("label", "Reason ");
    l2.appendChild(why);
    var ok = el("button", "Sign", "confirm");
    ok.type = "submit";
    ok.id = "sign-confirm";
    var err = el("p", "", "error");
    err.id = "sign-error";
    err.setAttribute("role", "alert");
    [l1, l2, ok, err].forEach(function (n) { form.appendChild(n); });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      sign(runId, step, pw.value, why.value.trim(), err);
    });
    wrap.appendChild(form);
    pw.focus();
  }

  async function sign(runId, step, password, reason, err) {
    if (!reason) { err.textContent = "Give a reason for the signature."; return; }
    /* Not through the page's api(): a wrong password here (401) must not sign the user out. */
    var r = await fetch("/plans/" + encodeURIComponent(runId) + "/" + step.path, {
      method: "POST",
      headers: { "Authorization": "Bearer " + dash().token(), "Content-Type": "application/json" },
      body: JSON.stringify({ password: password, reason: reason })
    });
    if (!r.ok) {
      var problem = null;
      try { problem = await r.json(); } catch (e) { problem = null; }
      err.textContent = "Signature refused: " + ((problem && problem.detail) || r.statusText);
      return;
    }
    await open(runId);
  }

  /* The report with its signature section and the zip export, fetched with the token (a plain
     link would carry none) and saved through a blob link; the report opens offline. */
  function signedFiles(runId) {
    var wrap = el("p", null, "signed-files");
    wrap.id = "signed-files";
    var err = el("span", "", "error");
    err.id = "signed-files-error";
    err.setAttribute("role", "alert");
    [["signed-report", "Signed report (HTML)", "report", "report-" + runId + ".html"],
      ["signed-export", "Export (zip)", "export", "plan-" + runId + ".zip"]].forEach(function (d) {
      var b = el("button", d[1]);
      b.type = "button";
      b.id = d[0];
      b.addEventListener("click", function () { save(runId, d[2], d[3], err); });
      wrap.appendChild(b);
      wrap.appendChild(document.createTextNode(" "));
    });
    wrap.appendChild(err);
    return wrap;
  }

  async function save(runId, what, name, err) {
    err.textContent = "";
    try {
      var r = await fetch("/runs/" + encodeURIComponent(runId) + "/" + what,
        { headers: { "Authorization": "Bearer " + dash().token() } });
      if (!r.ok) { throw new Error(r.status + " " + r.statusText); }
      var url = URL.createObjectURL(await r.blob());
      var a = el("a");
      a.href = url;
      a.download = name;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
    } catch (e) {
      err.textContent = "Could not download: " + e.message;
    }
  }

  function runLine(label, r) {
    var li = el("li");
    li.appendChild(el("span", label + " "));
    li.appendChild(el("strong", r.run_id));
    li.appendChild(el("span", " (" + r.kind + ", " + r.state + ") by " + r.submitted_by + " on " +
      utc(r.submitted_at)));
    li.dataset.run = r.run_id;
    return li;
  }

  function history(h) {
    var list = el("ul");
    list.id = "plan-history";
    list.appendChild(runLine("made by run", h.plan));
    if (h.parent) { list.appendChild(runLine("revises plan", h.parent)); }
    h.revisions.forEach(function (r) { list.appendChild(runLine("revised by", r)); });
    h.runs_on.forEach(function (r) { list.appendChild(runLine("run on it:", r)); });
    return list;
  }

  function audit(entries) {
    if (entries === null || entries === undefined) {
      return el("p", "The audit trail is open to approvers and admins.", "hint");
    }
    return table("plan-audit", ["#", "when (UTC)", "when (local, zone)", "who", "what", "object",
      "change", "why"], entries.map(function (e) {
      var tr = row([e.index, utc(e.at_utc), withZone(e.at_local, e.time_zone), e.actor, e.action,
        e.object_type + " " + e.object_id + " v" + e.object_version, e.diff, e.reason]);
      tr.dataset.index = e.index;
      return tr;
    }));
  }

  window.isoflowSignoff = { open: open };
}());
