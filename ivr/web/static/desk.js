// The agent desk: the screen pop arrives over a WebSocket the moment a call rings this agent.
// Everything from the call is put in as text, never as HTML.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf"]').content;
  var pop = document.getElementById("pop");
  function text(id, value) { document.getElementById(id).textContent = value || "—"; }
  function list(id, items) {
    var el = document.getElementById(id);
    el.replaceChildren();
    items.forEach(function (item) { var li = document.createElement("li"); li.textContent = item; el.appendChild(li); });
  }
  function show(p) {
    pop.dataset.uniqueid = p.uniqueid;
    text("pop-caller", p.caller);
    var v = document.getElementById("pop-verified");
    v.textContent = p.verified ? "✔" : "✘"; v.className = "pill " + (p.verified ? "ok" : "bad");
    v.dataset.verified = String(p.verified);
    text("pop-name", p.name); text("pop-account", p.account); text("pop-address", p.address);
    text("pop-area", p.area); text("pop-language", p.language);
    text("pop-outages", p.outages.map(function (o) { return o.id + " " + o.kind + " " + o.cause + " → " + o.restore_eta; }).join("; "));
    text("pop-orders", p.orders.map(function (o) { return o.number + " " + o.type + " " + o.status + (o.overdue ? " !" : ""); }).join("; "));
    list("pop-journey", p.journey);
    document.getElementById("status").textContent = "ringing";
  }
  function send(url, form, out) {
    var body = Object.fromEntries(new FormData(form).entries());
    body.uniqueid = pop.dataset.uniqueid;
    fetch(url, { method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }, body: JSON.stringify(body) })
      .then(function (r) { return r.json(); })
      .then(function (j) { document.getElementById(out).textContent = j.error || j.number || j.code; });
  }
  document.getElementById("order-form").addEventListener("submit", function (e) { e.preventDefault(); send("/desk/tickets", e.target, "order-result"); });
  document.getElementById("wrapup-form").addEventListener("submit", function (e) { e.preventDefault(); send("/desk/wrapup", e.target, "wrapup-result"); });
  function connect() {
    var ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/desk/feed");
    ws.onopen = function () { document.body.dataset.live = "1"; };
    ws.onmessage = function (m) {
      var msg = JSON.parse(m.data);
      if (msg.type === "pop") show(msg);
      else if (msg.type === "connected") document.getElementById("status").textContent = "on_call";
      else if (msg.type === "ended") document.getElementById("status").textContent = "wrap_up";
    };
    ws.onclose = function () { document.body.dataset.live = ""; setTimeout(connect, 2000); };
  }
  connect();
})();
