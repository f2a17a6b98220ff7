"""The page's only script: step through the backward pass on the inline expression graph.

Reads the steps from ``<script type="application/json" id="steps-data">`` (written by
:mod:`viz.report.expression`), then on previous/next, the slider, the arrow keys or a
click in the step list: highlights the node being processed and the parent receiving the
gradient (matching Graphviz's ``<title>`` of each node and edge), and shows the chain-rule
product ``upstream × local = contribution``. Without a drawing (``"graph": null``, no renderer
when the page was built) it steps the same way and highlights only the step list's row.
Plain ES5-style JavaScript, no libraries.
"""

STEPPER_JS = r"""
(function () {
  "use strict";
  var data = document.getElementById("steps-data");
  var root = document.getElementById("stepper");
  if (!data || !root) { return; }
  var spec = JSON.parse(data.textContent);
  var steps = spec.steps;
  var graph = spec.graph ? document.getElementById(spec.graph) : null;  // null: no drawing, text only
  var slider = document.getElementById("step-slider");
  var prev = document.getElementById("step-prev");
  var next = document.getElementById("step-next");
  var counter = document.getElementById("step-counter");
  var product = document.getElementById("step-product");
  var explain = document.getElementById("step-explain");
  var list = document.getElementById("step-list");
  var byTitle = {};
  if (graph) {
    var groups = graph.querySelectorAll("g.node, g.edge");
    for (var i = 0; i < groups.length; i++) {
      var t = groups[i].querySelector("title");
      if (t) { byTitle[t.textContent.trim()] = groups[i]; }
    }
  }
  var classes = ["hl-node", "hl-parent", "hl-edge"];
  function clear() {
    for (var c = 0; c < classes.length; c++) {
      var marked = graph ? graph.querySelectorAll("." + classes[c]) : [];
      for (var k = 0; k < marked.length; k++) { marked[k].classList.remove(classes[c]); }
    }
  }
  function mark(title, cls) {
    var g = byTitle[title];
    if (g) { g.classList.add(cls); }
    return g;
  }
  function reveal(g) {
    // scroll the figure box (not the page) so the highlighted node is in view
    if (!g || !graph || !g.getBoundingClientRect) { return; }
    var box = graph.getBoundingClientRect(), r = g.getBoundingClientRect();
    if (r.left < box.left || r.right > box.right) {
      graph.scrollLeft += (r.left + r.width / 2) - (box.left + box.width / 2);
    }
    if (r.top < box.top || r.bottom > box.bottom) {
      graph.scrollTop += (r.top + r.height / 2) - (box.top + box.height / 2);
    }
  }
  function fmt(x) {
    if (x === 0) { return "0"; }
    var a = Math.abs(x);
    if (a >= 1e-4 && a < 1e6) { return String(parseFloat(x.toPrecision(6))); }
    return x.toExponential(5);
  }
  function show(index) {
    if (!steps.length) { return; }
    index = Math.max(0, Math.min(steps.length - 1, index));
    var s = steps[index];
    root.setAttribute("data-step", String(index + 1));
    clear();
    var focus = mark(s.node, "hl-node");
    mark(s.op_node, "hl-node");
    mark(s.parent, "hl-parent");
    reveal(focus);
    mark(s.edge, "hl-edge");
    slider.value = String(index + 1);
    counter.textContent = "step " + (index + 1) + " of " + steps.length;
    product.textContent = fmt(s.upstream) + " \u00d7 " + fmt(s.local) + " = " + fmt(s.contribution);
    explain.textContent = "[" + s.op + "] " + s.node_label + " \u2192 " + s.parent_label +
      ": \u2202out/\u2202" + s.node_label + " (upstream) \u00d7 \u2202" + s.node_label + "/\u2202" + s.parent_label +
      " (local) is added to " + s.parent_label + ".grad, which becomes " + fmt(s.parent_grad) + ".";
    prev.disabled = index === 0;
    next.disabled = index === steps.length - 1;
    if (list) {
      var rows = list.querySelectorAll("tbody tr");
      for (var r = 0; r < rows.length; r++) { rows[r].classList.toggle("current", r === index); }
    }
  }
  function current() { return parseInt(root.getAttribute("data-step") || "1", 10) - 1; }
  prev.addEventListener("click", function () { show(current() - 1); });
  next.addEventListener("click", function () { show(current() + 1); });
  slider.addEventListener("input", function () { show(parseInt(slider.value, 10) - 1); });
  root.addEventListener("keydown", function (e) {
    if (e.target === slider) { return; }  // the slider moves itself and fires "input"
    if (e.key === "ArrowLeft") { show(current() - 1); e.preventDefault(); }
    if (e.key === "ArrowRight") { show(current() + 1); e.preventDefault(); }
  });
  if (list) {
    var rows = list.querySelectorAll("tbody tr");
    for (var r = 0; r < rows.length; r++) {
      (function (n) { rows[n].addEventListener("click", function () { show(n); }); })(r);
    }
  }
  show(0);
})();
"""
