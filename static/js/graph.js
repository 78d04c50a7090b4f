/* Supply-chain graph: draws the page's graph JSON (the same as the API's /trace/ and /graph/
   answers, embedded by the server) with the vendored Cytoscape.js. Colour and shape by role,
   screened parties ringed in red, arrows from seller to buyer, line style by confidence. Tapping
   a node or a link (or "Show" in the tables, for keyboards) fills the side panel. Without
   JavaScript the tables under the drawing hold the same data. */
(function () {
  "use strict";

  var container = document.getElementById("graph-canvas");
  var dataNode = document.getElementById("graph-data");
  var stylesNode = document.getElementById("graph-styles");
  var panel = document.getElementById("graph-panel");
  if (!container || !dataNode || !stylesNode || !panel || typeof window.cytoscape !== "function") {
    return;
  }
  var graph = JSON.parse(dataNode.textContent);
  var styles = JSON.parse(stylesNode.textContent);
  var roleStyle = {};
  var roleOrder = [];
  styles.roles.forEach(function (row) {
    roleStyle[row[0]] = { label: row[1], colour: row[2], shape: row[3] };
    roleOrder.push(row[0]);
  });
  var nodesById = {};
  var edgesById = {};
  graph.nodes.forEach(function (n) { nodesById[n.id] = n; });
  graph.edges.forEach(function (e) { edgesById[e.id] = e; });

  function primaryRole(roles) {
    for (var i = 0; i < roleOrder.length; i++) {
      if (roles.indexOf(roleOrder[i]) !== -1) { return roleOrder[i]; }
    }
    return "other";
  }

  function flagged(node) {
    return Boolean(node.screening && node.screening.flagged);
  }

  var elements = [];
  graph.nodes.forEach(function (n) {
    var role = primaryRole(n.roles);
    elements.push({
      group: "nodes",
      data: {
        id: "o" + n.id,
        ref: n.id,
        label: (flagged(n) ? "⚠ " : "") + n.name + (n.country ? " (" + n.country + ")" : ""),
        colour: roleStyle[role].colour,
        shape: roleStyle[role].shape,
        root: n.depth === 0 ? 1 : 0
      },
      classes: flagged(n) ? "flagged" : ""
    });
  });
  graph.edges.forEach(function (e) {
    var bits = [];
    if (e.part) { bits.push(e.part.mpn); }
    if (e.lot_code) { bits.push("lot " + e.lot_code); }
    if (e.start_date) { bits.push(e.start_date); }
    elements.push({
      group: "edges",
      data: { id: "l" + e.id, ref: e.id, source: "o" + e.seller, target: "o" + e.buyer, label: bits.join(" · ") },
      classes: "confidence-" + e.confidence
    });
  });

  container.classList.add("enhanced");
  var cy = window.cytoscape({
    container: container,
    elements: elements,
    wheelSensitivity: 0.3,
    minZoom: 0.2,
    maxZoom: 3,
    style: [
      { selector: "node", style: {
        "background-color": "data(colour)", "shape": "data(shape)", "label": "data(label)",
        "width": 34, "height": 34, "font-size": 12, "color": "#1b1f24", "text-valign": "bottom",
        "text-margin-y": 6, "text-wrap": "wrap", "text-max-width": 150,
        "text-background-color": "#ffffff", "text-background-opacity": 0.85, "text-background-padding": 2,
        "border-width": 2, "border-color": "#ffffff"
      } },
      { selector: "node[root = 1]", style: { "width": 46, "height": 46, "font-weight": "bold" } },
      { selector: "node.flagged", style: { "border-width": 6, "border-color": "#b42318" } },
      { selector: "node:selected", style: { "overlay-color": "#f5a623", "overlay-opacity": 0.35, "overlay-padding": 6 } },
      { selector: "edge", style: {
        "width": 3, "line-color": "#24292f", "target-arrow-color": "#24292f", "target-arrow-shape": "triangle",
        "curve-style": "bezier", "label": "data(label)", "font-size": 10, "color": "#57606a",
        "text-background-color": "#ffffff", "text-background-opacity": 0.85,
        "text-background-padding": 1
      } },
      { selector: "edge.confidence-probable", style: { "line-style": "dashed" } },
      { selector: "edge.confidence-unproven", style: { "line-style": "dotted" } },
      { selector: "edge:selected", style: { "line-color": "#f5a623", "target-arrow-color": "#f5a623", "width": 5 } }
    ],
    layout: { name: "breadthfirst", directed: true, spacingFactor: 1.2, padding: 30, animate: false }
  });
  container.cytoscape = cy; // the drawn graph, for other scripts (and the browser tests)
  if (cy.zoom() > 1.5) {
    cy.zoom(1.5);
    cy.center();
  }

  function url(template, id) {
    return template.replace(/0\/$/, id + "/");
  }

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (className) { node.className = className; }
    return node;
  }

  function link(href, text) {
    var a = el("a", text);
    a.href = href;
    return a;
  }

  function facts(rows) {
    var dl = el("dl", null, "facts");
    rows.forEach(function (row) {
      if (row[1] === undefined || row[1] === null || row[1] === "") { return; }
      var div = el("div");
      div.appendChild(el("dt", row[0]));
      var dd = el("dd");
      if (typeof row[1] === "string" || typeof row[1] === "number") {
        dd.textContent = String(row[1]);
      } else {
        dd.appendChild(row[1]);
      }
      div.appendChild(dd);
      dl.appendChild(div);
    });
    return dl;
  }

  function fill(title, body) {
    panel.textContent = "";
    var heading = el("h2", title);
    heading.id = "panel-h";
    heading.tabIndex = -1;
    panel.appendChild(heading);
    body.forEach(function (child) { panel.appendChild(child); });
    return heading;
  }

  function showNode(id, focus) {
    var n = nodesById[id];
    if (!n) { return; }
    var roles = n.roles.map(function (r) { return roleStyle[r] ? roleStyle[r].label : r; }).join(", ");
    var rows = [
      ["Roles", roles || "–"],
      ["Country", n.country || "–"],
      ["Hops from the start", n.depth],
      ["Needs review", n.needs_review ? "yes (created by an import or an answer)" : ""]
    ];
    if (n.screening) {
      rows.push(["Screening", n.screening.flagged
        ? "⚠ " + n.screening.hits + " hit(s) on a watch list" : "no hit"]);
    }
    var actions = el("p");
    actions.appendChild(link(url(container.dataset.orgUrl, n.id), "Organisation page"));
    actions.appendChild(document.createTextNode(" · "));
    actions.appendChild(link(url(container.dataset.graphUrl, n.id), "Its own graph"));
    var heading = fill(n.name, [facts(rows), actions]);
    if (focus) { heading.focus(); }
  }

  function showEdge(id, focus) {
    var e = edgesById[id];
    if (!e) { return; }
    var part = null;
    if (e.part) { part = link(url(container.dataset.partUrl, e.part.id), e.part.mpn); }
    var dates = (e.start_date || "?") + (e.end_date ? " – " + e.end_date : "");
    var rows = [
      ["Seller", nodesById[e.seller] ? nodesById[e.seller].name : String(e.seller)],
      ["Buyer", nodesById[e.buyer] ? nodesById[e.buyer].name : String(e.buyer)],
      ["Part", part || "any part"],
      ["Lot", e.lot_code],
      ["Dates", dates],
      ["Evidence", styles.evidence[e.evidence_kind] || e.evidence_kind],
      ["Confidence", styles.confidence[e.confidence] || e.confidence],
      ["Source", e.source_reference]
    ];
    var heading = fill("Supply link " + e.id, [facts(rows)]);
    if (focus) { heading.focus(); }
  }

  cy.on("tap", "node", function (event) { showNode(event.target.data("ref"), false); });
  cy.on("tap", "edge", function (event) { showEdge(event.target.data("ref"), false); });

  function select(selector) {
    cy.elements().unselect();
    var target = cy.$(selector);
    target.select();
    cy.animate({ center: { eles: target }, duration: 200 });
  }

  document.querySelectorAll("[data-show-node]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var id = Number(button.dataset.showNode);
      select("#o" + id);
      showNode(id, true);
    });
  });
  document.querySelectorAll("[data-show-edge]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var id = Number(button.dataset.showEdge);
      select("#l" + id);
      showEdge(id, true);
    });
  });
})();
