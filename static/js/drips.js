// The drip builder. "Remove" takes a step or variant block off the page (saving
// then deletes it; the server refuses when it has sent emails). Step headings
// follow the order on the page, which is the order saving gives the steps. A
// block htmx adds gets the focus, so typing goes on where the button was.
(function () {
  "use strict";

  function renumber() {
    document.querySelectorAll(".drip-step .step-heading").forEach(function (heading, index) {
      heading.textContent = "Step " + (index + 1);
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-remove]");
    if (!button) return;
    var block = button.closest(button.dataset.remove);
    if (block) block.remove();
    renumber();
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    renumber();
    var added = event.detail.target.lastElementChild;
    var field = added && added.querySelector("input:not([type=hidden]), textarea, select");
    if (field) field.focus();
  });
})();
