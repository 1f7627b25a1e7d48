/* Shows the level descriptor of the chosen level next to each rating group of the assessment form.
   The server renders it for the saved value; this rewrites it when the choice changes, from the
   descriptor texts in the group's data-level-1 ... data-level-5 attributes. The wording follows
   assessments.forms.level_description: a whole level shows its text; a half level (1.5) sits
   between two descriptors and shows both, lower first; "Not yet completed Level 1" (the group's
   data-nyl1-value, "0.0") says so and shows level 1's text. Text only (textContent), never HTML. */
(function () {
  "use strict";

  function paragraph(label, text, bold) {
    var p = document.createElement("p");
    p.className = "mb-1";
    if (bold) {
      p.classList.add("fw-semibold");
      p.textContent = text;
      return p;
    }
    var strong = document.createElement("span");
    strong.className = "fw-semibold";
    strong.textContent = label + ":";
    p.appendChild(strong);
    p.appendChild(document.createTextNode(" " + text));
    return p;
  }

  function describe(box, value) {
    var data = box.dataset;
    var nodes = [];
    function level(n) {
      return paragraph("Level " + n, box.getAttribute("data-level-" + n) || data.noDescriptor, false);
    }
    if (value === data.naValue) {
      nodes.push(paragraph("", data.notAssessable, true));
    } else if (value === data.nyl1Value) {
      nodes.push(paragraph("", data.notYetLevelOne, true), level(1));
    } else {
      var number = parseFloat(value);
      if (!isNaN(number) && number >= 1 && number <= 5) {
        var low = Math.floor(number);
        if (number === low) {
          nodes.push(paragraph("", "Level " + low, true), level(low));
        } else {
          var high = low + 1;
          nodes.push(
            paragraph("", "Between level " + low + " and level " + high + ": all of level " + low +
              ", some of level " + high, true),
            level(low),
            level(high)
          );
        }
      }
    }
    box.replaceChildren.apply(box, nodes);
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "radio") {
      return;
    }
    var group = input.closest(".rating-group");
    var box = group && group.querySelector("[data-level-descriptor]");
    if (box && input.checked) {
      describe(box, input.value);
    }
  });
})();
