// Charts of the platforms' evaluation (Chart.js, served from our static files).
(function () {
  "use strict";
  var palette = ["#264b5d", "#c62828", "#2e7d32", "#b26a00", "#6a1b9a", "#00838f", "#5d4037", "#455a64"];

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function bar(canvas, labels, label, values, color) {
    return new Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: [{ label: label, data: values, backgroundColor: color }] },
      options: { indexAxis: "y", animation: false, plugins: { legend: { display: true } } },
    });
  }

  function league() {
    var d = data("league-data");
    if (!d) return;
    var score = document.querySelector("[data-chart=league-score]");
    var share = document.querySelector("[data-chart=league-share]");
    if (score) bar(score, d.labels, score.getAttribute("aria-label"), d.score, palette[0]);
    if (share) bar(share, d.labels, share.getAttribute("aria-label") + " (%)", d.share, palette[5]);
  }

  function trend() {
    var d = data("trend-data");
    var box = document.getElementById("trend-charts");
    if (!d || !box) return;
    d.charts.forEach(function (chart) {
      var holder = document.createElement("div");
      var canvas = document.createElement("canvas");
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", chart.title);
      holder.appendChild(canvas);
      box.appendChild(holder);
      var datasets = Object.keys(chart.series).map(function (name, i) {
        var color = palette[i % palette.length];
        return { label: name, data: chart.series[name], borderColor: color, backgroundColor: color, spanGaps: true };
      });
      new Chart(canvas, {
        type: chart.kind,
        data: { labels: d.labels, datasets: datasets },
        options: { animation: false, plugins: { title: { display: true, text: chart.title } } },
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof Chart === "undefined") return;
    league();
    trend();
  });
})();
