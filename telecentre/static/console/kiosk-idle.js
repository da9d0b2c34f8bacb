/* The public kiosk ("infomat"): after the site's idle time without a touch or a key,
   any page opened from the kiosk page goes back to it, signing out whoever signed in.
   The kiosk page (for visitors who are not signed in) switches this tab into kiosk
   mode; other browsers and tabs are never affected. */
(function () {
  "use strict";
  var KEY = "telecentre.kiosk";
  var marker = document.getElementById("kiosk");
  if (marker && marker.dataset.kioskHome) {
    window.sessionStorage.setItem(KEY, JSON.stringify({
      home: marker.dataset.kioskHome, leave: marker.dataset.kioskLeave,
      idle: parseInt(marker.dataset.kioskIdle || "120", 10)}));
  }
  var stored = window.sessionStorage.getItem(KEY);
  if (!stored) {
    return;
  }
  var kiosk = JSON.parse(stored);
  var timer = null;

  function goHome() {
    var token = document.querySelector("input[name=csrf_token]");
    if (window.location.pathname === kiosk.home && !document.querySelector("form[action$='/logout']")) {
      window.scrollTo(0, 0);
      arm();
      return;
    }
    if (!token) {
      window.location.assign(kiosk.home);
      return;
    }
    var form = document.createElement("form");
    form.method = "post";
    form.action = kiosk.leave;
    var field = document.createElement("input");
    field.type = "hidden";
    field.name = "csrf_token";
    field.value = token.value;
    form.appendChild(field);
    document.body.appendChild(form);
    form.submit();
  }

  function arm() {
    window.clearTimeout(timer);
    timer = window.setTimeout(goHome, Math.max(10, kiosk.idle) * 1000);
  }

  ["pointerdown", "keydown", "touchstart", "input", "wheel"].forEach(function (name) {
    document.addEventListener(name, arm, {passive: true});
  });
  arm();
})();
