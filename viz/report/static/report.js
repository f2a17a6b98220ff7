/* The autonode report's script, inlined into index.html by viz.report.page (plain JavaScript, no libraries).
 *
 * 1. Drawings: every <div class="figure zoomable"> shows its whole SVG scaled to the box; the buttons
 *    (+, −, fit), ctrl + mouse wheel or a trackpad/touch pinch zoom, dragging pans, and "open full size"
 *    opens the drawing alone in a new tab (a blob: URL made here, so the page needs no other file).
 * 2. The backward-pass stepper: reads <script type="application/json" id="steps-data">, shows the pass
 *    after k chain-rule steps (k = 0: only the output's gradient set): every node's gradient as it
 *    stands, the node being processed and the input receiving the contribution highlighted, and the
 *    step's arithmetic. Without a drawing ("graph": null) it steps the text and the step list only.
 */
(function () {
  "use strict";

  // ------------------------------------------------------------------ drawings --
  var viewers = {};

  function Viewer(box) {
    var svg = box.querySelector("svg");
    if (!svg) { return; }
    var vb = svg.viewBox && svg.viewBox.baseVal;
    var w = vb && vb.width ? vb.width : parseFloat(svg.getAttribute("width")) || 100;
    var h = vb && vb.height ? vb.height : parseFloat(svg.getAttribute("height")) || 100;
    var x0 = vb && vb.width ? vb.x : 0, y0 = vb && vb.width ? vb.y : 0;
    var source = new XMLSerializer().serializeToString(svg);
    svg.setAttribute("viewBox", x0 + " " + y0 + " " + w + " " + h);
    svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    var self = this;
    this.box = box; this.svg = svg; this.zoom = 1; this.cx = x0 + w / 2; this.cy = y0 + h / 2;
    this.full = { x: x0, y: y0, w: w, h: h };
    var tools = box.parentNode.querySelector(".zoom-tools[data-for='" + box.id + "']");
    this.level = tools ? tools.querySelector(".zoom-level") : null;
    if (tools) {
      tools.addEventListener("click", function (e) {
        var action = e.target.getAttribute && e.target.getAttribute("data-zoom");
        if (action === "in") { self.set(self.zoom * 1.5); }
        if (action === "out") { self.set(self.zoom / 1.5); }
        if (action === "fit") { self.set(1, self.full.x + self.full.w / 2, self.full.y + self.full.h / 2); }
      });
      var link = tools.querySelector("a.full-size");
      if (link && window.Blob && window.URL && URL.createObjectURL) {
        link.href = URL.createObjectURL(new Blob([source], { type: "image/svg+xml" }));
      }
    }
    box.addEventListener("wheel", function (e) {
      if (!e.ctrlKey && !box.classList.contains("zoomed")) { return; }  // plain wheel scrolls the page
      e.preventDefault();
      var p = self.point(e.clientX, e.clientY);
      self.set(self.zoom * Math.pow(1.0015, -e.deltaY), p.x, p.y, e.clientX, e.clientY);
    }, { passive: false });
    var pointers = {}, lastDistance = 0;
    box.addEventListener("pointerdown", function (e) {
      pointers[e.pointerId] = { x: e.clientX, y: e.clientY };
      if (box.setPointerCapture) { box.setPointerCapture(e.pointerId); }
      box.classList.add("dragging");
      lastDistance = 0;
    });
    box.addEventListener("pointermove", function (e) {
      var previous = pointers[e.pointerId];
      if (!previous) { return; }
      pointers[e.pointerId] = { x: e.clientX, y: e.clientY };
      var ids = Object.keys(pointers);
      if (ids.length === 2) {  // pinch
        var a = pointers[ids[0]], b = pointers[ids[1]];
        var distance = Math.hypot(a.x - b.x, a.y - b.y);
        if (lastDistance) {
          var mx = (a.x + b.x) / 2, my = (a.y + b.y) / 2, p = self.point(mx, my);
          self.set(self.zoom * distance / lastDistance, p.x, p.y, mx, my);
        }
        lastDistance = distance;
      } else if (ids.length === 1 && self.zoom > 1) {  // drag to pan
        var scale = self.unitsPerPixel();
        self.set(self.zoom, self.cx - (e.clientX - previous.x) * scale, self.cy - (e.clientY - previous.y) * scale);
      }
    });
    function release(e) {
      delete pointers[e.pointerId];
      if (!Object.keys(pointers).length) { box.classList.remove("dragging"); }
      lastDistance = 0;
    }
    box.addEventListener("pointerup", release);
    box.addEventListener("pointercancel", release);
    this.set(1);
  }

  Viewer.prototype.unitsPerPixel = function () {
    var r = this.svg.getBoundingClientRect();
    var visibleW = this.full.w / this.zoom, visibleH = this.full.h / this.zoom;
    return Math.max(visibleW / Math.max(r.width, 1), visibleH / Math.max(r.height, 1));
  };

  Viewer.prototype.point = function (clientX, clientY) {
    // the drawing's coordinates under a screen point (meet: centred, one scale for both axes)
    var r = this.svg.getBoundingClientRect(), scale = this.unitsPerPixel();
    return { x: this.cx + (clientX - (r.left + r.width / 2)) * scale, y: this.cy + (clientY - (r.top + r.height / 2)) * scale };
  };

  Viewer.prototype.set = function (zoom, cx, cy, clientX, clientY) {
    var f = this.full;
    zoom = Math.max(1, Math.min(40, zoom));
    if (cx === undefined) { cx = this.cx; cy = this.cy; }
    if (clientX !== undefined) {  // keep the drawing's point under the pointer where it is
      var r = this.svg.getBoundingClientRect();
      var before = this.unitsPerPixel(), after = before * this.zoom / zoom;
      var dx = clientX - (r.left + r.width / 2), dy = clientY - (r.top + r.height / 2);
      cx = this.cx + dx * before - dx * after;
      cy = this.cy + dy * before - dy * after;
    }
    var w = f.w / zoom, h = f.h / zoom;
    cx = Math.max(f.x + w / 2, Math.min(f.x + f.w - w / 2, cx));
    cy = Math.max(f.y + h / 2, Math.min(f.y + f.h - h / 2, cy));
    this.zoom = zoom; this.cx = cx; this.cy = cy;
    this.svg.setAttribute("viewBox", (cx - w / 2) + " " + (cy - h / 2) + " " + w + " " + h);
    this.box.classList.toggle("zoomed", zoom > 1.0001);
    this.box.setAttribute("data-zoom", zoom.toFixed(3));
    if (this.level) { this.level.textContent = Math.round(zoom * 100) + "%"; }
  };

  Viewer.prototype.reveal = function (element) {
    // when zoomed in, pan so that ``element`` (a node of the drawing) is in view
    if (!element || this.zoom <= 1.0001) { return; }
    var box = this.svg.getBoundingClientRect(), r = element.getBoundingClientRect();
    if (r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom) { return; }
    var scale = this.unitsPerPixel();
    this.set(this.zoom, this.cx + (r.left + r.width / 2 - (box.left + box.width / 2)) * scale,
             this.cy + (r.top + r.height / 2 - (box.top + box.height / 2)) * scale);
  };

  var boxes = document.querySelectorAll(".figure.zoomable");
  for (var b = 0; b < boxes.length; b++) {
    viewers[boxes[b].id] = new Viewer(boxes[b]);
  }

  // ------------------------------------------------------------------ stepper --
  var data = document.getElementById("steps-data");
  var root = document.getElementById("stepper");
  if (!data || !root) { return; }
  var spec = JSON.parse(data.textContent);
  var states = [spec.start].concat(spec.steps);  // position k: after k chain-rule steps
  var graph = spec.graph ? document.getElementById(spec.graph) : null;  // null: no drawing, text only
  var viewer = spec.graph ? viewers[spec.graph] : null;
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
  var gradText = {}, fillShape = {};
  for (var n = 0; n < spec.order.length; n++) {
    var g = byTitle[spec.order[n]];
    if (!g) { continue; }
    var texts = g.querySelectorAll("text");
    for (var k = 0; k < texts.length; k++) {
      if (texts[k].textContent.trim().indexOf("grad ") === 0) { gradText[spec.order[n]] = texts[k]; }
    }
    fillShape[spec.order[n]] = g.querySelector("polygon, path, ellipse");
  }
  var classes = ["hl-node", "hl-parent", "hl-edge", "grad-new"];
  function clear() {
    for (var c = 0; c < classes.length; c++) {
      var marked = graph ? graph.querySelectorAll("." + classes[c]) : [];
      for (var m = 0; m < marked.length; m++) { marked[m].classList.remove(classes[c]); }
    }
  }
  function mark(title, cls) {
    var el = byTitle[title];
    if (el) { el.classList.add(cls); }
    return el;
  }
  function fmt(x, digits) {
    // like Python's format(x, ".{digits}g")
    if (x === 0) { return "0"; }
    var a = Math.abs(x);
    if (a >= 1e-4 && a < Math.pow(10, digits)) { return String(parseFloat(x.toPrecision(digits))); }
    var parts = x.toExponential(digits - 1).split("e");
    var mantissa = parts[0].indexOf(".") >= 0 ? parts[0].replace(/0+$/, "").replace(/\.$/, "") : parts[0];
    var exponent = parseInt(parts[1], 10), size = Math.abs(exponent);
    return mantissa + "e" + (exponent < 0 ? "-" : "+") + (size < 10 ? "0" : "") + size;
  }
  function factor(x) {
    var text = fmt(x, 6);
    return x < 0 ? "(" + text + ")" : text;
  }
  function show(index) {
    index = Math.max(0, Math.min(states.length - 1, index));
    var s = states[index];
    root.setAttribute("data-step", String(index));
    clear();
    for (var q = 0; q < spec.order.length; q++) {
      var name = spec.order[q];
      if (gradText[name]) { gradText[name].textContent = "grad " + fmt(s.grads[q], 4); }
      if (fillShape[name] && s.fills) { fillShape[name].setAttribute("fill", s.fills[q]); }
    }
    slider.value = String(index);
    prev.disabled = index === 0;
    next.disabled = index === states.length - 1;
    if (index === 0) {
      counter.textContent = "start (step 0 of " + spec.steps.length + ")";
      product.textContent = "\u2202" + spec.root + "/\u2202" + spec.root + " = 1";
      explain.textContent = s.text;
      var start = mark(spec.order[spec.order.length - 1], "hl-node");  // the output, where the pass starts
      if (start) { start.classList.add("grad-new"); }
    } else {
      var focus = mark(s.node, "hl-node");
      mark(s.op_node, "hl-node");
      var target = mark(s.parent, "hl-parent");
      if (target) { target.classList.add("grad-new"); }
      mark(s.edge, "hl-edge");
      if (viewer) { viewer.reveal(focus); }
      counter.textContent = "step " + index + " of " + spec.steps.length;
      product.textContent = "\u2202" + spec.root + "/\u2202" + s.node_name + " \u00b7 \u2202" + s.node_name +
        "/\u2202" + s.parent_name + " = " + factor(s.upstream) + " \u00b7 " + factor(s.local) + " = " +
        fmt(s.contribution, 6);
      explain.textContent = "[" + s.op + "] " + s.node_label + " \u2192 " + s.parent_label + ": the product is " +
        "added to \u2202" + spec.root + "/\u2202" + s.parent_name + ", which becomes " + fmt(s.parent_grad, 6) + ".";
    }
    if (list) {
      var rows = list.querySelectorAll("tbody tr");
      for (var r = 0; r < rows.length; r++) { rows[r].classList.toggle("current", r === index - 1); }
    }
  }
  function current() { return parseInt(root.getAttribute("data-step") || "0", 10); }
  prev.addEventListener("click", function () { show(current() - 1); });
  next.addEventListener("click", function () { show(current() + 1); });
  slider.addEventListener("input", function () { show(parseInt(slider.value, 10)); });
  root.addEventListener("keydown", function (e) {
    if (e.target === slider) { return; }  // the slider moves itself and fires "input"
    if (e.key === "ArrowLeft") { show(current() - 1); e.preventDefault(); }
    if (e.key === "ArrowRight") { show(current() + 1); e.preventDefault(); }
  });
  if (list) {
    var stepRows = list.querySelectorAll("tbody tr");
    for (var s2 = 0; s2 < stepRows.length; s2++) {
      (function (number) { stepRows[number].addEventListener("click", function () { show(number + 1); }); })(s2);
    }
  }
  show(0);
})();
