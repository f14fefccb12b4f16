// The flow diagram (cytoscape.js with the dagre layout, served from the package) and the
// simulator: the real flow engine runs on the server; this page is the caller.
(function () {
  'use strict';
  var csrf = document.querySelector('meta[name=csrf]').content;
  var box = document.getElementById('diagram');
  var shown = box.dataset.flow;
  var origin = shown;  // the flow the simulated call starts in
  var cy = null;
  var path = [];  // [flow, node] visited by the simulated call, in order

  var READABLE = 0.75;  // zoom below which node labels cannot be read
  var STYLE = [
    { selector: 'node', style: {
      'shape': 'round-rectangle', 'label': 'data(label)', 'text-wrap': 'wrap',
      'text-valign': 'center', 'font-size': 11, 'color': '#e8eef5', 'background-color': '#23384d',
      'border-width': 1, 'border-color': '#456', 'width': 'label', 'height': 'label', 'padding': 8 } },
    { selector: 'node[kind = "menu"], node[kind = "collect"]', style: { 'background-color': '#2d3f6b' } },
    { selector: 'node[kind = "transfer"], node[kind = "queue"]', style: { 'background-color': '#5a4214' } },
    { selector: 'node[kind = "flow"]', style: { 'background-color': '#1d4d3a', 'shape': 'tag' } },
    { selector: 'node[kind = "hangup"]', style: { 'background-color': '#4a2020' } },
    { selector: 'node[?start]', style: { 'border-width': 3, 'border-color': '#3ea6ff' } },
    { selector: 'edge', style: {
      'curve-style': 'bezier', 'target-arrow-shape': 'triangle', 'width': 1.5, 'line-color': '#6b7f94',
      'target-arrow-color': '#6b7f94', 'label': 'data(label)', 'font-size': 9, 'color': '#9fb0c2',
      'text-background-color': '#0f1720', 'text-background-opacity': 1 } },
    { selector: '.visited', style: { 'background-color': '#1f8a50', 'border-color': '#2fbf71', 'border-width': 3 } },
    { selector: '.current', style: { 'background-color': '#2fbf71', 'color': '#001', 'border-color': '#fff', 'border-width': 4 } },
    { selector: 'edge.visited', style: { 'line-color': '#2fbf71', 'target-arrow-color': '#2fbf71', 'width': 4 } }
  ];

  function draw(graph) {
    if (cy) cy.destroy();
    cy = cytoscape({
      container: box, elements: graph.nodes.concat(graph.edges), style: STYLE,
      layout: { name: 'dagre', rankDir: 'TB', nodeSep: 30, rankSep: 45, fit: true, padding: 20 },
      wheelSensitivity: 0.3
    });
    cy.on('tap', 'node[kind = "flow"]', function (e) { show(e.target.data('flow')); });
    // A large flow fitted whole would be unreadable: no smaller than this, from its start.
    if (cy.zoom() < READABLE) {
      var start = cy.getElementById(graph.start).position();
      cy.zoom(READABLE);
      cy.pan({ x: box.clientWidth / 2 - start.x * READABLE, y: 40 - start.y * READABLE });
    }
    light();
  }

  function show(flow) {
    if (flow === shown && cy) return Promise.resolve();
    return fetch('/flows/' + encodeURIComponent(flow) + '/graph', { credentials: 'same-origin' })
      .then(function (r) { return r.json(); })
      .then(function (graph) {
        shown = flow;
        document.getElementById('diagram-flow').textContent = flow;
        box.dataset.flow = flow;
        draw(graph);
      });
  }

  // The path of the call on the flow shown: every node visited, the edges between them, and
  // the node the call is at now.
  function light() {
    if (!cy) return;
    cy.elements().removeClass('visited current');
    var previous = null;
    path.forEach(function (step, i) {
      if (step[0] !== shown) { previous = null; return; }
      var node = cy.getElementById('n:' + step[1]);
      node.addClass(i === path.length - 1 ? 'current visited' : 'visited');
      if (i === path.length - 1 && node.length) follow(node);
      if (previous) previous.edgesTo(node).addClass('visited');
      previous = node;
    });
    box.dataset.lit = cy.nodes('.visited').map(function (n) { return n.id().slice(2); }).join(',');
  }

  // Keep the node the call is at in view.
  function follow(node) {
    var view = cy.extent(), at = node.boundingBox();
    if (at.x1 < view.x1 || at.x2 > view.x2 || at.y1 < view.y1 || at.y2 > view.y2) {
      cy.animate({ center: { eles: node } }, { duration: 250 });
    }
  }

  draw(JSON.parse(document.getElementById('graph-data').textContent));

  var sim = document.getElementById('simulator');
  if (!sim) return;
  var sid = null;
  var status = document.getElementById('sim-status');

  function post(url, body) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(body)
    }).then(function (r) {
      if (!r.ok) return r.text().then(function (t) { throw new Error(r.status + ': ' + t); });
      return r.json();
    });
  }

  function update(state) {
    sid = state.id;
    path = state.path;
    var list = document.getElementById('sim-heard');
    var fresh = [];
    state.heard.forEach(function (h) {
      var item = document.createElement('li');
      item.className = 'heard';
      var words = document.createElement('div');
      words.textContent = h.text || '(…)';
      var audio = document.createElement('audio');
      audio.controls = true;
      audio.preload = 'auto';
      audio.src = h.audio;
      item.appendChild(words);
      item.appendChild(audio);
      list.appendChild(item);
      fresh.push(audio);
    });
    playInTurn(fresh);
    document.getElementById('sim-listening').textContent = (state.listening || '—') +
      (state.interrupt_keys ? ' (' + state.interrupt_keys.split('').join(' ') + ')' : '');
    sim.dataset.listening = state.listening;
    sim.dataset.ended = state.ended ? 'yes' : 'no';
    sim.dataset.verified = state.verified ? 'yes' : 'no';
    document.getElementById('sim-controls').hidden = state.ended;
    status.textContent = state.ended
      ? 'ended: ' + state.outcome + (state.events.length ? ' · ' + state.events.join(' · ') : '')
      : (state.verified ? '✔ verified' : '');
    var at = path.length ? path[path.length - 1][0] : shown;
    show(at).then(light);
  }

  // What the caller hears, one prompt after the other, as on the phone; a new step stops
  // whatever was still playing (the caller answered over it).
  var playing = [];
  function playInTurn(audios) {
    playing.forEach(function (a) { a.pause(); });
    playing = audios;
    audios.forEach(function (a, i) {
      if (i + 1 < audios.length) a.addEventListener('ended', function () {
        if (playing === audios) audios[i + 1].play().catch(function () {});
      });
    });
    if (audios.length) audios[0].play().catch(function () { /* autoplay refused */ });
  }

  function said(kind, value) {
    var item = document.createElement('li');
    item.className = 'caller';
    item.textContent = '☎ ' + ({ keys: value, say: '“' + value + '”', silence: '…',
                                 hangup: '✆' })[kind];
    document.getElementById('sim-heard').appendChild(item);
  }

  function step(kind, value) {
    if (!sid) return;
    said(kind, value);
    status.textContent = '…';
    post('/flows/simulate/' + encodeURIComponent(sid), { kind: kind, value: value || '' })
      .then(update).catch(function (e) { status.textContent = e.message; });
  }

  document.getElementById('sim-start').addEventListener('click', function () {
    document.getElementById('sim-heard').innerHTML = '';
    status.textContent = '…';
    path = [];
    post('/flows/' + encodeURIComponent(origin) + '/simulate',
         { caller: document.getElementById('sim-caller').value })
      .then(update).catch(function (e) { status.textContent = e.message; });
  });
  sim.querySelectorAll('.key').forEach(function (b) {
    b.addEventListener('click', function () { step('keys', b.dataset.key); });
  });
  document.getElementById('sim-send-keys').addEventListener('click', function () {
    var field = document.getElementById('sim-keys');
    step('keys', field.value.trim());
    field.value = '';
  });
  document.getElementById('sim-send-say').addEventListener('click', function () {
    var field = document.getElementById('sim-say');
    step('say', field.value.trim());
    field.value = '';
  });
  document.getElementById('sim-silence').addEventListener('click', function () { step('silence'); });
  document.getElementById('sim-hangup').addEventListener('click', function () { step('hangup'); });
})();
