// The open-data page's charts (/data/); data from the json_script blocks the page writes,
// each chart beside the table that holds the same figures. Chart.js from our own static files.
(function () {
  "use strict";
  var palette = ["#0b3c7d", "#f28c00", "#2e7d32", "#c62828", "#6a1b9a", "#00838f", "#5d4037", "#455a64"];

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function draw(canvas, type, labels, series, horizontal) {
    new Chart(canvas, {
      type: type,
      data: {
        labels: labels,
        datasets: series.map(function (s, i) {
          var color = palette[i % palette.length];
          return { label: s.label, data: s.data, borderColor: color, backgroundColor: color, spanGaps: false };
        }),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: horizontal ? "y" : "x",
        plugins: { legend: { display: series.length > 1, position: "bottom" } },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof Chart === "undefined") return;
    var charts = data("opendata-charts") || {};
    document.querySelectorAll("[data-od-chart]").forEach(function (canvas) {
      var chart = charts[canvas.getAttribute("data-od-chart")];
      if (chart) draw(canvas, chart.type, chart.labels, chart.series, chart.horizontal);
    });
    var trend = data("opendata-trend");
    var canvas = document.querySelector("[data-od-trend]");
    if (trend && trend.length && canvas) {
      var titles = data("opendata-trend-titles") || [];
      draw(canvas, "line", trend.map(function (p) { return p.date; }), titles.map(function (pair) {
        var k = pair[0];
        return { label: pair[1], data: trend.map(function (p) { return typeof p[k] === "number" ? p[k] : null; }) };
      }), false);
    }
  });
})();
