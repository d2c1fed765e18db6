// The cadence builder (templates/mailings/cadences/builder/). Steps are cards in
// page order, which is the order saving gives them: "Move up" and "Move down"
// move a card, "Remove" takes it off the page; a step people are on stays,
// removed, asking where they go (its fields disabled, so they are not posted).
// Every "which step" select (go back to, jump to, where they go) offers the
// steps on the page in their order, by the step's prefix, so a move never makes
// one point at another step. Triggers and variants are removed the same way;
// a block htmx adds gets the focus, so typing goes on where the button was.
// Each step's day follows its wait as it is typed, counted as the server counts
// it (forms.step_days): business days and months as days, so "about".
(function () {
  "use strict";

  var DAYS_PER_UNIT = { minutes: 1 / 1440, hours: 1 / 24, days: 1, business_days: 1, months: 30 };

  function timeline() {
    return document.getElementById("cadence-steps");
  }

  function cards() {
    var list = timeline();
    return list ? Array.from(list.querySelectorAll(":scope > .cadence-step:not([hidden])")) : [];
  }

  function say(text) {
    var status = document.getElementById("builder-status");
    if (status) status.textContent = text;
  }

  function refresh() {
    var steps = cards();
    steps.forEach(function (card, index) {
      card.querySelector(".step-number").textContent = "Step " + (index + 1);
    });
    var choices = steps.map(function (card, index) {
      return [card.dataset.prefix, "step " + (index + 1) + " (" + card.dataset.channelLabel + ")"];
    });
    document.querySelectorAll("select[data-step-choice]").forEach(function (select) {
      offer(select, choices);
    });
    labelDays(steps);
    var policies = document.getElementById("outcome-policies");
    if (policies) {
      policies.hidden = !steps.some(function (card) {
        return card.dataset.channel === "call";
      });
    }
  }

  function labelDays(steps) {
    var offset = 0;
    var about = false;
    var known = true;
    steps.forEach(function (card) {
      var wait = Number.parseInt(field(card, "wait"), 10);
      var unit = field(card, "wait_unit");
      if (field(card, "wait_after") === "enrolment") {
        offset = 0;
        about = false;
        known = true;
      }
      known = known && wait >= 0 && unit in DAYS_PER_UNIT;
      if (known) {
        offset += wait * DAYS_PER_UNIT[unit];
        about = about || (wait > 0 && (unit === "business_days" || unit === "months"));
        about = about || field(card, "at_local_time") !== "";
      }
      var day = Math.floor(offset + 1e-9);
      card.querySelector(".step-day").textContent = known
        ? (about ? "About day " : "Day ") + day
        : "";
    });
  }

  function field(card, name) {
    var control = card.querySelector('[name="' + card.dataset.prefix + "-" + name + '"]');
    return control ? control.value : "";
  }

  // The steps as options between the select's fixed ones ("" first, "finish" last).
  function offer(select, choices) {
    var chosen = select.value;
    var format = select.dataset.stepChoice;
    Array.from(select.options).forEach(function (option) {
      if (option.value !== "" && option.value !== "finish") option.remove();
    });
    var last = select.querySelector('option[value="finish"]');
    choices.forEach(function (choice) {
      var option = new Option(format.replace("%s", choice[1]), choice[0]);
      select.insertBefore(option, last);
    });
    select.value = chosen;
    if (select.value !== chosen) select.value = "";
  }

  function move(card, direction) {
    var steps = cards();
    var index = steps.indexOf(card);
    var other = steps[index + (direction === "up" ? -1 : 1)];
    if (!other) return;
    moveWithEditors(card, function () {
      if (direction === "up") other.before(card);
      else other.after(card);
    });
    refresh();
    say(card.querySelector(".step-number").textContent + ": " + card.dataset.channelLabel);
  }

  // A trix-editor (Trix 2.1) put elsewhere in the page reconnects itself over and
  // over. The card's editors leave it before it moves, and fresh ones take their
  // place after: they load the body from their hidden input, as the page's did.
  var TRIX_OWN = ["toolbar", "contenteditable", "role", "trix-id", "connected"];

  function moveWithEditors(card, place) {
    var moved = Array.from(card.querySelectorAll("trix-editor")).map(function (editor) {
      var mark = document.createComment("editor");
      var toolbar = editor.toolbarElement;
      if (toolbar) toolbar.remove();
      editor.replaceWith(mark);
      return [mark, editor];
    });
    place();
    moved.forEach(function (pair) {
      var fresh = document.createElement("trix-editor");
      Array.from(pair[1].attributes).forEach(function (attribute) {
        if (TRIX_OWN.indexOf(attribute.name) === -1) {
          fresh.setAttribute(attribute.name, attribute.value);
        }
      });
      pair[0].replaceWith(fresh);
    });
  }

  function remove(card) {
    var template = card.querySelector("template.removed-template");
    if (!template) {
      card.remove();
      refresh();
      say("Step removed");
      return;
    }
    card.hidden = true;
    card.querySelector(".step-fields").disabled = true;
    card.after(template.content.cloneNode(true));
    refresh();
    var removal = document.getElementById("removed-" + card.dataset.prefix);
    var select = removal && removal.querySelector("select");
    if (select) select.focus();
  }

  function keep(removal) {
    var card = document.getElementById("step-" + removal.dataset.for);
    removal.remove();
    if (card) {
      card.hidden = false;
      card.querySelector(".step-fields").disabled = false;
      refresh();
      card.querySelector("[data-remove-step]").focus();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.move) {
      move(button.closest(".cadence-step"), button.dataset.move);
      button.focus();
    } else if ("removeStep" in button.dataset) {
      remove(button.closest(".cadence-step"));
    } else if ("keepStep" in button.dataset) {
      keep(button.closest(".removed-step"));
    } else if (button.dataset.remove) {
      var block = button.closest(button.dataset.remove);
      if (block) block.remove();
    }
  });

  document.addEventListener("input", function (event) {
    if (event.target.closest(".step-wait")) labelDays(cards());
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    refresh();
    var added = event.detail.target.lastElementChild;
    var field = added && added.querySelector("input:not([type=hidden]), textarea, select");
    if (field) field.focus();
  });

  document.addEventListener("DOMContentLoaded", refresh);
})();
