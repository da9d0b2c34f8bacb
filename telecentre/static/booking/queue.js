/* The resident's queue page updates by itself: every few seconds it asks the JSON state of
   the resident's place in line and, when it changed, replaces the panel with the server's
   own rendering of it (translated, with its forms). Without JavaScript the page works the
   same with a reload. The panel is not replaced while the keyboard focus is inside it.
   When a computer is offered, the tab's title says so (seen from another tab). */
(function () {
  "use strict";
  var panel = document.getElementById("queue-panel");
  if (!panel || !window.fetch) {
    return;
  }
  var title = document.title;
  var seconds = Math.max(3, parseInt(panel.dataset.queueSeconds || "10", 10));

  function show(state) {
    if (state.version === panel.dataset.queueVersion) {
      return;
    }
    var focused = panel.contains(document.activeElement);
    if (focused && state.status === panel.dataset.queueStatus) {
      return;  // only the numbers moved and the resident may be about to press a button
    }
    panel.innerHTML = state.html;
    panel.dataset.queueStatus = state.status;
    if (focused) {
      var first = panel.querySelector("button");
      if (first) {
        first.focus();
      }
    }
    panel.dataset.queueVersion = state.version;
    document.title = state.status === "offered" ? panel.dataset.offerTitle + " · " + title : title;
    panel.dispatchEvent(new CustomEvent("queue:updated", {bubbles: true, detail: state}));
  }

  function poll() {
    if (document.hidden) {
      return Promise.resolve();
    }
    return fetch(panel.dataset.queueUrl, {credentials: "same-origin", redirect: "manual",
                                          headers: {"Accept": "application/json"}})
      .then(function (reply) {
        if (reply.type === "opaqueredirect" || reply.status === 401 || reply.status === 403) {
          window.location.reload();  // signed out: the page itself says what to do
          return null;
        }
        return reply.ok ? reply.json() : null;
      })
      .then(function (state) {
        if (state) {
          show(state);
        }
      })
      .catch(function () { /* offline for a moment: try again next time */ });
  }

  window.setInterval(poll, seconds * 1000);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      poll();
    }
  });
})();
