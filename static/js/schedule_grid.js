// The rotation schedule grid opens at this week: scroll its table sideways so the column
// marked "This week" sits just right of the sticky fellow column. After an htmx save swaps the
// grid, keep the place the user was looking at instead of jumping back.
(function () {
  "use strict";

  function scroller() {
    return document.querySelector("#schedule-grid .schedule-scroll");
  }

  function scrollToThisWeek() {
    var box = scroller();
    var week = document.getElementById("this-week");
    if (!box || !week) {
      return;
    }
    var fellow = box.querySelector("th.fellow-col");
    var offset = fellow ? fellow.offsetWidth : 0;
    box.scrollLeft = Math.max(0, week.offsetLeft - offset);
  }

  var kept = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var box = scroller();
    if (box && event.detail.target && event.detail.target.id === "schedule-grid") {
      kept = box.scrollLeft;
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    var box = scroller();
    if (box && kept !== null) {
      box.scrollLeft = kept;
      kept = null;
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", scrollToThisWeek);
  } else {
    scrollToThisWeek();
  }
})();
