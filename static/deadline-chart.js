// The authority's deadline chart: a stacked bar per department (Chart.js, served from static/vendor). The data
// comes from the page in a data attribute (no inline script: the CSP forbids it); the table below holds the
// same numbers for readers without JavaScript or a screen.
(function () {
  "use strict";
  var canvas = document.getElementById("deadline-chart");
  if (!canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(canvas.getAttribute("data-chart"));
  var colours = { on_time: "#198754", late: "#ffc107", due: "#6c757d", overdue: "#dc3545" };
  var chart = new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: data.series.map(function (s) {
        return { label: s.label, data: s.values, backgroundColor: colours[s.key], stack: "tasks" };
      })
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: "bottom" } }
    }
  });
  canvas.setAttribute("data-ready", "1");
  window.deadlineChart = chart;
})();
