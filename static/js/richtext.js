// The rich-text editor (mailings/richtext/forms.py): Trix bound to a form field,
// a picker that inserts a merge field with its fallback, a raw HTML mode, and the
// plain-text part, which the server makes from the HTML as the manager types
// (POST to the editor's check URL). Everything listens on the document, so
// blocks that htmx adds later work the same. Loaded before Trix, to configure it.
(function () {
  "use strict";

  var CHECK_DELAY_MS = 400;
  var checks = new WeakMap(); // container -> {timer, sent}
  var ranges = new WeakMap(); // trix-editor -> its selection when it last had focus
  var ownTexts = new WeakMap(); // plain-text part -> what the manager wrote there

  // Paragraphs are <p>, like the bodies written by hand before the editor.
  document.addEventListener("trix-before-initialize", function () {
    window.Trix.config.blockAttributes.default.tagName = "p";
  });

  // No attachments: bodies are templates, not documents with files.
  document.addEventListener("trix-initialize", function (event) {
    var files = event.target.toolbarElement.querySelector("[data-trix-button-group=file-tools]");
    if (files) files.remove();
  });
  document.addEventListener("trix-file-accept", function (event) {
    event.preventDefault();
  });
  document.addEventListener("trix-attachment-add", function (event) {
    event.attachment.remove();
  });

  document.addEventListener("trix-selection-change", function (event) {
    if (document.activeElement === event.target) {
      ranges.set(event.target, event.target.editor.getSelectedRange());
    }
  });

  document.addEventListener("trix-change", function (event) {
    var container = event.target.closest("[data-richtext]");
    if (!container) return;
    scheduleCheck(container);
    // For listeners of the form's fields (the letter preview follows the typing).
    valueInput(container).dispatchEvent(new Event("input", { bubbles: true }));
  });

  document.addEventListener("input", function (event) {
    if (event.target.matches("[data-richtext-raw-html]")) {
      scheduleCheck(event.target.closest("[data-richtext]"));
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-richtext-insert], [data-richtext-raw]");
    if (button) {
      var container = button.closest("[data-richtext]");
      if (button.matches("[data-richtext-insert]")) insertField(container);
      else toggleRaw(container);
      return;
    }
    // The field's label names the raw textarea; in the editor's mode it focuses the editor.
    var label = event.target.closest("label[for]");
    var control = label && document.getElementById(label.htmlFor);
    if (control && control.matches("[data-richtext-raw-html][hidden]")) {
      control.closest("[data-richtext]").querySelector("trix-editor").focus();
    }
  });

  document.addEventListener("keydown", function (event) {
    // Return in the fallback inserts the field rather than submitting the form.
    if (event.key === "Enter" && event.target.matches("[data-richtext-fallback]")) {
      event.preventDefault();
      insertField(event.target.closest("[data-richtext]"));
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-richtext-field]")) {
      chooseField(event.target.closest("[data-richtext]"));
    } else if (event.target.matches("[data-richtext-mine]")) {
      toggleMine(event.target.closest("[data-richtext-plain]"));
    }
  });

  function fillPlainParts(root) {
    root.querySelectorAll("[data-richtext-plain]").forEach(function (part) {
      var source = sourceOf(part);
      if (source && !isMine(part)) plainArea(part).value = source.dataset.plainText;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    fillPlainParts(document);
  });
  document.addEventListener("htmx:load", function (event) {
    fillPlainParts(event.target);
  });

  // The picker

  function chooseField(container) {
    var option = chosenOption(container);
    var input = container.querySelector("[data-richtext-fallback]");
    var isLink = "linkText" in option.dataset;
    container.querySelector("[data-richtext-fallback-label]").textContent = isLink
      ? "Link text"
      : "If empty";
    input.value = isLink ? option.dataset.linkText : option.dataset.fallback;
    input.disabled = "format" in option.dataset;
  }

  function insertField(container) {
    var option = chosenOption(container);
    var typed = clean(container.querySelector("[data-richtext-fallback]").value);
    var name = option.value;
    var html = null;
    var text;
    if ("linkText" in option.dataset) {
      html = '<a href="{{ ' + name + ' }}">' + escapeHtml(typed || option.dataset.linkText) + "</a>";
    } else if ("format" in option.dataset) {
      text = "{{ " + name + "|" + option.dataset.format + " }}";
    } else {
      text = typed ? "{{ " + name + "|default:'" + typed + "' }}" : "{{ " + name + " }}";
    }
    if (isRaw(container)) {
      var area = rawArea(container);
      area.focus();
      area.setRangeText(html || text, area.selectionStart, area.selectionEnd, "end");
      area.dispatchEvent(new Event("input", { bubbles: true }));
      return;
    }
    var editorElement = container.querySelector("trix-editor");
    editorElement.focus();
    var range = ranges.get(editorElement);
    if (range) editorElement.editor.setSelectedRange(range);
    if (html) editorElement.editor.insertHTML(html);
    else editorElement.editor.insertString(text);
  }

  // Fallbacks sit in a single-quoted template string: nothing that ends it or
  // the tag, and typographic quotes for the manager's own.
  function clean(text) {
    return text
      .replace(/[{}%<>&\\]/g, "")
      .replace(/'/g, "\u2019")
      .replace(/"/g, "\u201d")
      .trim();
  }

  function escapeHtml(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML.replace(/"/g, "&quot;");
  }

  // Raw HTML mode

  function toggleRaw(container) {
    if (!isRaw(container)) {
      setRaw(container, true);
      return;
    }
    // Before the editor loads the HTML, ask whether it can keep all of it.
    check(container).then(function (answer) {
      var question = answer.raw_reason + "\n\nSwitch to the editor anyway?";
      if (!answer.raw_reason || window.confirm(question)) setRaw(container, false);
    });
  }

  function setRaw(container, raw) {
    var area = rawArea(container);
    var input = valueInput(container);
    var editorElement = container.querySelector("trix-editor");
    if (raw) area.value = input.value;
    else editorElement.editor.loadHTML(area.value);
    container.querySelector("[data-richtext-rich]").hidden = raw;
    container.querySelector("[data-richtext-why]").hidden = true;
    area.hidden = area.disabled = !raw;
    input.disabled = raw;
    container.querySelector("[data-richtext-raw]").setAttribute("aria-pressed", String(raw));
    (raw ? area : editorElement).focus();
  }

  // The plain-text part

  function scheduleCheck(container) {
    var state = checks.get(container) || { timer: null, sent: 0 };
    checks.set(container, state);
    window.clearTimeout(state.timer);
    state.timer = window.setTimeout(function () {
      var sent = ++state.sent;
      check(container).then(function (answer) {
        if (sent === state.sent) showPlainText(container, answer.text);
      });
    }, CHECK_DELAY_MS);
  }

  function check(container) {
    var html = isRaw(container) ? rawArea(container).value : valueInput(container).value;
    return fetch(container.dataset.checkUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(container) },
      body: new URLSearchParams({ html: html }),
    }).then(function (response) {
      if (!response.ok) throw new Error("The editor's check answered " + response.status);
      return response.json();
    });
  }

  function showPlainText(container, text) {
    container.dataset.plainText = text;
    var name = CSS.escape(container.dataset.richtextName);
    document
      .querySelectorAll('[data-richtext-plain][data-richtext-source="' + name + '"]')
      .forEach(function (part) {
        if (!isMine(part)) plainArea(part).value = text;
      });
  }

  function toggleMine(part) {
    var area = plainArea(part);
    var mine = isMine(part);
    if (mine) {
      if (ownTexts.has(part)) area.value = ownTexts.get(part);
    } else {
      ownTexts.set(part, area.value);
      var source = sourceOf(part);
      area.value = source ? source.dataset.plainText : "";
    }
    area.readOnly = !mine;
    part.querySelector("[data-richtext-made]").hidden = mine;
    if (mine) area.focus();
  }

  // Lookups

  function chosenOption(container) {
    var select = container.querySelector("[data-richtext-field]");
    return select.options[select.selectedIndex];
  }

  function isRaw(container) {
    return !rawArea(container).hidden;
  }

  function rawArea(container) {
    return container.querySelector("[data-richtext-raw-html]");
  }

  function valueInput(container) {
    return container.querySelector("[data-richtext-value]");
  }

  function isMine(part) {
    return part.querySelector("[data-richtext-mine]").checked;
  }

  function plainArea(part) {
    return part.querySelector("[data-richtext-plain-text]");
  }

  function sourceOf(part) {
    var name = CSS.escape(part.dataset.richtextSource);
    return document.querySelector('[data-richtext][data-richtext-name="' + name + '"]');
  }

  function csrfToken(container) {
    var form = container.closest("form");
    var input = form && form.querySelector("[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var cookie = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return cookie ? decodeURIComponent(cookie[1]) : "";
  }
})();
