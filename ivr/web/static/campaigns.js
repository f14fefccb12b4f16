// The campaigns page follows the dialer without reloading: it polls /campaigns/live and moves
// each progress bar, its counts and its buttons. Values go in as text, never as HTML.
(function () {
  "use strict";
  var POLL_MS = 1000;
  var words = JSON.parse(document.getElementById("campaign-words").textContent);
  function update(c) {
    var row = document.getElementById("campaign-" + c.id);
    if (!row) return false;  // a campaign created elsewhere: the next visit shows it
    var bar = row.querySelector(".progress");
    bar.setAttribute("aria-valuenow", String(c.percent));
    bar.querySelector(".done").style.width = c.percent + "%";
    row.querySelector(".ended").textContent = c.ended;
    row.querySelector(".total").textContent = c.total;
    row.querySelector(".percent").textContent = c.percent;
    var status = row.querySelector(".status");
    status.dataset.status = c.status;
    status.textContent = words["campaign_" + c.status] || c.status;
    var counts = row.querySelector(".counts");
    counts.replaceChildren();
    Object.keys(c.counts).forEach(function (state) {
      var span = document.createElement("span"), b = document.createElement("b");
      span.dataset.state = state;
      span.textContent = (words["state_" + state] || state) + ": ";
      b.textContent = c.counts[state];
      span.appendChild(b);
      counts.appendChild(span);
    });
    var allowed = {start: ["draft"], pause: ["running"], resume: ["paused"], stop: ["draft", "running", "paused"]};
    row.querySelectorAll("form[data-action]").forEach(function (form) {
      form.hidden = allowed[form.dataset.action].indexOf(c.status) < 0;
    });
    return true;
  }
  function poll() {
    fetch("/campaigns/live", {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (data) {
        data.campaigns.forEach(update);
        document.body.dataset.updated = String(Date.now());
      })
      .catch(function () { /* the hotline restarting: try again at the next tick */ })
      .finally(function () { setTimeout(poll, POLL_MS); });
  }
  setTimeout(poll, POLL_MS);
})();
