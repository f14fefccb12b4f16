// The wallboard follows the hotline over a WebSocket; it never reloads. Values are put in as
// text (never as HTML); the chart's labels are data ECharts sets as text.
// Updates are applied once per animation frame (the newest message wins), only what changed
// is touched (text nodes and rows are kept and rewritten in place), and the chart is redrawn
// at most once a second: a wall with 20 screens and 1,000 calls must keep up with the events.
(function () {
  "use strict";
  var CHART_MS = 1000;
  function setText(el, text) {
    text = String(text === null || text === undefined ? "" : text);
    if (el.textContent !== text) el.textContent = text;
  }
  function rows(id, items, fields, alarmKey) {
    var body = document.getElementById(id);
    while (body.rows.length > items.length) body.deleteRow(-1);
    items.forEach(function (item, i) {
      var tr = body.rows[i] || body.insertRow(-1);
      while (tr.cells.length < fields.length) tr.insertCell(-1);
      if (alarmKey) {
        var cls = item[alarmKey] ? "alarm-row" : "";
        if (tr.className !== cls) tr.className = cls;
      }
      fields.forEach(function (f, j) { setText(tr.cells[j], item[f]); });
    });
  }
  function links(w, areas) {
    var key = JSON.stringify(w.area_alarms);
    if (areas.dataset.shown === key) return;
    areas.dataset.shown = key;
    areas.replaceChildren();
    w.area_alarms.forEach(function (a) {
      var link = document.createElement("a");
      link.href = a.page; link.dataset.area = a.area; link.dataset.draft = a.draft;
      link.textContent = areas.dataset.label + ": " + a.area + " (" + a.calls + "/min)";
      areas.appendChild(link); areas.appendChild(document.createTextNode(" "));
    });
  }
  function pills(w) {
    var states = document.getElementById("agent-states");
    var keys = Object.keys(w.agents);
    var spans = states.getElementsByTagName("span");
    if (spans.length !== keys.length) {
      states.replaceChildren();
      keys.forEach(function () {
        var pill = document.createElement("span");
        pill.className = "pill";
        states.appendChild(pill); states.appendChild(document.createTextNode(" "));
      });
    }
    keys.forEach(function (s, i) { setText(spans[i], s + ": " + w.agents[s]); });
  }
  var chartEl = document.getElementById("chart");
  var chartShown = chartEl.dataset.chart, chartAt = 0, chartTimer = null, chartNext = null;
  function chart(option) {
    var key = JSON.stringify(option);
    if (key === chartShown) { chartNext = null; return; }
    chartNext = option;
    if (chartTimer !== null) return;
    var wait = Math.max(0, chartAt + CHART_MS - Date.now());
    chartTimer = setTimeout(function () {
      chartTimer = null;
      if (chartNext === null) return;
      chartShown = JSON.stringify(chartNext); chartAt = Date.now();
      hotlineChart(chartEl, chartNext);
      chartNext = null;
    }, wait);
  }
  var figures = document.querySelectorAll("[data-k]");  // the page's figures never change
  function show(w) {
    figures.forEach(function (el) {
      var v = w[el.dataset.k];
      if (el.dataset.k === "alarms") v = w.alarms.join(" · ");
      else if (el.hasAttribute("data-pct")) v = v === null ? "—" : v + "%";
      setText(el, v);
    });
    var alarms = document.getElementById("alarms");
    if (alarms.hidden !== (w.alarms.length === 0)) alarms.hidden = w.alarms.length === 0;
    var areas = document.getElementById("area-alarms");
    links(w, areas);
    if (areas.hidden !== (w.area_alarms.length === 0)) areas.hidden = w.area_alarms.length === 0;
    rows("queues", w.queues, ["name", "waiting", "longest_wait", "members", "available"], "alarm");
    rows("agents", w.agent_rows, ["name", "status", "reason"]);
    pills(w);
    chart(w.chart);
    document.body.dataset.updated = String(Date.now());
  }
  var latest = null;  // the newest message's text: one replaced before its frame is never parsed
  function frame() { var text = latest; latest = null; if (text !== null) show(JSON.parse(text)); }
  function connect() {
    var ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/wallboard/feed");
    ws.onmessage = function (m) {
      if (latest === null) requestAnimationFrame(frame);
      latest = m.data;
    };
    ws.onclose = function () { setTimeout(connect, 2000); };
  }
  connect();
})();
