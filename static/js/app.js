/* Small helpers every page shares (no build step). htmx does the partial updates; this file
   only tells people when one of them failed, in a live region screen readers announce. */
(function () {
  "use strict";

  function announce(text) {
    var region = document.getElementById("live-errors");
    if (!region) {
      region = document.createElement("div");
      region.id = "live-errors";
      region.className = "message error";
      region.setAttribute("role", "alert");
      var main = document.getElementById("main");
      main.insertBefore(region, main.firstChild);
    }
    region.textContent = text;
  }

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : "";
    announce("The page could not update (" + status + "). Reload it, or sign in again.");
  });
  document.addEventListener("htmx:sendError", function () {
    announce("The server did not answer; check the connection and try again.");
  });
})();
