// The interaction form's outcome select offers only the outcomes of the kind
// chosen: <select data-outcome-for="kind"> holds an <optgroup> per kind, each
// option saying its kind (data-kind). The other groups are hidden and disabled;
// an outcome of another kind is unselected. Without JavaScript every group
// shows, and the server refuses an outcome of another kind.
(function () {
  "use strict";

  function sync(select) {
    var kindField = select.form && select.form.elements[select.dataset.outcomeFor];
    if (!kindField) return;
    var kind = kindField.value;
    select.querySelectorAll("optgroup").forEach(function (group) {
      var option = group.querySelector("option[data-kind]");
      var other = !option || option.dataset.kind !== kind;
      group.hidden = other;
      group.disabled = other;
    });
    var chosen = select.options[select.selectedIndex];
    if (chosen && chosen.parentElement.disabled) select.value = "";
    select.disabled = !select.querySelector("optgroup:not([disabled])");
  }

  function syncWithin(root) {
    root.querySelectorAll("select[data-outcome-for]").forEach(sync);
  }

  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (!form) return;
    form.querySelectorAll("select[data-outcome-for]").forEach(function (select) {
      if (event.target.name === select.dataset.outcomeFor) sync(select);
    });
  });

  document.addEventListener("htmx:load", function (event) {
    syncWithin(event.detail.elt);
  });

  syncWithin(document);
})();
