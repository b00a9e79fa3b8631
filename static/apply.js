/* The applicant form's small helpers. No inline scripts: this file is all the JavaScript.
   Every page works without it; it adds checks before sending, drag and drop, per-card upload
   progress, and a question before chosen files would be left behind. */
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
  var fileInputs = Array.prototype.slice.call(
    document.querySelectorAll('input[type="file"][data-max-bytes]'));

  function problem(input) {
    var file = input.files && input.files[0];
    if (!file) return "";
    var accepted = (input.getAttribute("accept") || "").split(",");
    if (accepted.indexOf(file.type) === -1) return input.getAttribute("data-msg-type");
    if (file.size >= Number(input.getAttribute("data-max-bytes"))) return input.getAttribute("data-msg-size");
    return "";
  }

  function holder(input) { return input.closest(".document, .field, form"); }

  function showError(input, message) {
    var box = holder(input).querySelector("[data-file-error]");
    if (box) {
      box.textContent = message;
      box.hidden = !message;
    }
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  function check(input) {
    var message = problem(input);
    showError(input, message);
    return !message;
  }

  function showName(input) {
    var label = holder(input).querySelector("[data-file-name]");
    if (!label) return;
    var file = input.files && input.files[0];
    label.textContent = file ? file.name : label.getAttribute("data-none");
  }

  function pending() {
    return fileInputs.filter(function (input) { return input.files && input.files.length; });
  }

  fileInputs.forEach(function (input) {
    input.addEventListener("change", function () { showName(input); check(input); });
  });

  /* Drag and drop onto a document card puts the file in that card's control. */
  document.querySelectorAll("[data-drop]").forEach(function (card) {
    var input = card.querySelector('input[type="file"]');
    var hint = card.querySelector("[data-drop-hint]");
    if (!input) return;
    if (hint && window.matchMedia("(pointer: fine)").matches) hint.hidden = false;
    card.addEventListener("dragover", function (event) {
      event.preventDefault();
      card.classList.add("dragging");
    });
    card.addEventListener("dragleave", function () { card.classList.remove("dragging"); });
    card.addEventListener("drop", function (event) {
      event.preventDefault();
      card.classList.remove("dragging");
      if (!event.dataTransfer || !event.dataTransfer.files.length) return;
      var transfer = new DataTransfer();
      transfer.items.add(event.dataTransfer.files[0]);
      input.files = transfer.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
  });

  /* Leaving with chosen files: they are uploaded, or the applicant is asked. */
  var leaving = false;
  window.addEventListener("beforeunload", function (event) {
    if (!leaving && pending().length) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  /* Forms other than the documents page: check the chosen files before sending. */
  fileInputs.forEach(function (input) {
    var form = input.form;
    if (!form || form.id === "documents-form") return;
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (submitter && submitter.hasAttribute("formnovalidate")) { leaving = true; return; }
      if (!check(input)) {
        event.preventDefault();
        input.focus();
        return;
      }
      leaving = true;
    });
  });

  /* The documents page: one action uploads every chosen file, card by card with progress,
     then goes where the button (or the link that was followed) leads. */
  var documents = document.getElementById("documents-form");

  function uploadOne(input) {
    return new Promise(function (resolve) {
      var card = holder(input);
      var bar = card.querySelector("progress");
      var state = card.querySelector("[data-upload-state]");
      var data = new FormData();
      data.append("csrf_token", documents.querySelector('[name="csrf_token"]').value);
      data.append("file", input.files[0]);
      var request = new XMLHttpRequest();
      request.open("POST", input.getAttribute("data-upload-url"));
      request.setRequestHeader("Accept", "application/json");
      if (bar) { bar.hidden = false; bar.value = 0; }
      if (state) state.textContent = state.getAttribute("data-uploading");
      request.upload.addEventListener("progress", function (event) {
        if (bar && event.lengthComputable) bar.value = Math.round(100 * event.loaded / event.total);
      });
      request.addEventListener("load", function () {
        var answer = {};
        try { answer = JSON.parse(request.responseText); } catch (e) { answer = {}; }
        if (request.status === 200 && answer.ok) {
          if (bar) bar.value = 100;
          if (state) state.textContent = state.getAttribute("data-done");
          showError(input, "");
          input.value = "";
          resolve(true);
        } else {
          if (bar) bar.hidden = true;
          if (state) state.textContent = "";
          showError(input, answer.error || input.getAttribute("data-msg-type"));
          resolve(false);
        }
      });
      request.addEventListener("error", function () {
        if (bar) bar.hidden = true;
        if (state) state.textContent = "";
        showError(input, input.getAttribute("data-msg-type"));
        resolve(false);
      });
      request.send(data);
    });
  }

  if (documents && window.FormData && window.Promise) {
    documents.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      var chosen = pending();
      var removing = submitter && (submitter.getAttribute("formaction") || "").indexOf("/remove") !== -1;
      if (removing && chosen.length && !window.confirm(documents.getAttribute("data-pending-message"))) {
        event.preventDefault();
        return;
      }
      /* Removing, switching language (its own address) or nothing chosen: the form goes as is. */
      if (!chosen.length || (submitter && submitter.hasAttribute("formaction"))) {
        leaving = true;
        return;
      }
      event.preventDefault();
      var bad = chosen.filter(function (input) { return !check(input); });
      if (bad.length) { bad[0].focus(); return; }
      var target = documents.querySelector("[data-next]").value ||
        (submitter && submitter.getAttribute("data-href")) || window.location.pathname;
      chosen.reduce(function (previous, input) {
        return previous.then(function (results) {
          return uploadOne(input).then(function (ok) { return results.concat([ok]); });
        });
      }, Promise.resolve([])).then(function (results) {
        if (results.every(Boolean)) {
          leaving = true;
          /* "Continue to review" is posted once the files are in (none left chosen, so it goes
             as is): the server then marks the documents step done in the step list. */
          if (submitter && submitter.value === "review") documents.requestSubmit(submitter);
          else window.location.assign(target);
        } else {
          documents.querySelector("[data-next]").value = "";
          var first = documents.querySelector('input[type="file"][aria-invalid="true"]');
          if (first) first.focus();
        }
      });
    });

    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a[href]");
      if (!link || !pending().length || link.target) return;
      var url = new URL(link.href, window.location.href);
      if (url.origin !== window.location.origin || url.hash && url.pathname === window.location.pathname) return;
      event.preventDefault();
      if (window.confirm(documents.getAttribute("data-pending-message"))) {
        documents.querySelector("[data-next]").value = url.pathname + url.search;
        documents.requestSubmit(documents.querySelector('button[name="go"][value="stay"]:not(.default-submit)'));
      } else {
        leaving = true;
        window.location.assign(link.href);
      }
    });
  }

  /* After a save: the first problem gets the focus (the error summary, or the first field a
     rule notes), so that keyboard and screen-reader users start there. */
  var summary = document.querySelector("[data-focus]");
  if (summary) {
    summary.focus();
  } else if (document.querySelector(".flash-warn") && !window.location.hash) {
    var note = document.querySelector(".rule-notes");
    var field = note && note.closest(".field");
    var control = field && field.querySelector("input, select, textarea");
    if (control) control.focus();
  }

  document.querySelectorAll("[data-select-on-focus]").forEach(function (box) {
    box.addEventListener("focus", function () { box.select(); });
  });

  /* Approved details: a copy button beside each value, where the clipboard can be used. */
  if (navigator.clipboard) {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(button.getAttribute("data-copy"));
      });
    });
  }
})();
