/* Draws each chart of the statistics pages from the data table beside it.
   The table is the accessible source: the chart only repeats what it says.
   Columns marked data-series are drawn; cells carry raw numbers in data-value. */
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") { return; }
  var colours = ["#0b5394", "#c0504d", "#1e6b34", "#8a5300", "#5b2c83"];
  document.querySelectorAll("table[data-chart]").forEach(function (table) {
    var canvas = document.getElementById(table.dataset.canvas);
    if (!canvas) { return; }
    var heads = Array.prototype.slice.call(table.querySelectorAll("thead th"));
    var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
    var labels = rows.map(function (row) { return row.querySelector("th").textContent.trim(); });
    var datasets = [];
    heads.forEach(function (head, index) {
      if (index === 0 || !head.hasAttribute("data-series")) { return; }
      var colour = colours[datasets.length % colours.length];
      datasets.push({
        label: head.textContent.trim(),
        data: rows.map(function (row) {
          var cell = row.children[index];
          var value = cell ? cell.getAttribute("data-value") : "";
          return value === "" || value === null ? null : Number(value);
        }),
        backgroundColor: colour, borderColor: colour, borderWidth: 2, pointRadius: 0,
        yAxisID: datasets.length === 0 ? "y" : "y1"
      });
    });
    new window.Chart(canvas, {
      type: table.dataset.chart,
      data: { labels: labels, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, position: "left" },
                  y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } } }
      }
    });
  });
}());
