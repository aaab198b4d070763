// Pathways survey pages: a question that applies only after an answer on the same page is hidden until that answer
// is given. Each such question's block carries its condition in data-show-if (see ClientCondition). The server
// stays the authority: without this script every question is shown and the submitted page is checked in full.
(function () {
  "use strict";
  var form = document.querySelector("form.survey-page");
  if (!form) return;
  var blocks = Array.prototype.slice.call(form.querySelectorAll("[data-show-if]"));
  if (blocks.length === 0) return;
  var conditions = blocks.map(function (block) {
    try { return JSON.parse(block.getAttribute("data-show-if")); } catch (e) { return true; }
  });

  function inHiddenBlock(field) {
    var block = field.closest(".question");
    return block !== null && block.hidden;
  }

  // A field's answer as the server reads it: the checked choices joined by spaces, or the typed text.
  function value(name) {
    var fields = Array.prototype.slice.call(form.elements).filter(function (f) { return f.name === name; });
    if (fields.length === 0 || inHiddenBlock(fields[0])) return "";
    var kind = fields[0].type;
    if (kind === "radio" || kind === "checkbox") {
      return fields.filter(function (f) { return f.checked; }).map(function (f) { return f.value; }).join(" ");
    }
    return (fields[0].value || "").trim();
  }

  function number(text) {
    return text.trim() === "" ? NaN : Number(text);
  }

  function holds(c) {
    if (c === true || c === false) return c;
    if (!Array.isArray(c)) return true;
    var op = c[0];
    switch (op) {
      case "all": return c.slice(1).every(holds);
      case "any": return c.slice(1).some(holds);
      case "not": return !holds(c[1]);
      case "selected": return value(c[1]).split(/\s+/).indexOf(c[2]) >= 0;
      case "=": case "!=": {
        var given = value(c[1]);
        var same = typeof c[2] === "number" ? number(given) === c[2] : given === c[2];
        return op === "=" ? same : !same;
      }
      case "<": return number(value(c[1])) < Number(c[2]);
      case "<=": return number(value(c[1])) <= Number(c[2]);
      case ">": return number(value(c[1])) > Number(c[2]);
      case ">=": return number(value(c[1])) >= Number(c[2]);
      default: return true;
    }
  }

  function update() {
    // A follow-up of a follow-up settles within a few rounds.
    for (var round = 0; round < 4; round++) {
      var changed = false;
      blocks.forEach(function (block, i) {
        var hide = !holds(conditions[i]);
        if (block.hidden !== hide) { block.hidden = hide; changed = true; }
      });
      if (!changed) break;
    }
  }

  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
})();

// Cascading choices: a question whose answer filters the choices of another on the same page sends the page as soon
// as it changes, and the server comes back with the choices for it, keeping what was typed. Without this script the
// question's "Show the choices for this answer" button does the same.
(function () {
  "use strict";
  var form = document.querySelector("form.survey-page");
  if (!form || typeof form.requestSubmit !== "function") return;
  Array.prototype.forEach.call(form.querySelectorAll("[data-refreshes-choices]"), function (block) {
    var button = block.querySelector("button.refresh-choices");
    if (!button) return;
    button.hidden = true;
    button.style.display = "none";
    block.addEventListener("change", function () { form.requestSubmit(button); });
  });
})();
