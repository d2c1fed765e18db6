// Behaviour every page may use, declared in the markup so the pages need no inline
// script (the Content-Security-Policy allows scripts from our static files only):
// - <form data-confirm="Question?"> asks before it posts;
// - <form data-submit-on-load> posts itself once the page opens (the email
//   confirmation link: one click for people, nothing for link scanners, which run
//   no scripts);
// - <input data-select-on-focus> selects its whole text when clicked, to copy.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var question = event.target.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  });

  document.addEventListener("focusin", function (event) {
    if (event.target.matches("input[data-select-on-focus]")) event.target.select();
  });

  var autosubmit = document.querySelector("form[data-submit-on-load]");
  if (autosubmit) autosubmit.submit();
})();
