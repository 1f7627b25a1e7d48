/* Draws the fellow's procedure progress as a stacked horizontal bar chart.
   The numbers come from the page's JSON data island; the table on the page is their accessible source.
   Procedure names are long ("Transforaminal epidural steroid injection, lumbar"): the axis wraps each
   one into lines that fit the chart's width (narrower on a phone), shows every one (no auto-skip),
   and the chart grows tall enough for the wrapped lines, so no name overlaps another or is cut. */
(function () {
  "use strict";
  var island = document.getElementById("progress-data");
  var canvas = document.getElementById("progress-chart");
  if (!island || !canvas || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(island.textContent);
  var box = document.getElementById("progress-chart-box");
  var LINE_PX = 16;
  var BAR_PX = 28;

  // Characters per label line for a chart this wide: the names take at most about 40% of it.
  function lineLength(width) {
    if (width < 480) {
      return 20;
    }
    return width < 768 ? 26 : 36;
  }

  // Split a name into lines of at most ``max`` characters, at spaces or after a slash; a word
  // longer than a line is cut into pieces of that length.
  function wrap(text, max) {
    var words = String(text).replace(/\//g, "/ ").split(/\s+/).filter(Boolean);
    var lines = [];
    var line = "";
    words.forEach(function (word) {
      while (word.length > max) {
        if (line) {
          lines.push(line);
          line = "";
        }
        lines.push(word.slice(0, max));
        word = word.slice(max);
      }
      var joined = line ? (/\/$/.test(line) ? line + word : line + " " + word) : word;
      if (joined.length > max && line) {
        lines.push(line);
        line = word;
      } else {
        line = joined;
      }
    });
    if (line) {
      lines.push(line);
    }
    return lines.length ? lines : [""];
  }

  // Chart.js gives every category the same height, so the name with the most lines sets it.
  function heightFor(width) {
    var max = lineLength(width);
    var lines = data.labels.reduce(function (most, label) {
      return Math.max(most, wrap(label, max).length);
    }, 1);
    return Math.max(160, data.labels.length * Math.max(BAR_PX, lines * LINE_PX + 12) + 80);
  }

  var shownWidth = null;
  function sizeBox(width) {
    if (box && lineLength(width) !== shownWidth) {
      shownWidth = lineLength(width);
      box.style.height = heightFor(width) + "px";
    }
  }
  sizeBox(box ? box.clientWidth : canvas.clientWidth);

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
      onResize: function (chart, size) {
        sizeBox(size.width);
      },
      scales: {
        x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
        y: {
          stacked: true,
          ticks: {
            autoSkip: false,
            maxRotation: 0,
            font: { size: 12, lineHeight: LINE_PX / 12 },
            callback: function (value) {
              return wrap(this.getLabelForValue(value), lineLength(this.chart.width));
            }
          }
        }
      },
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: {
            title: function (items) {
              return data.labels[items[0].dataIndex];
            },
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
