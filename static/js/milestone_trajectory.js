/* Draws one small line chart per subcompetency: the fellow's levels over time (x = day, linear,
   so gaps between ratings keep their length), with the graduation target as a dashed line.
   The numbers come from the page's JSON data island; the table on the page is their accessible source.
   No date adapter: dates travel as ISO strings and are drawn as day numbers.
   On a narrow chart (a phone shows one per row, about 350 px) the date ticks are drawn on
   two short lines ("Aug 3" over "2026") so none overlaps or is cut; the table gives every exact date.
   "Not yet completed Level 1" travels as level 0 (data.below_one): when any series has one, every
   chart's scale starts at 0, whose tick reads "<1", and its points are drawn as triangles and
   named in words in the tooltip. */
(function () {
  "use strict";
  var island = document.getElementById("trajectory-data");
  if (!island || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(island.textContent);
  var DAY = 86400000;

  function dayNumber(iso) {
    return Math.round(Date.parse(iso + "T00:00:00Z") / DAY);
  }

  function isoDate(day) {
    return new Date(day * DAY).toISOString().slice(0, 10);
  }

  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var NARROW_PX = 480;

  // A tick's label: the ISO date where there is room, else two short lines.
  function dateTick(day, width) {
    if (width >= NARROW_PX) {
      return isoDate(day);
    }
    var date = new Date(day * DAY);
    return [MONTHS[date.getUTCMonth()] + " " + date.getUTCDate(), String(date.getUTCFullYear())];
  }

  // One shared date range, so the small multiples can be compared side by side.
  var days = [];
  data.series.forEach(function (series) {
    series.points.forEach(function (point) {
      days.push(dayNumber(point.date));
    });
  });
  if (!days.length) {
    return;
  }
  var belowOne = data.below_one || { level: 0, tick: "<1", label: "Not yet completed Level 1" };
  var hasBelowOne = data.series.some(function (series) {
    return series.points.some(function (point) {
      return point.level === belowOne.level;
    });
  });
  var first = Math.min.apply(null, days) - 7;
  var last = Math.max.apply(null, days) + 7;

  data.series.forEach(function (series, index) {
    var canvas = document.getElementById("trajectory-chart-" + index);
    if (!canvas) {
      return;
    }
    new window.Chart(canvas, {
      type: "line",
      data: {
        datasets: [
          {
            label: series.code + " level",
            data: series.points.map(function (point) {
              return { x: dayNumber(point.date), y: point.level };
            }),
            borderColor: "#0d6efd",
            backgroundColor: "#0d6efd",
            pointRadius: series.points.map(function (point) {
              return point.level === belowOne.level ? 6 : 4;
            }),
            pointStyle: series.points.map(function (point) {
              return point.level === belowOne.level ? "triangle" : "circle";
            }),
            tension: 0
          },
          {
            label: "Graduation target " + data.target.toFixed(1),
            data: [{ x: first, y: data.target }, { x: last, y: data.target }],
            borderColor: "#6c757d",
            borderDash: [6, 4],
            borderWidth: 1.5,
            pointRadius: 0,
            pointHitRadius: 0
          }
        ]
      },
      options: {
        responsive: true,
        maintainAspectRatio: true,
        aspectRatio: 1.8,
        animation: false,
        parsing: true,
        scales: {
          x: {
            type: "linear",
            min: first,
            max: last,
            ticks: {
              maxTicksLimit: 4,
              maxRotation: 0,
              autoSkip: false,
              callback: function (value) {
                return dateTick(value, this.chart.width);
              }
            }
          },
          y: {
            min: hasBelowOne ? belowOne.level : 1,
            max: 5,
            ticks: {
              stepSize: 1,
              callback: function (value) {
                return value === belowOne.level ? belowOne.tick : value;
              }
            },
            title: { display: true, text: "Level" }
          }
        },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 24 } },
          tooltip: {
            filter: function (item) {
              return item.datasetIndex === 0;
            },
            callbacks: {
              title: function (items) {
                return isoDate(items[0].parsed.x);
              },
              label: function (item) {
                if (item.parsed.y === belowOne.level) {
                  return series.code + ": " + belowOne.label;
                }
                return series.code + ": level " + item.parsed.y.toFixed(1);
              }
            }
          }
        }
      }
    });
  });
})();
