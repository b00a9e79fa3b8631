/* The applicant form's small helpers. No inline scripts: this file is all the JavaScript. */
(function () {
  "use strict";

  /* Fields shown only for some answers (platform, region, entry mode). The server renders
     the right ones already; this keeps them in step while the applicant changes answers. */
  function currentValue(form, name) {
    var inputs = form.querySelectorAll('[name="' + name + '"]');
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.type === "radio") {
        if (input.checked) return input.value;
      } else {
        return input.value;
      }
    }
    return "";
  }

  function refresh(form) {
    form.querySelectorAll("[data-show-field]").forEach(function (el) {
      var values = el.getAttribute("data-show-values").split(" ");
      el.hidden = values.indexOf(currentValue(form, el.getAttribute("data-show-field"))) === -1;
    });
  }

  document.querySelectorAll("form").forEach(function (form) {
    if (!form.querySelector("[data-show-field]")) return;
    form.addEventListener("change", function () { refresh(form); });
    refresh(form);
  });

  /* Uploads: type and size are checked here before the file is sent (the server checks the
     bytes again, whatever the browser says). */
  function problem(input) {
    var file = input.files && input.files[0];
    if (!file) return "";
    var accepted = (input.getAttribute("accept") || "").split(",");
    if (accepted.indexOf(file.type) === -1) return input.getAttribute("data-msg-type");
    if (file.size >= Number(input.getAttribute("data-max-bytes"))) return input.getAttribute("data-msg-size");
    return "";
  }

  function check(input) {
    var message = problem(input);
    var box = input.parentNode.querySelector("[data-file-error]") ||
      input.closest(".field, form").querySelector("[data-file-error]");
    if (box) {
      box.textContent = message;
      box.hidden = !message;
    }
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    return !message;
  }

  document.querySelectorAll('input[type="file"][data-max-bytes]').forEach(function (input) {
    input.addEventListener("change", function () { check(input); });
    input.form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (submitter && submitter.hasAttribute("formnovalidate")) return;
      if (!check(input)) {
        event.preventDefault();
        input.focus();
      }
    });
  });

  /* Errors: bring the summary into view and focus, so screen readers announce it. */
  var summary = document.querySelector("[data-focus]");
  if (summary) summary.focus();

  document.querySelectorAll("[data-select-on-focus]").forEach(function (box) {
    box.addEventListener("focus", function () { box.select(); });
  });
})();
