// The portal's upload with progress: the form is sent by XMLHttpRequest so that a
// <progress> element can show the bytes sent; the page the server answers with (the new
// batch, or the portal with a message) is then opened. Without JavaScript the form posts
// as usual.
(function () {
  "use strict";
  // Our file controls name the chosen file (the browser's own control is hidden).
  Array.prototype.forEach.call(document.querySelectorAll(".file-control .file-input"), function (input) {
    input.addEventListener("change", function () {
      var label = input.parentNode.querySelector("[data-file-name]");
      var file = input.files && input.files[0];
      label.textContent = file ? file.name : label.getAttribute("data-none");
    });
  });
  var form = document.getElementById("upload-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  var status = document.getElementById("upload-status");
  var bar = document.getElementById("upload-progress");
  var text = document.getElementById("upload-percent");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    status.hidden = false;
    request.upload.addEventListener("progress", function (progress) {
      if (!progress.lengthComputable) { return; }
      var percent = Math.round(100 * progress.loaded / progress.total);
      bar.value = percent;
      text.textContent = percent + "%";
    });
    request.addEventListener("load", function () {
      // The server answers a script with where to go (a redirect would be followed inside
      // this request, and the page fetched here would take the flash message with it).
      var answer = null;
      try { answer = JSON.parse(request.responseText); } catch (ignored) { answer = null; }
      if (answer && answer.location) {
        window.location.assign(answer.location);
        return;
      }
      document.open();  // any other answer (a refusal page): show it as it is
      document.write(request.responseText);
      document.close();
    });
    request.addEventListener("error", function () {
      form.submit();
    });
    form.querySelector("button[type=submit]").disabled = true;
    request.send(new FormData(form));
  });
})();

// The batch page while the batch runs: ask for its progress, less and less often (2 s, then
// half as long again each time, at most a minute), update the bar, and open the page anew
// once the batch is done, which stops the asking (a finished batch's page does not poll).
(function () {
  "use strict";
  var state = document.getElementById("batch-state");
  var url = state && state.getAttribute("data-progress-url");
  if (!url || !window.fetch) { return; }
  var bar = document.getElementById("batch-progress");
  var count = document.getElementById("batch-count");
  var template = count.getAttribute("data-template");
  var delay = 2000;
  function look() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (progress) {
        bar.max = progress.total;
        bar.value = progress.done;
        count.textContent = template.replace("{done}", progress.done).replace("{total}", progress.total);
        if (progress.state === "done") {
          window.location.reload();
          return;
        }
        later();
      })
      .catch(later);
  }
  function later() {
    window.setTimeout(look, delay);
    delay = Math.min(60000, Math.round(delay * 1.5));
  }
  later();
})();

// "New link" for a client invited already: ask first (the earlier link will stop working);
// confirmed, the form says so (replace=1) and the server makes the new link at once.
// Without JavaScript the server asks on a page of its own.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("button[data-confirm]");
  Array.prototype.forEach.call(buttons, function (button) {
    button.form.addEventListener("submit", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) {
        event.preventDefault();
        return;
      }
      button.form.elements.replace.value = "1";
    });
  });
})();
