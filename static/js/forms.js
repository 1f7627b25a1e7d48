// Forms: no accidental doubles, and a refused save lands on its error summary.
// Loaded on every page from base.html (CSP: no inline script).
(function () {
  "use strict";

  var RETRY_AFTER_MS = 15000;
  var SUBMITS = 'button[type="submit"], button:not([type]), input[type="submit"]';

  function submitButtons(form) {
    var inside = Array.prototype.slice.call(form.querySelectorAll(SUBMITS));
    if (form.id) {
      var outside = document.querySelectorAll('[form="' + form.id + '"]');
      Array.prototype.forEach.call(outside, function (el) {
        if (el.matches(SUBMITS)) inside.push(el);
      });
    }
    return inside;
  }

  function release(form) {
    setBusy(form, false);
    form.removeAttribute("data-submitting");
  }

  function setBusy(form, busy) {
    submitButtons(form).forEach(function (button) {
      button.disabled = busy;
      if (busy) {
        button.setAttribute("aria-busy", "true");
      } else {
        button.removeAttribute("aria-busy");
      }
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return;
    if (event.defaultPrevented) return; // htmx sends its forms itself (and cancels this event)
    if (form.hasAttribute("data-submitting")) {
      event.preventDefault(); // a second tap before the buttons were disabled
      return;
    }
    if (form.target && form.target !== "_self") return; // the page stays: nothing to guard
    form.setAttribute("data-submitting", "");
    // After the browser has taken the form's data, so the clicked button's name=value still counts.
    window.setTimeout(function () {
      setBusy(form, true);
    }, 0);
    // A download or a lost connection leaves the page here: let the person try again (the
    // server's one-time token still stops a double save).
    window.setTimeout(function () {
      release(form);
    }, RETRY_AFTER_MS);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target && event.target.closest ? event.target.closest("form") : null;
    if (form) release(form);
  });

  // Back button from the next page (bfcache): the buttons must work again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    Array.prototype.forEach.call(document.querySelectorAll("form"), release);
  });

  function focusSummary(root) {
    var summary = (root || document).querySelector("#error-summary");
    if (!summary) return;
    summary.scrollIntoView({ block: "start" });
    summary.focus({ preventScroll: true });
  }

  // A field link in the summary moves focus to the field itself.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest('#error-summary a[href^="#"]') : null;
    if (!link) return;
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) return;
    event.preventDefault();
    field.scrollIntoView({ block: "center" });
    field.focus();
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    focusSummary(event.detail && event.detail.target ? event.detail.target : document);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      focusSummary(document);
    });
  } else {
    focusSummary(document);
  }
})();
