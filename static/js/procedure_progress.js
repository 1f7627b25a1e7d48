/* Draws the fellow's procedure progress as a stacked horizontal bar chart.
   The numbers come from the page's JSON data island; the table on the page is their accessible source. */
(function () {
  "use strict";
  var island = document.getElementById("progress-data");
  var canvas = document.getElementById("progress-chart");
  if (!island || !canvas || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(island.textContent);
  var box = document.getElementById("progress-chart-box");
  if (box) {
    box.style.height = Math.max(160, data.labels.length * 44 + 80) + "px";
  }
  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: "Verified", data: data.verified, backgroundColor: "#198754", borderColor: "#0f5132", borderWidth: 1 },
        { label: "Pending", data: data.pending, backgroundColor: "#ffc107", borderColor: "#997404", borderWidth: 1 },
        { label: "Still needed", data: data.needed, backgroundColor: "#e9ecef", borderColor: "#6c757d", borderWidth: 1 }
      ]
    },
    options: {
      indexAxis: "y",
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: {
        x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
        y: { stacked: true }
      },
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: {
            afterBody: function (items) {
              var index = items[0].dataIndex;
              return "Minimum: " + data.minimum[index];
            }
          }
        }
      }
    }
  });
})();
