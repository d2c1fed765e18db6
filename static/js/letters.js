// The letter pages. (A form's data-confirm question is static/js/page.js's.)
// The template editor posts its unsaved fields to the PDF preview in the
// iframe (the Preview button's formaction and formtarget) as the manager types,
// 800 ms after the last key, and once when the page opens; choosing a lead found
// by the search previews the letter for that lead.
(function () {
  "use strict";

  var DELAY_MS = 800;

  var form = document.querySelector("form[data-preview-form]");
  if (!form) return;
  var button = document.querySelector("[data-preview-button]");
  var timer = null;

  function preview() {
    window.clearTimeout(timer);
    form.requestSubmit(button);
  }

  // The lead and paper fields sit outside the <form> (form="…"): listen on the document.
  function later(event) {
    if (event.target.form !== form) return;
    window.clearTimeout(timer);
    timer = window.setTimeout(preview, DELAY_MS);
  }

  document.addEventListener("input", later);
  document.addEventListener("change", later);

  document.addEventListener("click", function (event) {
    var choice = event.target.closest("button[data-preview-lead]");
    if (!choice) return;
    form.elements.lead.value = choice.dataset.previewLead;
    preview();
  });

  preview();
})();
