/* Photo viewer: zoom (wheel, buttons, + - 0 1 keys), pan (drag, arrow keys), and drawing a box
   around a component (mouse or touch drag, after "Draw a box" or B) to start a finding from it.
   The box is sent as fractions of the upright image (left,top,right,bottom); the server turns it
   into pixels of the original (forensics/crops.py), whatever the photo's EXIF orientation. */
(function () {
  "use strict";
  var root = document.querySelector("[data-viewer]");
  if (!root) return;
  var viewport = root.querySelector(".viewport");
  var stage = root.querySelector("[data-stage]");
  var image = root.querySelector("[data-image]");
  var level = root.querySelector("[data-zoom-level]");
  var modeButton = root.querySelector("[data-mode=box]");
  var drawn = root.querySelector("[data-draw-box]");
  var form = root.querySelector("[data-box-form]");
  var uprightWidth = Number(root.getAttribute("data-upright-width")) || 0;
  var uprightHeight = Number(root.getAttribute("data-upright-height")) || 0;

  var scale = 1, x = 0, y = 0, minScale = 0.05, maxScale = 8;
  var boxMode = false, drag = null;

  function apply() {
    stage.style.transform = "translate(" + x + "px," + y + "px) scale(" + scale + ")";
    if (level) level.textContent = Math.round(scale * 100) + " %";
  }

  function fitScale() {
    var w = image.naturalWidth || 1, h = image.naturalHeight || 1;
    return Math.min(viewport.clientWidth / w, viewport.clientHeight / h);
  }

  function fit() {
    scale = fitScale();
    x = (viewport.clientWidth - image.naturalWidth * scale) / 2;
    y = (viewport.clientHeight - image.naturalHeight * scale) / 2;
    apply();
  }

  function zoomAt(factor, cx, cy) {
    var next = Math.min(maxScale, Math.max(Math.min(minScale, fitScale()), scale * factor));
    x = cx - (cx - x) * (next / scale);
    y = cy - (cy - y) * (next / scale);
    scale = next;
    apply();
  }

  function zoomCentre(factor) {
    zoomAt(factor, viewport.clientWidth / 2, viewport.clientHeight / 2);
  }

  function setBoxMode(on) {
    boxMode = on;
    root.classList.toggle("box-mode", on);
    if (modeButton) modeButton.setAttribute("aria-pressed", on ? "true" : "false");
  }

  /* A pointer position as fractions of the (transformed) image, clamped to it. */
  function fraction(event) {
    var rect = image.getBoundingClientRect();
    return {
      u: Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width)),
      v: Math.min(1, Math.max(0, (event.clientY - rect.top) / rect.height))
    };
  }

  function showBox(a, b) {
    var left = Math.min(a.u, b.u), top = Math.min(a.v, b.v);
    var width = Math.abs(a.u - b.u), height = Math.abs(a.v - b.v);
    drawn.hidden = false;
    drawn.style.left = left * 100 + "%";
    drawn.style.top = top * 100 + "%";
    drawn.style.width = width * 100 + "%";
    drawn.style.height = height * 100 + "%";
    return { left: left, top: top, right: left + width, bottom: top + height };
  }

  function offerBox(box) {
    if (!form) return;
    var tiny = (box.right - box.left) * uprightWidth < 4 || (box.bottom - box.top) * uprightHeight < 4;
    if (tiny) {
      clearBox();
      return;
    }
    form.querySelector("[data-box-input]").value = [box.left, box.top, box.right, box.bottom]
      .map(function (n) { return n.toFixed(5); }).join(",");
    form.querySelector("[data-box-size]").textContent =
      Math.round((box.right - box.left) * uprightWidth) + " × " +
      Math.round((box.bottom - box.top) * uprightHeight) + " px";
    form.hidden = false;
  }

  function clearBox() {
    drawn.hidden = true;
    if (form) form.hidden = true;
  }

  viewport.addEventListener("wheel", function (event) {
    event.preventDefault();
    var rect = viewport.getBoundingClientRect();
    zoomAt(event.deltaY < 0 ? 1.15 : 1 / 1.15, event.clientX - rect.left, event.clientY - rect.top);
  }, { passive: false });

  viewport.addEventListener("pointerdown", function (event) {
    if (event.button !== 0) return;
    if (event.target.closest && event.target.closest(".finding-box") && !boxMode) return;
    viewport.setPointerCapture(event.pointerId);
    if (boxMode) {
      drag = { kind: "box", start: fraction(event) };
      showBox(drag.start, drag.start);
      if (form) form.hidden = true;
    } else {
      drag = { kind: "pan", sx: event.clientX - x, sy: event.clientY - y };
      viewport.classList.add("panning");
    }
    event.preventDefault();
  });

  viewport.addEventListener("pointermove", function (event) {
    if (!drag) return;
    if (drag.kind === "box") {
      drag.box = showBox(drag.start, fraction(event));
    } else {
      x = event.clientX - drag.sx;
      y = event.clientY - drag.sy;
      apply();
    }
  });

  function endDrag(event) {
    if (!drag) return;
    if (drag.kind === "box") offerBox(drag.box || showBox(drag.start, fraction(event)));
    viewport.classList.remove("panning");
    drag = null;
  }
  viewport.addEventListener("pointerup", endDrag);
  viewport.addEventListener("pointercancel", endDrag);

  viewport.addEventListener("keydown", function (event) {
    var step = 40;
    switch (event.key) {
      case "+": case "=": zoomCentre(1.25); break;
      case "-": case "_": zoomCentre(1 / 1.25); break;
      case "0": fit(); break;
      case "1": zoomCentre(1 / scale); break;
      case "ArrowLeft": x += step; apply(); break;
      case "ArrowRight": x -= step; apply(); break;
      case "ArrowUp": y += step; apply(); break;
      case "ArrowDown": y -= step; apply(); break;
      case "b": case "B": if (modeButton) setBoxMode(!boxMode); break;
      case "Escape": setBoxMode(false); clearBox(); break;
      default: return;
    }
    event.preventDefault();
  });

  root.querySelectorAll("[data-zoom]").forEach(function (button) {
    button.addEventListener("click", function () {
      var what = button.getAttribute("data-zoom");
      if (what === "in") zoomCentre(1.25);
      else if (what === "out") zoomCentre(1 / 1.25);
      else if (what === "fit") fit();
      else zoomCentre(1 / scale);
    });
  });
  if (modeButton) modeButton.addEventListener("click", function () { setBoxMode(!boxMode); viewport.focus(); });
  var clear = root.querySelector("[data-box-clear]");
  if (clear) clear.addEventListener("click", clearBox);

  function ready() {
    stage.style.width = image.naturalWidth + "px";
    stage.style.height = image.naturalHeight + "px";
    root.classList.add("enhanced");
    fit();
  }
  if (image.complete && image.naturalWidth) ready();
  else image.addEventListener("load", ready);
  window.addEventListener("resize", function () { if (root.classList.contains("enhanced")) fit(); });
})();
