/* Live parts of a page: every element with data-live-url is refreshed from that URL
   every data-live-seconds seconds. Without JavaScript a plain reload shows the same.
   A part is not replaced while the keyboard focus is inside it (the attendant may be
   about to press a button there); a signed-out session reloads the page.
   A part holding a list marked data-live-tiles says which versions of its tiles it has
   (each tile's data-v); the server then answers with only what changed (X-Live-Diff:
   <template data-replace="id"> elements, each put in place of the element with that id). */
(function () {
  "use strict";

  var MAX_HELD = 6000;  // characters: above this, ask for the whole part (header limits)

  function held(el) {
    var list = el.querySelector("[data-live-tiles]");
    if (!list || el.dataset.liveFull) {
      delete el.dataset.liveFull;
      return "";
    }
    var pairs = [];
    list.querySelectorAll(":scope > [data-v]").forEach(function (tile) {
      pairs.push(tile.id.replace(/^seat-/, "") + ":" + tile.dataset.v);
    });
    var text = pairs.join(",");
    return text.length <= MAX_HELD ? text : "";
  }

  function applyChanges(el, html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var complete = true;
    doc.querySelectorAll("template[data-replace]").forEach(function (part) {
      var old = document.getElementById(part.dataset.replace);
      if (old && el.contains(old)) {
        old.replaceWith(document.importNode(part.content, true));
      } else {
        complete = false;
      }
    });
    return complete;
  }

  function refresh(el) {
    if (document.hidden || el.contains(document.activeElement)) {
      return Promise.resolve();
    }
    var headers = {"X-Requested-With": "fetch"};
    if (el.dataset.liveEtag) {
      headers["If-None-Match"] = el.dataset.liveEtag;  // 304, no body, while nothing changed
    }
    var tiles = held(el);
    if (tiles) {
      headers["X-Live-Tiles"] = tiles;
    }
    var diff = false;
    return fetch(el.dataset.liveUrl, {credentials: "same-origin", redirect: "manual",
                                       headers: headers})
      .then(function (reply) {
        if (reply.type === "opaqueredirect" || reply.status === 401 || reply.status === 403) {
          window.location.reload();
          return null;
        }
        diff = reply.headers.get("X-Live-Diff") === "1";
        if (reply.ok && reply.headers.get("ETag")) {
          el.dataset.liveEtag = reply.headers.get("ETag");
        }
        return reply.ok ? reply.text() : null;
      })
      .then(function (html) {
        if (html === null || el.contains(document.activeElement)) {
          return;
        }
        if (diff) {
          if (!applyChanges(el, html)) {
            el.dataset.liveFull = "1";  // something was missing: the whole part next time
            delete el.dataset.liveEtag;
          }
          el.dispatchEvent(new CustomEvent("live:updated", {bubbles: true}));
        } else if (html !== el.dataset.liveLast) {
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
