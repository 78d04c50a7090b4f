/* Curator imports: send the upload with XMLHttpRequest so a progress bar shows the bytes sent,
   then swap in the server's answer (the same panel the plain form post renders: the summary, the
   reject report, or the errors beside the fields). Without JavaScript the form posts normally. */
(function () {
  "use strict";

  function bind(panel) {
    var form = panel.querySelector("form[data-upload-progress]");
    if (!form) { return; }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var box = form.querySelector(".import-progress");
      var bar = box.querySelector("progress");
      var text = box.querySelector("[data-progress-text]");
      var button = form.querySelector("button[type=submit]");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      box.hidden = false;
      bar.value = 0;
      text.textContent = "0 %";
      button.disabled = true;
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { return; }
        var share = Math.round((e.loaded / e.total) * 100);
        bar.value = share;
        text.textContent = share + " %";
      });
      xhr.upload.addEventListener("load", function () {
        bar.value = 100;
        text.textContent = "Uploaded; importing…";
      });
      xhr.addEventListener("load", function () {
        if (xhr.status === 200 || xhr.status === 400) {
          var holder = document.createElement("div");
          holder.innerHTML = xhr.responseText;
          var fresh = holder.querySelector("[data-import-panel]");
          if (fresh) {
            panel.replaceWith(fresh);
            bind(fresh);
            var focus = fresh.querySelector("[data-result]") || fresh.querySelector(".has-error input, .error-summary");
            if (focus) {
              if (!focus.hasAttribute("tabindex") && focus.tagName !== "INPUT") { focus.tabIndex = -1; }
              focus.focus();
            }
            return;
          }
        }
        button.disabled = false;
        text.textContent = xhr.status === 413
          ? "The file is too large to upload."
          : "The import failed (" + xhr.status + "). Reload the page and try again.";
      });
      xhr.addEventListener("error", function () {
        button.disabled = false;
        text.textContent = "The server did not answer; check the connection and try again.";
      });
      xhr.send(new FormData(form));
    });
  }

  document.querySelectorAll("[data-import-panel]").forEach(bind);
})();
