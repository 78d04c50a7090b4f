/* Photo upload on a recovery page: drop files on the zone or choose them; each file goes in its
   own request to POST /api/v1/recoveries/{id}/photos/ (field `files`) with the CSRF token, with
   a progress bar; the per-file answer says "uploaded as photo N" (with possible duplicates) or
   why it was refused. When all are done, the photo grid reloads (htmx event "photos-uploaded").
   The zone is a plain multipart form that works without this script (the page's upload view,
   same batch service); the script takes it over: files go as soon as they are chosen, so its
   submit button is hidden. */
(function () {
  "use strict";
  var zone = document.querySelector(".dropzone[data-upload-url]");
  if (!zone) return;
  var input = zone.querySelector("input[type=file]");
  var caption = zone.querySelector("input[name=caption]");
  var submit = zone.querySelector("[type=submit]");
  if (submit) submit.hidden = true;
  zone.addEventListener("submit", function (event) {
    event.preventDefault();
    if (input.files.length) {
      add(input.files);
      input.value = "";
    }
  });
  var list = document.querySelector(".upload-list");
  var url = zone.getAttribute("data-upload-url");
  var maxBytes = Number(zone.getAttribute("data-max-bytes")) || 0;
  var viewerUrl = zone.getAttribute("data-viewer-url");
  var CONCURRENT = Number(zone.getAttribute("data-concurrency")) || 1;
  var queue = [];
  var running = 0;
  var createdSinceRefresh = 0;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (error) {
      var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
      return match ? decodeURIComponent(match[1]) : "";
    }
  }

  function photoUrl(id) {
    return viewerUrl.replace(/0\/$/, id + "/");
  }

  function megabytes(bytes) {
    return (bytes / 1048576).toFixed(1) + " MB";
  }

  function row(file) {
    var item = document.createElement("li");
    item.className = "upload";
    var name = document.createElement("span");
    name.className = "upload-name";
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", "Upload of " + file.name);
    var status = document.createElement("span");
    status.className = "upload-status";
    status.textContent = "waiting (" + megabytes(file.size) + ")";
    item.appendChild(name);
    item.appendChild(bar);
    item.appendChild(status);
    list.appendChild(item);
    return { item: item, bar: bar, status: status };
  }

  function refused(view, file, reason) {
    view.item.classList.add("refused");
    view.bar.value = 100;
    view.status.textContent = "refused: " + reason;
    view.status.setAttribute("role", "alert");
  }

  function link(href, text) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    return a;
  }

  function created(view, result) {
    view.item.classList.add("done");
    view.bar.value = 100;
    view.status.textContent = "";
    view.status.appendChild(document.createTextNode("uploaded as "));
    view.status.appendChild(link(photoUrl(result.id), "photo " + result.id));
    (result.duplicate_of || []).forEach(function (other) {
      var warning = document.createElement("span");
      warning.className = "warning";
      warning.appendChild(document.createTextNode(" — possible duplicate of "));
      warning.appendChild(link(photoUrl(other), "photo " + other));
      view.status.appendChild(warning);
    });
    createdSinceRefresh += 1;
  }

  function errorText(body, status) {
    if (!body) return "the server answered " + status;
    if (body.results && body.results.length) return body.results[0].reason || body.results[0].code;
    if (body.reason) return body.reason;
    if (body.detail) return typeof body.detail === "string" ? body.detail : (body.detail.reason || JSON.stringify(body.detail));
    if (body.files) return [].concat(body.files).join(" ");
    return "the server answered " + status;
  }

  function send(job) {
    running += 1;
    job.view.status.textContent = "uploading…";
    var data = new FormData();
    data.append("files", job.file, job.file.name);
    if (caption && caption.value.trim()) data.append("caption", caption.value.trim());
    var xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) job.view.bar.value = Math.round((event.loaded / event.total) * 100);
    });
    xhr.addEventListener("load", function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (error) { body = null; }
      var result = body && body.results && body.results[0];
      if (xhr.status < 300 && result && result.status === "created") {
        created(job.view, result);
      } else {
        refused(job.view, job.file, errorText(body, xhr.status));
      }
      finish();
    });
    xhr.addEventListener("error", function () {
      refused(job.view, job.file, "the connection failed; try again");
      finish();
    });
    xhr.send(data);
  }

  function finish() {
    running -= 1;
    pump();
    if (running === 0 && queue.length === 0 && createdSinceRefresh) {
      createdSinceRefresh = 0;
      if (window.htmx) window.htmx.trigger(document.body, "photos-uploaded");
    }
  }

  function pump() {
    while (running < CONCURRENT && queue.length) send(queue.shift());
  }

  function add(files) {
    Array.prototype.forEach.call(files, function (file) {
      var view = row(file);
      if (maxBytes && file.size > maxBytes) {
        refused(view, file, "larger than " + megabytes(maxBytes) + "; nothing was sent");
        return;
      }
      queue.push({ file: file, view: view });
    });
    pump();
  }

  input.addEventListener("change", function () {
    add(input.files);
    input.value = "";
  });
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      event.preventDefault();
      zone.classList.add("over");
    });
  });
  ["dragleave", "dragend"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    zone.classList.remove("over");
    if (event.dataTransfer && event.dataTransfer.files.length) add(event.dataTransfer.files);
  });
  // Files chosen before this script ran (a page still loading) go now, as if chosen just now.
  if (input.files.length) {
    add(input.files);
    input.value = "";
  }
})();
