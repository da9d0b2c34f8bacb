/* Live parts of a page: every element with data-live-url is refreshed from that URL
   every data-live-seconds seconds. Without JavaScript a plain reload shows the same.
   A part is not replaced while the keyboard focus is inside it (the attendant may be
   about to press a button there); a signed-out session reloads the page. */
(function () {
  "use strict";

  function refresh(el) {
    if (document.hidden || el.contains(document.activeElement)) {
      return Promise.resolve();
    }
    var headers = {"X-Requested-With": "fetch"};
    if (el.dataset.liveEtag) {
      headers["If-None-Match"] = el.dataset.liveEtag;  // 304, no body, while nothing changed
    }
    return fetch(el.dataset.liveUrl, {credentials: "same-origin", redirect: "manual",
                                       headers: headers})
      .then(function (reply) {
        if (reply.type === "opaqueredirect" || reply.status === 401 || reply.status === 403) {
          window.location.reload();
          return null;
        }
        if (reply.ok && reply.headers.get("ETag")) {
          el.dataset.liveEtag = reply.headers.get("ETag");
        }
        return reply.ok ? reply.text() : null;
      })
      .then(function (html) {
        if (html !== null && html !== el.dataset.liveLast && !el.contains(document.activeElement)) {
          el.innerHTML = html;
          el.dataset.liveLast = html;
          el.dispatchEvent(new CustomEvent("live:updated", {bubbles: true}));
        }
      })
      .catch(function () { /* the server is away for a moment: try again next time */ });
  }

  function start(el) {
    var seconds = Math.max(2, parseInt(el.dataset.liveSeconds || "5", 10));
    window.setInterval(function () { refresh(el); }, seconds * 1000);
  }

  document.querySelectorAll("[data-live-url]").forEach(start);
})();
