// "Copy" buttons: <button data-copy="ID" hidden> copies the text of the element
// with that id, and says so in the element with data-copy-status="ID". Without
// JavaScript the button stays hidden and the text is there to select by hand.
(function () {
  "use strict";

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // The clipboard API needs a secure page (https or localhost); elsewhere the
  // older command still copies the selection.
  function copy(element) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(element.textContent);
    }
    selectText(element);
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject();
  }

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.dataset.copy);
    var status = document.querySelector('[data-copy-status="' + button.dataset.copy + '"]');
    if (!source) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      copy(source).then(
        function () {
          if (status) status.textContent = "Copied.";
        },
        function () {
          selectText(source);
          if (status) status.textContent = "Selected: press Ctrl+C (⌘C on a Mac) to copy.";
        }
      );
    });
  });
})();
