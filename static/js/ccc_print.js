/* The "Print" button of printable pages (CCC packet, summative evaluation): no inline script. */
(function () {
  "use strict";
  document.querySelectorAll("[data-print-page]").forEach(function (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
