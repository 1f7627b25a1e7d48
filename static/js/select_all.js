/* "Select all on this page" for a bulk form, and the count of ticked boxes in its action bar.
   Markup: a checkbox with data-select-all="<form id>" (inside an element marked data-select-all-box,
   hidden until this script runs), the row checkboxes with form="<form id>", and an element with
   data-select-count="<form id>" that shows "N selected". Without JavaScript the row boxes and the
   form's button work on their own; this script only adds speed. */
(function () {
  "use strict";

  function rowBoxes(formId) {
    return Array.prototype.slice.call(
      document.querySelectorAll('input[type="checkbox"][form="' + formId + '"]')
    );
  }

  function refresh(formId) {
    var boxes = rowBoxes(formId);
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    document.querySelectorAll('[data-select-all="' + formId + '"]').forEach(function (all) {
      all.checked = boxes.length > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    });
    document.querySelectorAll('[data-select-count="' + formId + '"]').forEach(function (count) {
      count.textContent = ticked + " selected";
      count.hidden = false;
    });
  }

  document.querySelectorAll("[data-select-all]").forEach(function (all) {
    var formId = all.getAttribute("data-select-all");
    var box = all.closest("[data-select-all-box]");
    if (box) {
      box.hidden = false;
    }
    all.addEventListener("change", function () {
      rowBoxes(formId).forEach(function (row) { row.checked = all.checked; });
      refresh(formId);
    });
    document.addEventListener("change", function (event) {
      var target = event.target;
      if (target !== all && target.getAttribute && target.getAttribute("form") === formId) {
        refresh(formId);
      }
    });
    refresh(formId);  // the browser may restore ticks on going back
  });
})();
