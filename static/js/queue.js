// The call queue's keyboard: keys 1–8 press the matching disposition button, "n"
// writes a note, Escape leaves a field so the keys work again, Enter in the
// call-back time books the call back. After htmx swaps in the next card, focus
// goes to its heading (or to a field with an error). A call-back preset fills
// the time field (the server works it out too, without this script); "Do not
// call" asks in a <dialog> (without this script, the server asks on the card);
// the offer to undo the last outcome goes after its seconds.
(function () {
  "use strict";

  var busy = false;

  function card() {
    return document.getElementById("call-card");
  }

  function isTyping(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function press(key) {
    var button = card() && card().querySelector('button[data-key="' + key + '"]');
    if (!button || button.disabled) return false;
    var needs = button.dataset.needs && document.getElementById(button.dataset.needs);
    if (needs && !needs.value) {
      needs.focus(); // "Call back at…" wants a time first
      return true;
    }
    button.click();
    return true;
  }

  // The disposition button a field belongs to ("Call back at…" for its time).
  function submitFor(field) {
    if (!field.id || !card() || !card().contains(field)) return null;
    return card().querySelector('button[data-needs="' + field.id + '"]');
  }

  function focusHeading() {
    var heading = document.getElementById("call-card-heading");
    if (heading) heading.focus();
  }

  function focusCard() {
    var invalid = card() && card().querySelector('[aria-invalid="true"]');
    if (invalid) invalid.focus();
    else focusHeading();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (isTyping(event.target)) {
      if (event.key === "Escape" && card() && card().contains(event.target)) focusHeading();
      var button = event.key === "Enter" && submitFor(event.target);
      if (button) {
        event.preventDefault(); // else Enter submits the form's first button, "interested"
        button.click();
      }
      return;
    }
    if (busy) return;
    if (/^[1-8]$/.test(event.key) && press(event.key)) {
      event.preventDefault();
    } else if (event.key === "n" || event.key === "N") {
      var notes = card() && card().querySelector("textarea");
      if (notes) {
        event.preventDefault();
        notes.focus();
      }
    }
  });

  // Keys wait from the request until the next card has settled (the card swaps
  // with settle:0ms, so that is at once): before, its buttons would post the page.
  document.addEventListener("htmx:beforeRequest", function () { busy = true; });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail.successful) busy = false; // nothing will be swapped in
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target.id !== "call-card") return;
    busy = false;
    focusCard();
  });
  // A 404 means the call is no longer on this rep's card: logged in another tab,
  // or released to the queue after a long pause. Say so rather than do nothing.
  document.addEventListener("htmx:responseError", function (event) {
    var status = document.getElementById("queue-status");
    if (!status || !card() || !card().contains(event.detail.elt)) return;
    status.classList.add("error");
    status.textContent = event.detail.xhr.status === 404
      ? "This call is no longer on your card (logged elsewhere, or given back to the queue after a long pause). Reload the page for your next call."
      : "The server could not take that. Reload the page to see where things stand.";
  });
  // A preset fills the call-back time as the rep's clock reads it; typing a time
  // of one's own un-picks the preset (a picked preset wins on the server).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.dataset && target.dataset.fills && target.checked) {
      var field = document.getElementById(target.dataset.fills);
      if (field) field.value = target.dataset.local;
    } else if (target.type === "datetime-local" && card() && card().contains(target)) {
      card().querySelectorAll("input[data-fills]").forEach(function (radio) { radio.checked = false; });
    }
  });

  // "Do not call" is confirmed in a dialog; "Yes" presses the button again, confirmed.
  var confirmedClick = false;
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-confirm]");
    if (!button || confirmedClick) return;
    var dialog = document.getElementById(button.dataset.confirm);
    if (!dialog || typeof dialog.showModal !== "function") return; // the server asks instead
    event.preventDefault();
    event.stopImmediatePropagation();
    dialog.addEventListener("close", function () {
      if (dialog.returnValue !== "confirm") return;
      document.getElementById("call-confirmed").value = "1";
      confirmedClick = true;
      button.click();
      confirmedClick = false;
    }, { once: true });
    dialog.showModal();
  }, true);

  // The undo is offered for its seconds, then goes (the server refuses it later anyway).
  function expireUndo() {
    var form = document.querySelector(".undo-form[data-seconds]");
    if (!form || form.dataset.timer) return;
    form.dataset.timer = "1";
    window.setTimeout(function () { form.remove(); }, parseFloat(form.dataset.seconds) * 1000);
  }
  document.addEventListener("htmx:afterSettle", expireUndo);
  document.addEventListener("htmx:oobAfterSwap", expireUndo);
  document.addEventListener("DOMContentLoaded", expireUndo);
  document.addEventListener("DOMContentLoaded", focusCard);
})();
