/* The interactive graph panel (templates/_graph_panel.html), drawn with vis-network.
 *
 * Data: the JSON in <script type="application/json" class="kg-graph-data">, or GET data-api?focus=…
 * Click a node: select it, show its details and fetch its neighbours (expand).
 * Double-click a node, or "Open its page": go to its page.
 * Physics runs a bounded stabilisation, then is switched off.
 * Everything from the data goes in as text (textContent, canvas labels); never as HTML.
 * Tests read window.kgGraphs (network, nodes, edges) and the panel's data-* attributes.
 */
(function () {
  "use strict";
  window.kgGraphs = window.kgGraphs || [];

  function text(el, value) { el.textContent = value == null ? "" : String(value); return el; }

  function tip(value) {
    // vis-network puts a string title in as-is; an element built with textContent stays plain text.
    var el = document.createElement("div");
    el.className = "kg-graph-tip";
    return text(el, value);
  }

  function safePath(url) {
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" && url.charAt(1) !== "\\";
  }

  function prepareNodes(list) {
    return list.map(function (n) {
      var copy = Object.assign({}, n);
      copy.title = tip(n.title || n.label);
      copy.label = n.label == null ? "" : String(n.label);
      return copy;
    });
  }

  function prepareEdges(list) {
    return list.map(function (e) {
      var copy = Object.assign({}, e);
      copy.id = e.from + "|" + e.kind + "|" + e.to;
      copy.title = tip(e.title || e.kind);
      return copy;
    });
  }

  function Panel(section) {
    this.section = section;
    this.canvas = section.querySelector(".kg-graph-canvas");
    this.status = section.querySelector(".kg-graph-status");
    this.filters = section.querySelector(".kg-graph-filters");
    this.find = section.querySelector(".kg-graph-find");
    this.details = section.querySelector(".kg-graph-details");
    this.api = section.getAttribute("data-api");
    this.hiddenKinds = {};
    this.kinds = {};
    this.expanded = {};
    this.busy = 0;
  }

  Panel.prototype.setState = function (state) {
    this.section.setAttribute("data-state", state);
  };

  Panel.prototype.load = function () {
    var self = this;
    var embedded = this.section.querySelector("script.kg-graph-data");
    if (embedded) {
      try { this.start(JSON.parse(embedded.textContent)); } catch (err) { this.fail("The graph data could not be read."); }
      return;
    }
    var focus = this.section.getAttribute("data-focus");
    var depth = this.section.getAttribute("data-depth") || "1";
    this.fetchGraph(focus, depth).then(function (data) { self.start(data); })
      .catch(function (err) { self.fail(err.message); });
  };

  Panel.prototype.fetchGraph = function (focus, depth) {
    var url = this.api + "?depth=" + encodeURIComponent(depth || "1");
    if (focus) url += "&focus=" + encodeURIComponent(focus);
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (r) {
      if (!r.ok) {
        return r.json().then(function (body) {
          throw new Error((body && body.error && body.error.message) || ("HTTP " + r.status));
        }, function () { throw new Error("HTTP " + r.status); });
      }
      return r.json();
    });
  };

  Panel.prototype.fail = function (message) {
    this.setState("error");
    text(this.status, "The graph could not be drawn: " + message);
  };

  Panel.prototype.start = function (data) {
    var self = this;
    this.options = data.options || {};
    this.nodes = new vis.DataSet(prepareNodes(data.nodes || []));
    this.edges = new vis.DataSet(prepareEdges(data.edges || []));
    (data.meta && data.meta.kinds || []).forEach(function (k) { self.kinds[k.kind] = k; });
    if (data.meta && data.meta.focus) this.expanded[data.meta.focus] = true;
    this.t0 = performance.now();
    this.network = new vis.Network(this.canvas, { nodes: this.nodes, edges: this.edges }, this.options);
    this.section.setAttribute("data-create-ms", String(Math.round(performance.now() - this.t0)));
    this.setState("stabilizing");
    this.section.setAttribute("data-physics", "on");
    text(this.status, "Laying out " + this.nodes.length + " nodes…");
    this.network.on("stabilizationProgress", function (p) {
      if (self.section.getAttribute("data-physics") === "on" && p.total) {
        text(self.status, "Laying out " + self.nodes.length + " nodes… " + Math.round((100 * p.iterations) / p.total) + "%");
      }
    });
    this.network.on("stabilizationIterationsDone", function () { self.settle(); });
    this.network.once("stabilized", function () { self.settle(); });
    this.network.on("click", function (params) {
      if (params.nodes.length) { self.select(params.nodes[0], true); }
    });
    this.network.on("doubleClick", function (params) {
      if (params.nodes.length) { self.open(params.nodes[0]); }
    });
    this.buildFilters();
    this.buildFind();
    this.details.querySelector(".kg-graph-expand").addEventListener("click", function () {
      if (self.selected) self.expand(self.selected);
    });
    window.kgGraphs.push({ network: this.network, nodes: this.nodes, edges: this.edges, panel: this.section, graph: this });
    if (!this.nodes.length) { this.settle(); }
  };

  Panel.prototype.settle = function () {
    var self = this;
    if (!this.network || this.section.getAttribute("data-physics") === "off") return;
    this.network.setOptions({ physics: { enabled: false } });
    this.section.setAttribute("data-physics", "off");
    var done = function () {
      self.section.setAttribute("data-layout-ms", String(Math.round(performance.now() - self.t0)));
      self.setState(self.busy ? "expanding" : "ready");
      self.updateStatus();
    };
    if (this.fitted) { done(); return; }
    // fit once more after the first drawing with physics off: labels are measured when drawn
    this.fitted = true;
    this.network.once("afterDrawing", function () { self.network.fit({ animation: false }); done(); });
    this.network.redraw();
  };

  Panel.prototype.visibleCount = function () {
    var self = this;
    return this.nodes.get({ filter: function (n) { return !self.hiddenKinds[n.kind]; } }).length;
  };

  Panel.prototype.updateStatus = function () {
    var shown = this.visibleCount();
    this.section.setAttribute("data-nodes", String(this.nodes.length));
    this.section.setAttribute("data-edges", String(this.edges.length));
    this.section.setAttribute("data-visible-nodes", String(shown));
    var msg = shown + " nodes and " + this.edges.length + " connections shown";
    if (shown !== this.nodes.length) msg += " (" + (this.nodes.length - shown) + " hidden by the filters)";
    text(this.status, msg + ".");
  };

  Panel.prototype.buildFilters = function () {
    var self = this;
    var fs = this.filters;
    Array.prototype.slice.call(fs.querySelectorAll("label")).forEach(function (l) { l.remove(); });
    Object.keys(this.kinds).forEach(function (kind) {
      var k = self.kinds[kind];
      var label = document.createElement("label");
      label.className = "kg-graph-filter";
      var box = document.createElement("input");
      box.type = "checkbox";
      box.checked = !self.hiddenKinds[kind];
      box.value = kind;
      box.setAttribute("data-kind", kind);
      box.addEventListener("change", function () { self.filter(kind, !box.checked); });
      var swatch = document.createElement("span");
      swatch.className = "kg-swatch kg-swatch-" + (k.shape || "dot");
      swatch.style.backgroundColor = k.color;
      label.appendChild(box);
      label.appendChild(swatch);
      label.appendChild(document.createTextNode(" " + k.label + " "));
      var count = document.createElement("span");
      count.className = "kg-graph-count";
      text(count, "(" + self.nodes.get({ filter: function (n) { return n.kind === kind; } }).length + ")");
      label.appendChild(count);
      fs.appendChild(label);
    });
    fs.hidden = Object.keys(this.kinds).length === 0;
  };

  Panel.prototype.buildFind = function () {
    var self = this;
    var sel = this.find;
    var label = this.section.querySelector(".kg-graph-find-label");
    if (!sel) return;
    while (sel.options.length > 1) sel.remove(1);
    this.nodes.get({ order: function (a, b) { return a.label.localeCompare(b.label); } }).forEach(function (n) {
      if (self.hiddenKinds[n.kind]) return;
      var o = document.createElement("option");
      o.value = n.id;
      text(o, n.label + " (" + ((self.kinds[n.kind] && self.kinds[n.kind].label) || n.kind) + ")");
      sel.appendChild(o);
    });
    if (!sel.getAttribute("data-bound")) {
      sel.setAttribute("data-bound", "1");
      sel.addEventListener("change", function () {
        if (sel.value) { self.select(sel.value, false); self.network.focus(sel.value, { scale: 1.2, animation: false }); }
      });
    }
    label.hidden = false;
  };

  Panel.prototype.filter = function (kind, hide) {
    var self = this;
    if (hide) this.hiddenKinds[kind] = true; else delete this.hiddenKinds[kind];
    var updates = this.nodes.get({ filter: function (n) { return n.kind === kind; } })
      .map(function (n) { return { id: n.id, hidden: !!self.hiddenKinds[kind] }; });
    this.nodes.update(updates);
    if (this.selected && this.hiddenKinds[(this.nodes.get(this.selected) || {}).kind]) {
      this.network.unselectAll();
      this.details.hidden = true;
      this.selected = null;
    }
    this.buildFind();
    this.updateStatus();
  };

  Panel.prototype.select = function (id, expand) {
    var n = this.nodes.get(id);
    if (!n) return;
    this.selected = id;
    this.network.selectNodes([id]);
    this.section.setAttribute("data-selected", id);
    var d = this.details;
    text(d.querySelector(".kg-graph-kind"), (this.kinds[n.kind] && this.kinds[n.kind].label) || n.kind);
    text(d.querySelector(".kg-graph-name"), n.title ? n.title.textContent.split("\n")[1] || n.label : n.label);
    var meta = n.degree + " connection" + (n.degree === 1 ? "" : "s");
    if (n.state === "covered") meta += " · covered by an episode";
    else if (n.state === "recommended") meta += " · recommended, not yet covered";
    else if (n.state === "explained") meta += " · explained in an episode";
    else if (n.state === "mentioned") meta += " · mentioned, never explained";
    else if (n.state === "unexplained") meta += " · not in any episode yet";
    if (n.more) meta += " · " + n.more + " more not drawn";
    text(d.querySelector(".kg-graph-meta"), meta);
    var link = d.querySelector(".kg-graph-open");
    if (safePath(n.url)) { link.href = n.url; link.hidden = false; } else { link.removeAttribute("href"); link.hidden = true; }
    d.querySelector(".kg-graph-expand").disabled = !!this.expanded[id] && !n.more;
    d.hidden = false;
    if (expand) this.expand(id);
  };

  Panel.prototype.open = function (id) {
    var n = this.nodes.get(id);
    if (n && safePath(n.url)) window.location.assign(n.url);
  };

  Panel.prototype.expand = function (id) {
    var self = this;
    if (this.expanded[id]) return;
    this.expanded[id] = true;
    this.busy += 1;
    this.setState("expanding");
    text(this.status, "Fetching the neighbours of " + (this.nodes.get(id) || { label: id }).label + "…");
    this.fetchGraph(id, "1").then(function (data) {
      self.merge(id, data);
    }).catch(function (err) {
      delete self.expanded[id];
      text(self.status, "Could not fetch the neighbours: " + err.message);
    }).then(function () {
      self.busy -= 1;
      if (!self.busy) {
        if (self.section.getAttribute("data-physics") === "off") self.setState("ready");
        self.updateStatus();
      }
    });
  };

  Panel.prototype.merge = function (id, data) {
    var self = this;
    var origin = this.network.getPositions([id])[id] || { x: 0, y: 0 };
    (data.meta && data.meta.kinds || []).forEach(function (k) { if (!self.kinds[k.kind]) self.kinds[k.kind] = k; });
    var fresh = prepareNodes((data.nodes || []).filter(function (n) { return !self.nodes.get(n.id); }));
    fresh.forEach(function (n, i) {
      var angle = (2 * Math.PI * i) / Math.max(1, fresh.length);
      n.x = origin.x + 140 * Math.cos(angle);
      n.y = origin.y + 140 * Math.sin(angle);
      n.focus = false;
      if (self.hiddenKinds[n.kind]) n.hidden = true;
    });
    // the expanded node's own size and border stay as they were; only new nodes and edges are added
    this.nodes.add(fresh);
    var newEdges = prepareEdges(data.edges || []).filter(function (e) { return !self.edges.get(e.id); });
    this.edges.add(newEdges);
    var n = this.nodes.get(id);
    if (n) this.nodes.update({ id: id, more: 0 });
    this.buildFilters();
    this.buildFind();
    if (fresh.length) {
      this.section.setAttribute("data-physics", "on");
      this.setState("stabilizing");
      this.network.setOptions({ physics: { enabled: true } });
      this.network.stabilize(Math.min(150, 40 + fresh.length * 2));
    }
    this.section.setAttribute("data-expanded", Object.keys(this.expanded).join(" "));
  };

  function init() {
    if (typeof vis === "undefined" || !vis.Network) return;
    Array.prototype.slice.call(document.querySelectorAll("section.kg-graph")).forEach(function (section) {
      new Panel(section).load();
    });
  }

  // after "load": the panel's stylesheets (which give the canvas its height) have arrived
  if (document.readyState === "complete") init();
  else window.addEventListener("load", init);
})();
