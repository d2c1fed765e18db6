// The audience builder. The rules are a tree of groups (all = AND, any = OR) and
// rules, drawn from the definition JSON and written back to the form's hidden
// field on every change. The server counts the leads they pick (debounced) and
// checks them: its errors, keyed by the path of a field ("rules.1.days"), appear
// beside that field. Once counted, the newest of those leads are listed under the
// count. Nothing here decides who is in an audience.
(function () {
  "use strict";

  var form = document.getElementById("audience-form");
  if (!form) return;

  var MAX_DEPTH = 3;
  var DELAY = 400;
  var schema = readJSON("audience-schema");
  var definition = normalised(readJSON("audience-definition"));
  var field = form.querySelector('input[name="definition"]');
  var root = document.getElementById("audience-rules");
  var output = document.getElementById("live-count");
  var preview = document.getElementById("live-preview");
  var types = {};
  var timer = null;
  var latest = 0;
  var ids = 0;

  schema.types.forEach(function (type) { types[type.type] = type; });

  function readJSON(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function normalised(group) {
    if (!group || typeof group !== "object") group = {};
    if (group.match !== "any") group.match = "all";
    if (!Array.isArray(group.rules)) group.rules = [];
    group.rules.forEach(function (child) { if (isGroup(child)) normalised(child); });
    return group;
  }

  function isGroup(node) {
    return node && typeof node === "object" && Array.isArray(node.rules) && !node.type;
  }

  function uid() {
    ids += 1;
    return "aud-" + ids;
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) node.textContent = text;
    return node;
  }

  function button(label, onClick) {
    var node = element("button", { type: "button" }, label);
    node.addEventListener("click", onClick);
    return node;
  }

  // Drawing -------------------------------------------------------------------

  function render(focusPath) {
    root.textContent = "";
    root.appendChild(groupElement(definition, "", 1, null));
    changed();
    if (focusPath) {
      var target = root.querySelector('[data-path="' + focusPath + '"]');
      var input = target && target.querySelector("select, input");
      if (input) input.focus();
    }
  }

  function groupElement(group, prefix, depth, parent) {
    var box = element("fieldset", { "class": "audience-group", "data-path": prefix ? prefix.slice(0, -1) : "definition" });
    var head = element("div", { "class": "audience-group-head field", "data-path": prefix + "match" });
    var id = uid();
    var match = element("select", { id: id, name: "match" });
    Object.keys(schema.matches).forEach(function (value) {
      var option = element("option", { value: value }, value === "all" ? "all of these (AND)" : "any of these (OR)");
      option.selected = group.match === value;
      match.appendChild(option);
    });
    match.addEventListener("change", function () { group.match = match.value; changed(); });
    head.appendChild(element("label", { "for": id }, depth === 1 ? "Leads who match" : "Match"));
    head.appendChild(match);
    box.appendChild(head);

    var list = element("ol", { "class": "audience-children", "data-path": prefix + "rules" });
    group.rules.forEach(function (child, index) {
      var path = prefix + "rules." + index;
      var item = element("li");
      item.appendChild(isGroup(child) ? groupElement(child, path + ".", depth + 1, group) : ruleElement(child, path, group));
      list.appendChild(item);
    });
    box.appendChild(list);

    var actions = element("div", { "class": "actions" });
    actions.appendChild(button("Add a rule", function () {
      group.rules.push({ type: "" });
      render(prefix + "rules." + (group.rules.length - 1) + ".type");
    }));
    if (depth < MAX_DEPTH) {
      actions.appendChild(button("Add a group", function () {
        group.rules.push({ match: group.match === "all" ? "any" : "all", rules: [{ type: "" }] });
        render(prefix + "rules." + (group.rules.length - 1) + ".rules.0.type");
      }));
    }
    if (parent) {
      actions.appendChild(button("Remove this group", function () {
        parent.rules.splice(parent.rules.indexOf(group), 1);
        render();
      }));
    }
    box.appendChild(actions);
    return box;
  }

  function ruleElement(rule, path, parent) {
    var box = element("div", { "class": "audience-rule", "data-path": path });
    var typeBox = element("div", { "class": "field", "data-path": path + ".type" });
    var id = uid();
    var select = element("select", { id: id, "class": "rule-type" });
    select.appendChild(element("option", { value: "" }, "Choose…"));
    var sections = {};
    schema.types.forEach(function (type) {
      if (!sections[type.section]) {
        sections[type.section] = element("optgroup", { label: type.section });
        select.appendChild(sections[type.section]);
      }
      var option = element("option", { value: type.type }, type.label);
      option.selected = rule.type === type.type;
      sections[type.section].appendChild(option);
    });
    select.addEventListener("change", function () {
      var negate = rule.negate;
      Object.keys(rule).forEach(function (key) { delete rule[key]; });
      rule.type = select.value;
      if (negate) rule.negate = true;
      var first = types[rule.type] && types[rule.type].params[0];
      render(first ? path + "." + first.name : path + ".type");
    });
    typeBox.appendChild(element("label", { "for": id }, "Rule"));
    typeBox.appendChild(select);
    box.appendChild(typeBox);

    var type = types[rule.type];
    (type ? type.params : []).forEach(function (param) {
      box.appendChild(paramElement(rule, param, path + "." + param.name));
    });

    var notBox = element("div", { "class": "field checkbox" });
    var notId = uid();
    var not = element("input", { type: "checkbox", id: notId });
    not.checked = rule.negate === true;
    not.addEventListener("change", function () {
      if (not.checked) rule.negate = true; else delete rule.negate;
      changed();
    });
    notBox.appendChild(not);
    notBox.appendChild(element("label", { "for": notId }, "Not"));
    box.appendChild(notBox);

    box.appendChild(button("Remove this rule", function () {
      parent.rules.splice(parent.rules.indexOf(rule), 1);
      render();
    }));
    return box;
  }

  function paramElement(rule, param, path) {
    var box = element("div", { "class": "field", "data-path": path });
    if (param.kind === "stages" || param.kind === "owners") return checkboxes(box, rule, param);
    var id = uid();
    var input;
    if (param.kind === "campaign" || param.kind === "choice") {
      input = element("select", { id: id });
      input.appendChild(element("option", { value: "" }, param.required ? "Choose…" : "—"));
      var choices = param.kind === "campaign" ? schema.campaigns : param.choices;
      choices.forEach(function (choice) {
        var option = element("option", { value: String(choice[0]) }, choice[1]);
        option.selected = String(rule[param.name]) === String(choice[0]);
        input.appendChild(option);
      });
    } else {
      input = element("input", { id: id, type: param.kind === "int" ? "number" : "text" });
      if (param.kind === "int") {
        input.setAttribute("step", "1");
        input.setAttribute("min", param.min);
        input.setAttribute("max", param.max);
      }
      if (param.placeholder) input.setAttribute("placeholder", param.placeholder);
      var value = rule[param.name];
      input.value = Array.isArray(value) ? value.join(", ") : value === undefined || value === null ? "" : value;
    }
    input.addEventListener(input.tagName === "SELECT" ? "change" : "input", function () {
      if (input.value.trim() === "") delete rule[param.name]; else rule[param.name] = input.value.trim();
      changed();
    });
    box.appendChild(element("label", { "for": id }, param.label + (param.required ? "" : " (optional)")));
    box.appendChild(input);
    return box;
  }

  function checkboxes(box, rule, param) {
    var group = element("fieldset", { "class": "audience-choices" });
    group.appendChild(element("legend", {}, param.label));
    var choices = param.kind === "owners" ? schema.owners : param.choices;
    var chosen = (rule[param.name] || []).map(String);
    choices.forEach(function (choice) {
      var id = uid();
      var input = element("input", { type: "checkbox", id: id, value: String(choice[0]) });
      input.checked = chosen.indexOf(String(choice[0])) !== -1;
      input.addEventListener("change", function () {
        var values = Array.prototype.map.call(group.querySelectorAll("input:checked"), function (box) {
          return box.value;
        });
        if (values.length) rule[param.name] = values; else delete rule[param.name];
        changed();
      });
      var label = element("label", { "for": id }, choice[1]);
      group.appendChild(input);
      group.appendChild(label);
    });
    box.appendChild(group);
    return box;
  }

  // Counting and errors --------------------------------------------------------

  function changed() {
    field.value = JSON.stringify(definition);
    clearTimeout(timer);
    timer = setTimeout(count, DELAY);
  }

  function count() {
    if (!definition.rules.length) {
      showErrors({});
      output.textContent = "Add a rule to see how many leads it picks.";
      hidePreview();
      return;
    }
    var asked = ++latest;
    output.classList.add("counting");
    preview.classList.add("counting");
    ask(form.dataset.countUrl)
      .then(function (answer) {
        if (asked !== latest) return; // a newer count is on its way
        output.classList.remove("counting");
        if (answer.status === 200) {
          showErrors({});
          var n = answer.data.count;
          output.textContent = n.toLocaleString() + (n === 1 ? " lead matches" : " leads match") + " now.";
          if (n) showPreview(asked); else hidePreview();
        } else {
          showErrors(answer.data.errors || {});
          output.textContent = "Check the rules marked below.";
          hidePreview();
        }
      })
      .catch(function () {
        if (asked !== latest) return;
        output.classList.remove("counting");
        output.textContent = "Could not count just now; the count comes back with your next change.";
        hidePreview();
      });
  }

  // The same rules once more, after the count: who they pick, newest first.
  function showPreview(asked) {
    preview.classList.add("counting");
    ask(form.dataset.previewUrl)
      .then(function (answer) {
        if (asked !== latest) return;
        preview.classList.remove("counting");
        if (answer.status !== 200) return hidePreview();
        var list = preview.querySelector("ol");
        list.replaceChildren.apply(list, answer.data.leads.map(previewItem));
        preview.hidden = !answer.data.leads.length;
      })
      .catch(function () { if (asked === latest) hidePreview(); });
  }

  function previewItem(lead) {
    var details = [lead.company, lead.country, lead.stage, lead.owner ? "owner " + lead.owner : ""];
    var item = element("li");
    item.appendChild(element("a", { href: lead.url }, lead.name));
    var shown = details.filter(Boolean).join(" · ");
    if (shown) item.appendChild(element("span", { "class": "meta" }, " · " + shown));
    return item;
  }

  function hidePreview() {
    preview.hidden = true;
    preview.classList.remove("counting");
  }

  function ask(url) {
    var body = new FormData();
    body.append("definition", field.value);
    var token = form.querySelector('input[name="csrfmiddlewaretoken"]').value;
    return fetch(url, { method: "POST", body: body, headers: { "X-CSRFToken": token }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (data) { return { status: response.status, data: data }; });
      });
  }

  function showErrors(errors) {
    root.querySelectorAll(".rule-error").forEach(function (node) { node.remove(); });
    root.querySelectorAll('[aria-invalid="true"]').forEach(function (node) { node.removeAttribute("aria-invalid"); });
    Object.keys(errors).forEach(function (path) {
      var target = root.querySelector('[data-path="' + path + '"]') || root.querySelector('[data-path="definition"]');
      var message = element("p", { "class": "error rule-error", role: "alert" }, errors[path].join(" "));
      var input = target.querySelector(":scope > select, :scope > input");
      if (input) input.setAttribute("aria-invalid", "true");
      if (target.tagName === "OL") target.parentNode.insertBefore(message, target.nextSibling);
      else target.appendChild(message);
    });
  }

  var fallback = document.getElementById("rule-errors-fallback");
  if (fallback) fallback.remove();
  render();
  showErrors(readJSON("audience-errors") || {});
})();
