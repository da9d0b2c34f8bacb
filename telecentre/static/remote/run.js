// Live progress of a remote run: poll the API until the run has finished.
(function () {
  "use strict";
  var table = document.getElementById("run-hosts");
  var status = document.getElementById("run-status");
  if (!table || !status || status.dataset.status === "finished") { return; }
  // The codes the API gives, in the reader's language (the page lists them).
  var labels = JSON.parse(table.dataset.labels || "{}");
  var messages = JSON.parse(table.dataset.messages || "{}");
  function label(code) { return labels[code] || code; }
  var progress = document.getElementById("run-progress");
  var texts = progress ? JSON.parse(progress.dataset.texts || "[]") : [];
  function update(run) {
    status.textContent = label(run.status);
    var finished = run.hosts.filter(function (h) {
      return h.status !== "queued" && h.status !== "running";
    }).length;
    if (progress && texts[finished]) { progress.textContent = texts[finished]; }
    run.hosts.forEach(function (host) {
      var row = table.querySelector('tr[data-host="' + host.id + '"]');
      if (!row) { return; }
      row.querySelector(".address").textContent = host.address || "–";
      row.querySelector(".status").textContent = label(host.status);
      row.querySelector(".exit").textContent = host.exit_code === null ? "–" : host.exit_code;
      row.querySelector(".output").textContent =
        host.output_tail + (host.error ? "\n" + (messages[host.status] || host.error) : "");
    });
    return run.status !== "finished";
  }
  function poll() {
    fetch(table.dataset.poll, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (reply) { return reply.ok ? reply.json() : null; })
      .then(function (run) { if (run && update(run)) { setTimeout(poll, 1000); } })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
}());
