// The programme dashboard's charts (admin home); data from json_script blocks written by
// the section templates. Chart.js is served from our own static files.
(function () {
  "use strict";
  var palette = ["#264b5d", "#c62828", "#2e7d32", "#b26a00", "#6a1b9a", "#00838f", "#5d4037", "#455a64"];

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function draw(name, config) {
    var canvas = document.querySelector("[data-dash-chart=" + name + "]");
    if (!canvas) return;
    config.options = Object.assign({ animation: false, maintainAspectRatio: false }, config.options || {});
    config.options.plugins = Object.assign(
      { title: { display: true, text: canvas.getAttribute("aria-label") } },
      config.options.plugins || {}
    );
    new Chart(canvas, config);
  }

  function lines(series, labels) {
    return {
      labels: labels,
      datasets: Object.keys(series).map(function (name, i) {
        var color = palette[i % palette.length];
        return { label: name, data: series[name], borderColor: color, backgroundColor: color, pointRadius: 0 };
      }),
    };
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof Chart === "undefined") return;
    var funnel = data("dash-funnel-data");
    if (funnel) {
      draw("funnel", {
        type: "bar",
        data: { labels: funnel.stages, datasets: [{ label: "", data: funnel.total, backgroundColor: palette[0] }] },
        options: { indexAxis: "y", plugins: { legend: { display: false } } },
      });
      var waves = funnel.waves.slice(0, 12).reverse();
      draw("waves", {
        type: "bar",
        data: {
          labels: waves.map(function (w) { return w.number; }),
          datasets: [{ label: "%", data: waves.map(function (w) { return w.quota_use; }), backgroundColor: palette[2] }],
        },
        options: { plugins: { legend: { display: false } }, scales: { y: { min: 0, max: 100 } } },
      });
    }
    var purchases = data("dash-purchases-data");
    if (purchases) {
      draw("purchases", { type: "line", data: lines(purchases.purchases, purchases.days) });
      draw("completions", { type: "line", data: lines(purchases.completions, purchases.days) });
    }
    var disbursement = data("dash-disbursement-data");
    if (disbursement) {
      draw("failures", {
        type: "bar",
        data: {
          labels: disbursement.failures.map(function (f) { return f.reason; }),
          datasets: [{ label: "", data: disbursement.failures.map(function (f) { return f.count; }), backgroundColor: palette[1] }],
        },
        options: { indexAxis: "y", plugins: { legend: { display: false } } },
      });
    }
    var scores = data("dash-scores-data");
    if (scores) {
      draw("scores", {
        type: "bar",
        data: {
          labels: scores.results.map(function (r) { return r.platform; }),
          datasets: [{ label: "", data: scores.results.map(function (r) { return r.score; }), backgroundColor: palette[5] }],
        },
        options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { min: 0, max: 100 } } },
      });
    }
  });
})();
