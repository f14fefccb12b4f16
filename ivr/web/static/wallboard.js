// The wallboard follows the hotline over a WebSocket; it never reloads. Values are put in as
// text (never as HTML); the chart's labels are data ECharts sets as text.
(function () {
  "use strict";
  function cell(row, text) { var td = document.createElement("td"); td.textContent = text; row.appendChild(td); }
  function rows(id, items, fields, alarmKey) {
    var body = document.getElementById(id);
    body.replaceChildren();
    items.forEach(function (item) {
      var tr = document.createElement("tr");
      if (alarmKey && item[alarmKey]) tr.className = "alarm-row";
      fields.forEach(function (f) { cell(tr, item[f]); });
      body.appendChild(tr);
    });
  }
  function show(w) {
    document.querySelectorAll("[data-k]").forEach(function (el) {
      var v = w[el.dataset.k];
      if (el.dataset.k === "alarms") v = w.alarms.join(" · ");
      else if (el.hasAttribute("data-pct")) v = v === null ? "—" : v + "%";
      el.textContent = v;
    });
    document.getElementById("alarms").hidden = w.alarms.length === 0;
    var areas = document.getElementById("area-alarms");
    areas.replaceChildren();
    w.area_alarms.forEach(function (a) {
      var link = document.createElement("a");
      link.href = a.page; link.dataset.area = a.area; link.dataset.draft = a.draft;
      link.textContent = areas.dataset.label + ": " + a.area + " (" + a.calls + "/min)";
      areas.appendChild(link); areas.appendChild(document.createTextNode(" "));
    });
    areas.hidden = w.area_alarms.length === 0;
    rows("queues", w.queues, ["name", "waiting", "longest_wait", "members", "available"], "alarm");
    rows("agents", w.agent_rows, ["name", "status", "reason"]);
    var states = document.getElementById("agent-states");
    states.replaceChildren();
    Object.keys(w.agents).forEach(function (s) {
      var pill = document.createElement("span");
      pill.className = "pill"; pill.textContent = s + ": " + w.agents[s];
      states.appendChild(pill); states.appendChild(document.createTextNode(" "));
    });
    hotlineChart(document.getElementById("chart"), w.chart);
    document.body.dataset.updated = String(Date.now());
  }
  function connect() {
    var ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/wallboard/feed");
    ws.onmessage = function (m) { show(JSON.parse(m.data)); };
    ws.onclose = function () { setTimeout(connect, 2000); };
  }
  connect();
})();
